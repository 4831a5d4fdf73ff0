// Properties of the failover policies over random fleets, annotations and health histories:
// never more than maxReplicas selected (draining clusters not counted, and never also selected),
// a cordoned cluster is never newly selected, and an open breaker never deselects or withdraws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { SveltosCluster } from '../../src/model/objects.ts';
import { computeCycle, prepareRevision, recordResults, type RepositoryObjects } from '../../src/plan/cycle.ts';
import type { BreakerStatus } from '../../src/select/breaker.ts';
import { cordonedClusters } from '../../src/select/failover-policy.ts';
import { indexClusters } from '../../src/select/cluster-index.ts';
import { readStatusFiles } from '../../src/status/read.ts';
import { renderStatusFiles } from '../../src/status/render.ts';
import { emptySnapshot, refKey } from '../../src/status/snapshot.ts';
import { probes } from '../plan/cycle-helpers.ts';
import { chart, cluster, clusterProfile, clusterSet } from './fleet.ts';

const KEYS = ['a/c1', 'a/c2', 'a/c3', 'b/c1', 'b/c2'];
const T0 = Date.parse('2026-01-01T00:00:00Z');

const stepArb = fc.record({
  cap: fc.integer({ min: 0, max: 3 }),
  pins: fc.subarray(KEYS, { maxLength: 2 }),
  grace: fc.constantFrom(undefined, '30s', '5m'),
  budget: fc.constantFrom(undefined, '0/1h', '1/1h', '2/10m'),
  cordoned: fc.subarray(KEYS, { maxLength: 3 }),
  cordonUntil: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
  down: fc.subarray(KEYS),
  minFailures: fc.integer({ min: 1, max: 4 }),
  advance: fc.integer({ min: 1, max: 600 }),
});

type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

function repoOf(s: Step, now: number): RepositoryObjects {
  const clusters: SveltosCluster[] = KEYS.map((k) => {
    const c = cluster(k, { env: 'prod' }, { consecutiveFailureThreshold: 1 });
    if (!s.cordoned.includes(k)) return c;
    const until: Record<string, string> = s.cordonUntil !== undefined ? { 'gitset.dev/cordon-until': new Date(now + (s.cordonUntil - 10) * 60_000).toISOString() } : {};
    return { ...c, metadata: { ...c.metadata, annotations: { 'gitset.dev/cordon': 'maintenance', ...until } } };
  });
  const annotations: Record<string, string> = {};
  if (s.pins.length > 0) annotations['gitset.dev/pin'] = s.pins.join(', ');
  if (s.grace) annotations['gitset.dev/failover-grace'] = s.grace;
  if (s.budget) annotations['gitset.dev/failover-budget'] = s.budget;
  const set = clusterSet('prod', { clusterSelector: 'env=prod', maxReplicas: s.cap });
  set.metadata.annotations = annotations;
  return { clusters, sets: [set], profiles: [clusterProfile('p', { setRefs: ['prod'], helmCharts: [chart('x')] })] };
}

test('failover policies keep the cap, never newly select a cordoned cluster, and freeze under an open breaker', () => {
  fc.assert(
    fc.property(fc.array(stepArb, { minLength: 1, maxLength: 8 }), (steps) => {
      let previous = emptySnapshot();
      let breaker: BreakerStatus | undefined;
      let t = T0;
      for (const s of steps) {
        t += s.advance * 1000;
        const now = new Date(t);
        const repo = repoOf(s, t);
        const c = computeCycle({ revision: prepareRevision(repo), previous, probes: probes(repo, s.down), now, breaker: { options: { share: 0.5, minFailures: s.minFailures }, ...(breaker ? { previous: breaker } : {}) } });
        const before = previous.sets.get('ClusterSet/prod')?.status;
        const st = c.snapshot.sets.get('ClusterSet/prod')!.status;
        const sel = st.selectedClusterRefs.map(refKey);
        const drain = (st.drainingClusterRefs ?? []).map(refKey);
        assert.ok(sel.length <= s.cap, `at most maxReplicas selected: ${sel}`);
        assert.equal(new Set(sel).size, sel.length, 'no cluster twice');
        assert.ok(drain.every((k) => !sel.includes(k)), 'draining clusters are not selected');
        const prevSel = (before?.selectedClusterRefs ?? []).map(refKey);
        if (c.breaker?.state === 'open' && before) {
          assert.deepEqual(sel, prevSel.slice(0, s.cap), 'an open breaker never changes the selection (beyond a cap shrink)');
          assert.ok(prevSel.every((k) => sel.includes(k) || drain.includes(k)), 'what a cap shrink cuts off drains: nothing deselected');
          assert.ok(c.actions.every((a) => a.action !== 'uninstall'), 'an open breaker never withdraws');
        }
        const cordons = cordonedClusters(indexClusters(repo.clusters), now);
        for (const k of sel) if (!prevSel.includes(k)) assert.ok(!cordons.has(k), `cordoned ${k} newly selected`);
        const after = recordResults(c, c.actions.map((action) => ({ action, ok: true, result: { revision: 1, status: 'deployed' } })), now);
        previous = readStatusFiles([...renderStatusFiles(after)].map(([path, text]) => ({ path, text })));
        breaker = c.breaker;
      }
    }),
    { numRuns: 120, includeErrorInReport: true },
  );
});
