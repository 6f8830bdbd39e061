// The events answers are written batch after batch as storage reads them,
// not built in memory first; they are still one valid JSON document.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {ADMIN, collectorFor, events, getJson, sendBatch, startSession} from './helpers';

const {url} = await collectorFor();

test('a page\'s events are streamed in chunks, batch after batch, as one JSON document', async () => {
  const grant = await startSession(url);
  await sendBatch(url, grant.sessionToken, 1, 0, events(3));
  // A body as a client may format it: whitespace around and inside the array.
  await sendBatch(url, grant.sessionToken, 1, 1, [], {body: `\n [ ${JSON.stringify(events(2, 3)).slice(1, -1)} ] \n`});
  await sendBatch(url, grant.sessionToken, 1, 2, events(4, 5));
  const response = await fetch(`${url}/api/sessions/${grant.sessionID}/pages/1/events`, {headers: ADMIN});
  assert.equal(response.headers.get('transfer-encoding'), 'chunked');
  assert.equal(response.headers.get('content-type'), 'application/json');
  assert.deepEqual(await response.json(), {pageID: 1, events: events(9)});
});

test('a session\'s events answer holds every page, a page without batches as an empty list', async () => {
  const first = await startSession(url, {userID: 'streamed'});
  const second = await startSession(url, {token: first.sessionToken});
  await sendBatch(url, second.sessionToken, 2, 0, events(2));
  const {json} = await getJson(url, `/api/sessions/${first.sessionID}/events`);
  assert.equal(json.userID, 'streamed');
  assert.deepEqual(json.pages.map((page: any) => [page.pageID, page.eventCount, page.events.length]), [[1, 0, 0], [2, 2, 2]]);
  assert.deepEqual(json.pages[1].events, events(2));
});
