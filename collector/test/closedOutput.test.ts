// The collector's logs go to stdout: when whoever reads them goes away (a
// pipe closed), it serves on rather than dying on EPIPE with batches in
// flight.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {startCollectorProcess} from './collectorProcess';
import {events, getJson, sendBatch, startSession, tempDir} from './helpers';

const SCRIPT = 'dist/collector.js';

test('with its output pipes closed, the collector keeps accepting and serving sessions', {timeout: 30_000}, async () => {
  assert.ok(existsSync(SCRIPT), `${SCRIPT} is missing: run node build.mjs first`);
  const {child, url, exited} = await startCollectorProcess(SCRIPT, ['--port', '0', '--data', await tempDir(), '--log-level', 'debug']);
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  try {
    child.stdout!.destroy();
    child.stderr!.destroy();
    // Each request is logged at debug: writes to the closed pipes.
    for (let i = 0; i < 20; i++) {
      const grant = await startSession(url);
      assert.equal((await sendBatch(url, grant.sessionToken, 1, 0, events(2))).status, 200);
    }
    const {status, json} = await getJson(url, '/api/sessions?limit=50');
    assert.equal(status, 200);
    assert.equal(json.sessions.length, 20);
    assert.equal(exitedEarly, false);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
});
