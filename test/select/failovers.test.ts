// When a failover is done: every release of the set's profiles Deployed and Healthy on the
// replacement, at the time it was seen healthy; a release without recorded health counts as before.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FailoverRecord, ReleaseStatus } from '../../src/model/status.ts';
import { deployedAtBySet, settleFailovers } from '../../src/select/failovers.ts';
import { chart, clusterProfile } from './fleet.ts';

const profile = clusterProfile('kyverno', { setRefs: ['prod'], helmCharts: [chart('kyverno')] });
const release = (extra: Partial<ReleaseStatus>): ReleaseStatus => ({
  releaseNamespace: 'kyverno',
  releaseName: 'kyverno',
  chart: 'kyverno',
  chartVersion: '1.0.0',
  state: 'Deployed',
  lastAppliedTime: '2026-03-13T10:01:00.000Z',
  ...extra,
});
const on = (r: ReleaseStatus, now?: Date) =>
  deployedAtBySet([{ profile, status: { matchingClusters: [], clusters: [{ cluster: 'civo/cluster2', releases: [r] }] } }], now)('ClusterSet/prod');
const NOW = new Date('2026-03-13T10:05:00Z');
const record: FailoverRecord = { from: 'civo/cluster1', to: 'civo/cluster2', reason: 'not-ready', firstFailedProbe: '2026-03-13T10:00:00.000Z', selected: '2026-03-13T10:00:30.000Z' };

describe('deployedAtBySet', () => {
  test('waits while a Deployed release is not Healthy', () => {
    for (const health of ['Progressing', 'Degraded', 'Unknown'] as const) {
      assert.equal(on(release({ health }), NOW)('civo/cluster2'), undefined, health);
    }
    assert.equal(on(release({ state: 'Failed', health: 'Healthy' }), NOW)('civo/cluster2'), undefined);
  });

  test('a Healthy release is up at the time it was observed healthy, not at its last apply', () => {
    assert.equal(on(release({ health: 'Healthy' }), NOW)('civo/cluster2'), NOW.toISOString());
    assert.equal(on(release({ health: 'Healthy', lastAppliedTime: '2026-03-13T10:09:00.000Z' }), NOW)('civo/cluster2'), '2026-03-13T10:09:00.000Z');
  });

  test('without recorded health (older status, nothing observed) the last apply counts, as before', () => {
    assert.equal(on(release({}), NOW)('civo/cluster2'), '2026-03-13T10:01:00.000Z');
    assert.equal(on(release({ health: 'Healthy' }))('civo/cluster2'), '2026-03-13T10:01:00.000Z', 'no clock: the last apply');
  });
});

describe('settleFailovers', () => {
  test('an open record stays open until the replacement is healthy, then counts to that time', () => {
    assert.deepEqual(settleFailovers([record], on(release({ health: 'Progressing' }), NOW)), [record]);
    const [done] = settleFailovers([record], on(release({ health: 'Healthy' }), NOW));
    assert.equal(done!.deployed, NOW.toISOString());
    assert.equal(done!.totalSeconds, 300);
  });

  test('a settled record keeps its time when health later changes', () => {
    const settled = { ...record, deployed: '2026-03-13T10:02:00.000Z', totalSeconds: 120 };
    assert.deepEqual(settleFailovers([settled], on(release({ health: 'Degraded' }), NOW)), [settled]);
  });
});
