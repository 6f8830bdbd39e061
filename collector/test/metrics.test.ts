import {test} from 'node:test';
import assert from 'node:assert/strict';
import {ADMIN, collectorFor, events, sendBatch, startSession} from './helpers';
import {handshakeFrom, send} from './opsHelpers';

/** The value of one sample of the Prometheus text format: `name{labels} value` (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value) && Object.keys(found).length === Object.keys(labels).length) return Number(match[3]);
  }
  return 0;
}

const scrape = async (url: string, headers: Record<string, string> = ADMIN) => send(url, '/metrics', {method: 'GET', headers});

test('/metrics counters move as batches arrive: requests, batches and bytes stored, duplicates, latency, sessions', async () => {
  const {url} = await collectorFor();
  const before = (await scrape(url)).text;
  const grant = await startSession(url);
  const first = events(5);
  const second = events(7, 5);
  await sendBatch(url, grant.sessionToken, 1, 0, first);
  await sendBatch(url, grant.sessionToken, 1, 1, second);
  await sendBatch(url, grant.sessionToken, 1, 1, second); // a retry: a duplicate
  await sendBatch(url, 'not-a-token', 1, 2, events(1));
  const scraped = await scrape(url);
  assert.equal(scraped.status, 200);
  assert.match(String(scraped.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const after = scraped.text;

  const moved = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);
  assert.equal(moved('collector_batches_stored_total'), 2);
  assert.equal(moved('collector_batches_duplicate_total'), 1);
  assert.equal(moved('collector_batch_bytes_stored_total'), JSON.stringify(first).length + JSON.stringify(second).length);
  assert.equal(moved('collector_http_requests_total', {route: '/v1/web/i', method: 'POST', status: '200'}), 3);
  assert.equal(moved('collector_http_requests_total', {route: '/v1/web/i', method: 'POST', status: '401'}), 1);
  assert.equal(moved('collector_http_requests_total', {route: '/v1/web/start', method: 'POST', status: '200'}), 1);
  assert.equal(moved('collector_ingest_duration_seconds_count', {route: '/v1/web/i'}), 4);
  assert.equal(moved('collector_ingest_duration_seconds_bucket', {route: '/v1/web/i', le: '+Inf'}), 4);
  assert.equal(moved('collector_sessions_created_total'), 1);
  assert.equal(sample(after, 'collector_active_sessions'), 1);
  assert.equal(sample(after, 'collector_storage_available'), 1);
  assert.ok(sample(after, 'process_cpu_user_seconds_total') > 0, 'the process figures are there too');
});

test('/metrics counts requests refused by the rate limits, by limit', async () => {
  const {url} = await collectorFor({trustedProxies: 1, rateLimits: {handshakesPerAddress: {perSecond: 0.01, burst: 1}}});
  const from = {'X-Forwarded-For': '198.51.100.1'};
  for (let i = 0; i < 3; i++) await handshakeFrom(url, undefined, {}, from);
  const text = (await scrape(url)).text;
  assert.equal(sample(text, 'collector_rate_limited_total', {limit: 'handshake_per_address'}), 2);
  assert.equal(sample(text, 'collector_http_requests_total', {route: '/v1/web/start', method: 'POST', status: '429'}), 2);
});

test('/metrics labels requests with the route pattern, never the URL (no session IDs, no query)', async () => {
  const {url} = await collectorFor();
  await send(url, '/api/sessions/some-session-id/events?key=secret-in-url', {method: 'GET', headers: ADMIN});
  await send(url, '/no/such/path', {method: 'GET'});
  const text = (await scrape(url)).text;
  assert.equal(sample(text, 'collector_http_requests_total', {route: '/api/sessions/:id/events', method: 'GET', status: '404'}), 1);
  assert.equal(sample(text, 'collector_http_requests_total', {route: 'unmatched', method: 'GET', status: '404'}), 1);
  assert.doesNotMatch(text, /some-session-id|secret-in-url/);
});

test('/metrics needs an access key like the read API, on loopback too', async () => {
  const {url} = await collectorFor();
  assert.equal((await scrape(url, {})).status, 401);
  const allowed = await scrape(url, ADMIN);
  assert.equal(allowed.status, 200);
  assert.match(allowed.text, /collector_http_requests_total/);
});
