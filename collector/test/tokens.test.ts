import {test} from 'node:test';
import assert from 'node:assert/strict';
import {signSessionHash, signToken, verifySessionHash, verifyToken} from '../sessions/tokens';

const secret = 'test-secret';
const claims = {projectKey: 'shop', sessionID: 'abc123', expiresAt: Date.now() + 60_000};

// Changes one character of `text` at `index` to another base64url character.
const flip = (text: string, index: number) => text.slice(0, index) + (text[index] === 'A' ? 'B' : 'A') + text.slice(index + 1);

test('a signed token verifies and gives back its project, session and expiry', () => {
  assert.deepEqual(verifyToken(secret, signToken(secret, claims)), {ok: true, ...claims});
});

test('a token whose payload was changed does not verify', () => {
  const [, mac] = signToken(secret, claims).split('.');
  const forged = Buffer.from(JSON.stringify({p: 'shop', s: 'another-session', exp: claims.expiresAt})).toString('base64url');
  assert.deepEqual(verifyToken(secret, `${forged}.${mac}`), {ok: false, problem: 'bad-signature'});
});

test('a token whose signature was changed does not verify, whichever character', () => {
  const token = signToken(secret, claims);
  const dot = token.indexOf('.');
  for (const index of [dot + 1, token.length - 1]) {
    assert.deepEqual(verifyToken(secret, flip(token, index)), {ok: false, problem: 'bad-signature'});
  }
});

test('an expired token is reported as expired, with its expiry', () => {
  const expiresAt = Date.now() - 1;
  assert.deepEqual(verifyToken(secret, signToken(secret, {...claims, expiresAt})), {ok: false, problem: 'expired', expiredAt: expiresAt});
});

test('a token signed with another secret does not verify', () => {
  assert.deepEqual(verifyToken(secret, signToken('other-secret', claims)), {ok: false, problem: 'bad-signature'});
});

test('something that is not a token is reported as malformed', () => {
  for (const text of ['', 'abc', 'a.b.c', 'not base64!.x']) assert.deepEqual(verifyToken(secret, text), {ok: false, problem: 'malformed'});
});

test('a session hash verifies for its project and gives back the session ID', () => {
  const hash = signSessionHash(secret, 'shop', 'abc123');
  assert.match(hash, /^abc123\.[A-Za-z0-9_-]{22}$/);
  assert.equal(verifySessionHash(secret, 'shop', hash), 'abc123');
});

test('a changed session hash, or one of another project or secret, does not verify', () => {
  const hash = signSessionHash(secret, 'shop', 'abc123');
  assert.equal(verifySessionHash(secret, 'shop', flip(hash, hash.length - 1)), null);
  assert.equal(verifySessionHash(secret, 'shop', hash.replace('abc123', 'abc124')), null);
  assert.equal(verifySessionHash(secret, 'shop', hash.slice(0, -1)), null);
  assert.equal(verifySessionHash(secret, 'other-project', hash), null);
  assert.equal(verifySessionHash('other-secret', 'shop', hash), null);
});
