import {test} from 'node:test';
import assert from 'node:assert/strict';
import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {isLoopbackHost} from '../lib/isLoopbackHost';
import {ADMIN, collectorFor, getJson, startSession, tempDir} from './helpers';

const viewerDir = await tempDir();
await writeFile(join(viewerDir, 'index.html'), '<!doctype html><title>viewer</title>');
await writeFile(join(viewerDir, 'app.js'), 'console.log("viewer")');
// Listening on every interface, reached through 127.0.0.1 (collector/test/access.test.ts has loopback).
const open = await collectorFor({host: '0.0.0.0', viewerDir});
const url = `http://127.0.0.1:${open.port}`;

test('the read API refuses a collector on every interface without an access key (401 JSON)', async () => {
  for (const path of ['/api/sessions', '/api/sessions/x', '/api/sessions/x/events', '/api/sessions/x/pages/1/events']) {
    const {status, json} = await getJson(url, path, {});
    assert.equal(status, 401, path);
    assert.match(json.error, /access key/);
  }
  assert.equal((await getJson(url, '/api/sessions', {Authorization: 'Bearer wrong'})).status, 401);
});

test('the read API answers with an access key as bearer token, and never takes one from the URL', async () => {
  const grant = await startSession(url);
  assert.equal((await getJson(url, '/api/sessions')).status, 200);
  const {status, json} = await getJson(url, `/api/sessions/${grant.sessionID}/events`);
  assert.equal(status, 200);
  assert.equal(json.sessionID, grant.sessionID);
  assert.equal((await getJson(url, `/api/sessions?key=${ADMIN.Authorization.slice(7)}`, {})).status, 401);
});

test('ingest and health stay open without an access key', async () => {
  assert.equal((await handshake()).status, 200);
  assert.deepEqual((await getJson(url, '/healthz')).json, {ok: true});
});

test('the viewer\'s files, which hold no session data, are served without a login (it shows its login form)', async () => {
  const page = await fetch(`${url}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type')!, /text\/html/);
  assert.equal((await fetch(`${url}/viewer/app.js`)).headers.get('content-type'), 'text/javascript; charset=utf-8');
});

test('viewer files outside the viewer directory are not served', async () => {
  const {status} = await getJson(url, `/viewer/..%2f..%2fetc%2fpasswd`);
  assert.equal(status, 404);
});

test('unknown sessions and pages answer 404 JSON', async () => {
  const auth = ADMIN;
  assert.equal((await getJson(url, '/api/sessions/nosuchsession/events', auth)).status, 404);
  const grant = await startSession(url);
  const {status, json} = await getJson(url, `/api/sessions/${grant.sessionID}/pages/9/events`, auth);
  assert.equal(status, 404);
  assert.match(json.error, /no page/);
});

test('an unknown route answers 404 JSON and a wrong method 405 JSON', async () => {
  const missing = await getJson(url, '/nothing-here');
  assert.equal(missing.status, 404);
  assert.equal(typeof missing.json.error, 'string');
  const wrong = await fetch(`${url}/v1/web/i`);
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('content-type'), 'application/json');
  assert.match((await wrong.json()).error, /GET is not allowed/);
});

function handshake() {
  return fetch(`${url}/v1/web/start`, {method: 'POST', body: JSON.stringify({projectKey: 'demo', url: 'http://shop.test/'})});
}

test('only loopback hosts count as loopback for the development flag', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(host), true, host);
  for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.5', 'example.com', '128.0.0.1']) assert.equal(isLoopbackHost(host), false, host);
});
