import {test} from 'node:test';
import assert from 'node:assert/strict';
import {collectorFor, handshake, sendBatch, startSession} from './helpers';

const {url} = await collectorFor({
  projects: [
    {key: 'shop', origins: new Set(['http://shop.test'])},
    {key: 'blog', origins: new Set(['http://blog.test'])},
  ],
});

const preflight = (path: string, origin: string) =>
  fetch(`${url}${path}`, {
    method: 'OPTIONS',
    headers: {Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-encoding'},
  });

test('a preflight from an origin some project allows is granted, cached for two hours', async () => {
  for (const path of ['/v1/web/start', '/v1/web/i']) {
    const response = await preflight(path, 'http://blog.test');
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), 'http://blog.test');
    assert.equal(response.headers.get('vary'), 'Origin');
    assert.equal(response.headers.get('access-control-allow-methods'), 'POST, OPTIONS');
    assert.equal(response.headers.get('access-control-allow-headers'), 'Authorization, Content-Type, Content-Encoding');
    assert.equal(response.headers.get('access-control-max-age'), '7200');
  }
});

test('a preflight from an origin no project allows is refused with 403 JSON', async () => {
  const response = await preflight('/v1/web/start', 'http://evil.test');
  assert.equal(response.status, 403);
  assert.equal(response.headers.get('access-control-allow-origin'), null);
  assert.match((await response.json()).error, /http:\/\/evil\.test/);
});

test('a successful handshake echoes the allowed origin', async () => {
  const {status, headers} = await handshake(url, {projectKey: 'shop'}, {Origin: 'http://shop.test'});
  assert.equal(status, 200);
  assert.equal(headers.get('access-control-allow-origin'), 'http://shop.test');
  assert.equal(headers.get('vary'), 'Origin');
});

test('a refusal to an origin of another project is readable by the page', async () => {
  const {status, headers, json} = await handshake(url, {projectKey: 'shop'}, {Origin: 'http://blog.test'});
  assert.equal(status, 403);
  assert.equal(headers.get('access-control-allow-origin'), 'http://blog.test');
  assert.match(json.error, /origin http:\/\/blog\.test is not allowed to send to project "shop"/);
});

test('a batch from an origin its project does not allow is refused with 403', async () => {
  const grant = await startSession(url, {projectKey: 'shop'}, {Origin: 'http://shop.test'});
  const refused = await sendBatch(url, grant.sessionToken, 1, 0, [{type: 4, timestamp: 1}], {headers: {Origin: 'http://blog.test'}});
  assert.equal(refused.status, 403);
  const stored = await sendBatch(url, grant.sessionToken, 1, 0, [{type: 4, timestamp: 1}], {headers: {Origin: 'http://shop.test'}});
  assert.equal(stored.status, 200);
  assert.equal(stored.headers.get('access-control-allow-origin'), 'http://shop.test');
});

test('an error on a batch carries the CORS headers too', async () => {
  const {status, headers} = await sendBatch(url, null, 1, 0, [], {headers: {Origin: 'http://shop.test'}});
  assert.equal(status, 401);
  assert.equal(headers.get('access-control-allow-origin'), 'http://shop.test');
  assert.equal(headers.get('vary'), 'Origin');
});

test('a request without Origin (curl, a server) is allowed', async () => {
  assert.equal((await handshake(url, {projectKey: 'shop'})).status, 200);
});

test('ingest answers let the page read Retry-After (a proxy in front may send it)', async () => {
  const response = await fetch(`${url}/v1/web/start`, {
    method: 'POST',
    headers: {Origin: 'http://shop.test', 'Content-Type': 'application/json'},
    body: JSON.stringify({projectKey: 'shop', url: 'http://shop.test/'}),
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('access-control-expose-headers'), 'Retry-After');
});
