import {test} from 'node:test';
import assert from 'node:assert/strict';
import {parseCliArgs} from '../cli/parseCliArgs';

test('without abuse flags the collector keeps its defaults: no proxy trusted, info logs', () => {
  const args = parseCliArgs([]);
  assert.deepEqual(args.rateLimits, {});
  assert.deepEqual(args.connectionLimits, {});
  assert.equal(args.trustedProxies, 0);
  assert.equal(args.logLevel, 'info');
});

test('rate flags are per second with bursts of ten seconds, new sessions per minute, and 0 turns a limit off', () => {
  const args = parseCliArgs(['--handshakes-per-address', '2', '--batches-per-project', '0', '--new-sessions-per-minute', '600', '--batches-per-address', '0.5']);
  assert.deepEqual(args.rateLimits, {
    handshakesPerAddress: {perSecond: 2, burst: 20},
    batchesPerProject: {perSecond: 0, burst: 0},
    batchesPerAddress: {perSecond: 0.5, burst: 5},
    newSessionsPerProject: {perSecond: 10, burst: 600},
  });
});

test('connection flags set the caps and timeouts, --trust-proxy trusts one proxy and --trusted-proxies more', () => {
  const args = parseCliArgs(['--max-connections', '500', '--max-connections-per-address', '0', '--headers-timeout', '5', '--request-timeout', '20', '--shutdown-grace', '3', '--trust-proxy', '--log-level', 'warn']);
  assert.deepEqual(args.connectionLimits, {maxConnections: 500, maxConnectionsPerAddress: 0, headersTimeoutSeconds: 5, requestTimeoutSeconds: 20, shutdownGraceSeconds: 3});
  assert.equal(args.trustedProxies, 1);
  assert.equal(args.logLevel, 'warn');
  assert.equal(parseCliArgs(['--trusted-proxies', '2']).trustedProxies, 2);
});

test('a malformed abuse flag is refused with what to type instead', () => {
  assert.throws(() => parseCliArgs(['--handshakes-per-address', 'lots']), /--handshakes-per-address lots: give a rate from 0 up/);
  assert.throws(() => parseCliArgs(['--max-connections', '1.5']), /--max-connections 1.5: give a whole number from 0 up/);
  assert.throws(() => parseCliArgs(['--headers-timeout', '0']), /--headers-timeout 0: give a number of seconds greater than 0/);
  assert.throws(() => parseCliArgs(['--log-level', 'loud']), /--log-level loud: give one of debug, info, warn, error, silent/);
  assert.throws(() => parseCliArgs(['--trusted-proxies', 'one']), /--trusted-proxies one: give how many proxies/);
});
