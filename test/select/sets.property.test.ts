// Property tests over random fleets and histories: random labels, readiness and paused flags,
// sets with random selectors and caps, and sequences of health (and cap) changes where each
// cycle's result is fed back as the previous status, as the daemon does through the status files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { indexClusters } from '../../src/select/cluster-index.ts';
import { compileSelector } from '../../src/select/selector.ts';
import { selectClusters } from '../../src/select/sets.ts';
import type { ClusterSelector, ClusterSetObject, LabelSelectorRequirement, SveltosCluster } from '../../src/model/objects.ts';
import type { ClusterStatus, SetStatus } from '../../src/model/status.ts';
import { refKey } from '../../src/status/snapshot.ts';
import { cluster, clusterSet, nsSet, refs } from './fleet.ts';

const NAMESPACES = ['a', 'b', 'c'];

const clusterArb = fc.record({
  ns: fc.constantFrom(...NAMESPACES),
  name: fc.constantFrom('c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'),
  env: fc.option(fc.constantFrom('prod', 'dev'), { nil: undefined }),
  tier: fc.option(fc.constantFrom('1', '2'), { nil: undefined }),
  paused: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
});

const fleetArb = fc
  .uniqueArray(clusterArb, { selector: (c) => `${c.ns}/${c.name}`, maxLength: 14 })
  .map((cs): SveltosCluster[] =>
    cs.map((c) => {
      const labels: Record<string, string> = {};
      if (c.env) labels.env = c.env;
      if (c.tier) labels.tier = c.tier;
      return cluster(`${c.ns}/${c.name}`, labels, c.paused ? { paused: true } : {});
    }),
  );

const selectorArb: fc.Arbitrary<ClusterSelector | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom<ClusterSelector>('env=prod', 'env!=dev', 'tier in (1,2)', '!tier', 'env=prod,tier', 'tier>1', 'env notin (dev),tier'),
  fc.record({ matchLabels: fc.constantFrom<Record<string, string>>({ env: 'prod' }, { tier: '1' }, { env: 'dev', tier: '2' }) }),
  fc.record({
    matchExpressions: fc.constantFrom<LabelSelectorRequirement[]>(
      [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }],
      [{ key: 'tier', operator: 'NotIn', values: ['1'] }],
      [{ key: 'env', operator: 'Exists' }],
    ),
  }),
);

const setArb = fc.record({
  namespaced: fc.boolean(),
  ns: fc.constantFrom(...NAMESPACES),
  selector: selectorArb,
  refs: fc.subarray(NAMESPACES.flatMap((ns) => ['c0', 'c3', 'c6'].map((n) => `${ns}/${n}`)), { maxLength: 3 }),
  maxReplicas: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
});

type SetInput = typeof setArb extends fc.Arbitrary<infer T> ? T : never;

function buildSet(s: SetInput, maxReplicas = s.maxReplicas): ClusterSetObject {
  const spec = { clusterSelector: s.selector, clusterRefs: refs(...s.refs), maxReplicas };
  return s.namespaced ? nsSet(s.ns, 'set', spec) : clusterSet('set', spec);
}

/** A history: per step, which cluster keys are down (by index into the fleet) and maybe a new cap. */
const historyArb = fc.array(
  fc.record({ down: fc.array(fc.nat(13), { maxLength: 5 }), cap: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }) }),
  { minLength: 1, maxLength: 6 },
);

const keysOf = (refsList: SetStatus['selectedClusterRefs']) => refsList.map(refKey);

test('selection invariants hold over random fleets and health histories', () => {
  fc.assert(
    fc.property(fleetArb, setArb, historyArb, (fleet, setSpec, history) => {
      const index = indexClusters(fleet);
      let previous: SetStatus | undefined;
      let cap = setSpec.maxReplicas;
      for (const step of history) {
        if (step.cap !== undefined) cap = step.cap;
        const set = buildSet(setSpec, cap);
        const health = new Map<string, ClusterStatus>();
        for (const i of step.down) {
          const c = index.clusters[i % Math.max(1, index.clusters.length)];
          if (c) health.set(c.key, { ready: false, connectionFailures: 3, failureMessage: 'refused' });
        }
        const result = selectClusters(set, index, health, previous);
        const selected = keysOf(result.selectedClusterRefs);
        const matching = new Set(keysOf(result.matchingClusterRefs));
        const limit = cap ?? 0;

        assert.ok(selected.length <= limit, 'never more than maxReplicas');
        assert.equal(new Set(selected).size, selected.length, 'no cluster twice');
        for (const k of selected) assert.ok(matching.has(k), 'selected ⊆ matching');
        assert.equal(selected.length, Math.min(limit, matching.size), 'the shortfall is always filled');
        for (const k of matching) {
          const c = index.byKey(k)!;
          assert.ok(health.get(k)?.ready !== false, 'matching only holds ready clusters');
          const before = new Set(previous ? keysOf(previous.selectedClusterRefs) : []);
          assert.ok(!c.paused || before.has(k), 'a paused cluster matches only where it was selected before');
        }
        if (set.kind === 'Set') for (const k of selected) assert.ok(k.startsWith(`${setSpec.ns}/`), 'a Set stays in its namespace');

        if (previous) {
          const kept = keysOf(previous.selectedClusterRefs).filter((k) => matching.has(k));
          // Sticky: previously selected clusters that still match are kept, longest-selected first,
          // up to the cap; a shrinking cap keeps exactly the first `limit` of them.
          assert.deepEqual(selected.slice(0, Math.min(kept.length, limit)), kept.slice(0, limit));
        }

        const again = selectClusters(set, index, health, result);
        assert.deepEqual(again, result, 'feeding the result back changes nothing');
        for (const n of result.notSelected ?? []) assert.ok(!selected.includes(n.cluster), 'notSelected excludes the selection');
        previous = result;
      }
    }),
    { numRuns: 300 },
  );
});

test('the label index finds exactly what a full scan with the compiled selector finds', () => {
  fc.assert(
    fc.property(fleetArb, selectorArb, fc.option(fc.constantFrom(...NAMESPACES), { nil: undefined }), (fleet, selector, ns) => {
      const index = indexClusters(fleet);
      const compiled = compileSelector(selector);
      const expected = index.clusters
        .filter((c) => (ns === undefined || c.namespace === ns) && compiled.matches(c.object.metadata.labels))
        .map((c) => c.key);
      assert.deepEqual(index.matchSelector(selector, ns).map((c) => c.key), expected);
    }),
    { numRuns: 300 },
  );
});

test('on fleets of many bitmap words too, the index finds what a full scan finds', () => {
  // Hundreds to thousands of clusters, rare and common label values, every operator.
  const bigFleetArb = fc.record({ size: fc.integer({ min: 33, max: 3000 }), seed: fc.integer() }).map(({ size, seed }) => {
    let x = seed | 1;
    const next = (n: number): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
    return Array.from({ length: size }, (_, i) => {
      const labels: Record<string, string> = { env: ['prod', 'dev', 'stage'][next(3)]!, id: `i${next(size)}` };
      if (next(4) > 0) labels.tier = String(next(3));
      return cluster(`${NAMESPACES[next(3)]}/c${i}`, labels, next(50) === 0 ? { paused: true } : {});
    });
  });
  const bigSelectorArb = fc.oneof(
    fc.constantFrom<ClusterSelector>('env=prod', 'env!=dev', 'tier in (1,2)', '!tier', 'env=prod,tier', 'tier>1', 'env notin (dev),tier', 'env=stage,tier notin (0)'),
    fc.integer({ min: 0, max: 3000 }).map((n): ClusterSelector => ({ matchLabels: { id: `i${n}` } })),
    fc.integer({ min: 0, max: 3000 }).map((n): ClusterSelector => ({ matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'id', operator: 'In', values: [`i${n}`, `i${n + 1}`] }] })),
  );
  fc.assert(
    fc.property(bigFleetArb, fc.array(bigSelectorArb, { minLength: 1, maxLength: 6 }), fc.option(fc.constantFrom(...NAMESPACES), { nil: undefined }), (fleet, selectors, ns) => {
      const index = indexClusters(fleet);
      for (const selector of selectors) {
        const compiled = compileSelector(selector);
        const expected = index.clusters.filter((c) => (ns === undefined || c.namespace === ns) && compiled.matches(c.object.metadata.labels)).map((c) => c.key);
        assert.deepEqual(index.matchSelector(selector, ns).map((c) => c.key), expected);
      }
    }),
    { numRuns: 60 },
  );
});
