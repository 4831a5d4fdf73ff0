// The breaker judges this round: clusters that were already not ready before it (one dead for ten
// minutes) are old news, not part of a mass failure, and must not help open it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ClusterKey } from '../../src/model/objects.ts';
import type { ProbeResult } from '../../src/model/ports.ts';
import { computeCycle, recordResults, type RepositoryObjects } from '../../src/plan/cycle.ts';
import { DEFAULT_BREAKER, nextBreaker, tripReason, type BreakerStatus } from '../../src/select/breaker.ts';
import { emptySnapshot, refKey, type StatusSnapshot } from '../../src/status/snapshot.ts';
import { chart, cluster, clusterProfile, clusterSet } from './fleet.ts';
import { probes, revisionOf } from '../plan/cycle-helpers.ts';

const T0 = Date.parse('2026-03-13T10:00:00Z');
const at = (s: number): Date => new Date(T0 + s * 1000);
const KEYS = ['civo/c1', 'civo/c2', 'civo/c3', 'civo/c4', 'civo/c5'];

function round(up: readonly boolean[]): Map<ClusterKey, ProbeResult> {
  return new Map(up.map((ok, i): [ClusterKey, ProbeResult] => [`civo/c${i}`, ok ? { cluster: `civo/c${i}`, ok, durationMs: 1 } : { cluster: `civo/c${i}`, ok, message: 'timeout', durationMs: 1 }]));
}

describe('breaker and clusters already down', () => {
  test('1 dead for long + 2 failing now, of 5: closed; 3 failing now: open, and the reason says what was left out', () => {
    const probesNow = round([false, false, false, true, true]);
    assert.match(tripReason(probesNow, DEFAULT_BREAKER) ?? '', /^3 of 5/, 'counted as before without the history');
    assert.equal(tripReason(probesNow, DEFAULT_BREAKER, new Set(['civo/c0'])), undefined);
    const worse = round([false, false, false, false, true]);
    assert.match(tripReason(worse, DEFAULT_BREAKER, new Set(['civo/c0'])) ?? '', /^3 of 4 probed clusters failed .*not counting 1 already not ready/);
    assert.match(tripReason(round([false, false, false]), DEFAULT_BREAKER, new Set(['civo/c0'])) ?? '', /^no cluster could be reached: all 2 probes failed/);
    assert.equal(tripReason(round([true, false]), { share: 0.5, minFailures: 1 }, new Set(['civo/c0'])), undefined, 'one down before that answers now counts as answering');
  });

  test('once open it stays open while the round fails, even when every cluster has become not ready meanwhile', () => {
    const all = new Set(KEYS.map((_, i) => `civo/c${i}`));
    const open: BreakerStatus = { state: 'open', since: at(0).toISOString(), reason: 'x' };
    assert.equal(nextBreaker(open, round([false, false, false, false, false]), DEFAULT_BREAKER, at(60), all), open);
    assert.equal(nextBreaker(undefined, round([false, false, false, false, false]), DEFAULT_BREAKER, at(60), all).state, 'closed', 'a fleet that died cluster by cluster is no partition');
  });

  test('property: clusters already down never make the breaker open, and the fresh failures alone decide', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ ok: fc.boolean(), down: fc.boolean() }), { maxLength: 12 }), fc.integer({ min: 1, max: 5 }), (cs, minFailures) => {
        const options = { share: 0.5, minFailures };
        const probesNow = round(cs.map((c) => c.ok));
        const down = new Set(cs.flatMap((c, i) => (c.down ? [`civo/c${i}`] : [])));
        const fresh = round(cs.filter((c) => c.ok || !c.down).map((c) => c.ok));
        assert.equal(tripReason(probesNow, options, down) === undefined, tripReason(fresh, options) === undefined);
        // More history never opens it where less history kept it closed.
        if (tripReason(probesNow, options) === undefined) assert.equal(tripReason(probesNow, options, down), undefined);
      }),
    );
  });

  test('a set on a cluster that fails while another has been dead for ten minutes fails over', () => {
    const clusters = KEYS.map((k) => cluster(k, { env: 'prod' }, { consecutiveFailureThreshold: 1 }));
    const repo: RepositoryObjects = {
      clusters,
      sets: [clusterSet('prod', { clusterSelector: { matchLabels: { env: 'prod' } }, maxReplicas: 1 })],
      profiles: [clusterProfile('web', { setRefs: ['prod'], helmCharts: [chart('web')] })],
    };
    let status: StatusSnapshot = emptySnapshot();
    let breaker: BreakerStatus | undefined;
    const cycle = (second: number, down: ClusterKey[]) => {
      const c = computeCycle({ revision: revisionOf(repo), previous: status, probes: probes(repo, down), now: at(second), breaker: { options: DEFAULT_BREAKER, ...(breaker ? { previous: breaker } : {}) } });
      status = recordResults(c, c.actions.map((action) => ({ action, ok: true, result: { revision: 1, status: 'deployed' } })), at(second));
      breaker = c.breaker;
    };
    cycle(0, []);
    const selected = () => status.sets.get('ClusterSet/prod')!.status.selectedClusterRefs.map(refKey);
    assert.deepEqual(selected(), ['civo/c1']);
    for (let s = 10; s <= 600; s += 10) cycle(s, ['civo/c5']);
    assert.equal(status.clusters.get('civo/c5')!.status.ready, false);
    cycle(610, ['civo/c5', 'civo/c1', 'civo/c2']);
    assert.equal(breaker?.state ?? 'closed', 'closed');
    assert.deepEqual(selected(), ['civo/c3'], 'failed over to a healthy cluster');
  });
});
