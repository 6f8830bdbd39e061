import {test} from 'node:test';
import assert from 'node:assert/strict';
import {applySessionChange} from '../storage/applySessionChange';
import {sessionMatcher} from '../storage/sessionMatches';
import {newSessionRecord} from '../storage/newSessionRecord';
import {trigramSignature, trigramTest} from '../storage/urlText';

// The same texts on every run: a failure can be replayed.
function seededRandom(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    // xorshift32
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % below;
  };
}

test('the trigram signature never passes over a text that holds the needle', () => {
  const random = seededRandom(7);
  // A small alphabet makes near misses common; the wider characters check code units beyond ASCII.
  const alphabet = 'ab/-.?=0123456789éİ😀';
  const pick = (length: number) => Array.from({length}, () => alphabet[random(alphabet.length)]).join('');
  let held = 0;
  let passedOver = 0;
  for (let i = 0; i < 5000; i++) {
    const text = pick(20 + random(200));
    const from = random(text.length);
    const needle = random(2) ? text.slice(from, from + 3 + random(12)) : pick(3 + random(12));
    const holds = text.includes(needle);
    const mayHold = trigramTest(needle)(trigramSignature(text));
    if (holds) {
      held++;
      assert.ok(mayHold, `${JSON.stringify(needle)} is in ${JSON.stringify(text)}`);
    } else if (!mayHold) passedOver++;
  }
  // Neither side empty: the test saw both matches and texts it could pass over.
  assert.ok(held > 1000, `${held} texts held their needle`);
  assert.ok(passedOver > 500, `${passedOver} texts were passed over by their signature`);
});

test('the URL filter finds what a session visits after it was searched once', () => {
  const session = newSessionRecord({sessionID: 's1', projectKey: 'demo', userID: null, userUUID: 'u', metadata: {}, startedAt: 1, assistOnly: false});
  applySessionChange(session, {urls: ['http://shop.test/']});
  const findsCheckout = sessionMatcher({url: '/Checkout/Done'});
  assert.equal(findsCheckout(session), false);
  applySessionChange(session, {urls: ['http://shop.test/checkout/done?order=7']});
  assert.equal(findsCheckout(session), true);
  assert.equal(sessionMatcher({url: 'ORDER=7'})(session), true);
  assert.equal(sessionMatcher({url: 'order=8'})(session), false);
});
