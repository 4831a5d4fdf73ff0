import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHistoryJson, stuckRecovery, type HistoryEntry } from '../../src/helm/recover.ts';

const t0 = Date.parse('2026-11-25T12:00:00Z');
const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
const staleAfter = 6 * 60_000;

test('a release whose latest revision is not pending needs nothing', () => {
  const history: HistoryEntry[] = [{ revision: 1, status: 'deployed', updated: at(0) }];
  assert.equal(stuckRecovery(history, t0 + 3_600_000, staleAfter).kind, 'none');
  assert.equal(stuckRecovery([], t0, staleAfter).kind, 'none');
});

test('a pending revision younger than the takeover age is left to whoever runs it', () => {
  const history: HistoryEntry[] = [
    { revision: 1, status: 'deployed', updated: at(0) },
    { revision: 2, status: 'pending-upgrade', updated: at(1) },
  ];
  const r = stuckRecovery(history, t0 + 5 * 60_000, staleAfter);
  assert.equal(r.kind, 'none');
  assert.match(r.reason, /pending-upgrade for 240s; taken over after 360s/);
});

test('a stale pending upgrade rolls back to the newest good revision, skipping failed ones', () => {
  const history: HistoryEntry[] = [
    { revision: 4, status: 'pending-upgrade', updated: at(10) },
    { revision: 3, status: 'failed', updated: at(5) },
    { revision: 2, status: 'deployed', updated: at(2) },
    { revision: 1, status: 'superseded', updated: at(0) },
  ];
  assert.deepEqual(stuckRecovery(history, t0 + 60 * 60_000, staleAfter), {
    kind: 'rollback',
    revision: 2,
    reason: 'revision 4 stuck in pending-upgrade for 3000s: rolled back to revision 2',
  });
});

test('a stale pending install with nothing good before it is uninstalled', () => {
  const history: HistoryEntry[] = [{ revision: 1, status: 'pending-install', updated: at(0) }];
  assert.equal(stuckRecovery(history, t0 + 60 * 60_000, staleAfter).kind, 'uninstall');
});

test("helm history's JSON is read; anything else reads as no history", () => {
  const json = '[{"revision":1,"updated":"2026-11-25T12:59:00.26719401Z","status":"deployed","chart":"hello-0.1.0","app_version":"1.0.0","description":"Install complete"}]';
  assert.deepEqual(parseHistoryJson(json), [{ revision: 1, status: 'deployed', updated: '2026-11-25T12:59:00.26719401Z' }]);
  assert.deepEqual(parseHistoryJson('Error: nope'), []);
});
