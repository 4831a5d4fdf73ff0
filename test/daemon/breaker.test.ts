// The breaker's daemon side: its options (flag, environment, defaults, bad values) and its record
// in status/gitset.yaml, which survives a restart and keeps the revision fields as they were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, resolveConfig } from '../../src/daemon/config.ts';
import { nextRevisionStatus, readRevisionStatus, renderRevisionStatus } from '../../src/daemon/revision-status.ts';

test('--breaker-share and --breaker-min-failures: defaults, flags, environment, bad values', () => {
  const base = { repo: 'https://git.example/fleet.git' };
  assert.deepEqual(resolveConfig({ flags: base, env: {}, cwd: '/' }).breaker, { share: 0.5, minFailures: 3 });
  assert.deepEqual(resolveConfig({ flags: { ...base, breakerShare: '30%', breakerMinFailures: '5' }, env: {}, cwd: '/' }).breaker, { share: 0.3, minFailures: 5 });
  assert.deepEqual(resolveConfig({ flags: base, env: { GITSET_BREAKER_SHARE: '0.75', GITSET_BREAKER_MIN_FAILURES: '2' }, cwd: '/' }).breaker, { share: 0.75, minFailures: 2 });
  for (const bad of ['1', '150%', 'half', '-0.1']) {
    assert.throws(() => resolveConfig({ flags: { ...base, breakerShare: bad }, env: {}, cwd: '/' }), (e: unknown) => e instanceof ConfigError && e.option === '--breaker-share');
  }
  assert.throws(() => resolveConfig({ flags: { ...base, breakerMinFailures: '0' }, env: {}, cwd: '/' }), ConfigError);
});

test('status/gitset.yaml records the breaker and reads it back; a new revision keeps it', () => {
  const breaker = { state: 'open' as const, since: '2026-03-13T10:00:00.000Z', reason: 'no cluster could be reached: all 3 probes failed' };
  const status = { applied: { revision: 'c1', inputs: 't1' }, breaker };
  const text = renderRevisionStatus(status);
  assert.match(text, /^breaker:\n  state: open\n  since: 2026-03-13T10:00:00.000Z\n  reason: "?no cluster could be reached/m);
  assert.deepEqual(readRevisionStatus(text), status);
  assert.deepEqual(nextRevisionStatus(status, { revision: 'c2', inputs: 't2' }, undefined), { applied: { revision: 'c2', inputs: 't2' }, breaker });
  assert.doesNotMatch(renderRevisionStatus({ applied: { revision: 'c1', inputs: 't1' }, breaker: { state: 'closed' } }), /breaker/, 'a breaker that never opened is not written');
});
