// Whole-cycle properties over random fleets, profiles and health histories, each cycle's status
// fed back as the next one's previous (through render → read, as the daemon does via Git).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ClusterKey, ProfileObject, SyncMode } from '../../src/model/objects.ts';
import { computeCycle, recordResults, type ActionOutcome, type RepositoryObjects } from '../../src/plan/cycle.ts';
import { readStatusFiles } from '../../src/status/read.ts';
import { renderStatusFiles } from '../../src/status/render.ts';
import { emptySnapshot, refKey, type StatusSnapshot } from '../../src/status/snapshot.ts';
import { chart, cluster, clusterProfile, clusterSet, nsProfile } from '../select/fleet.ts';
import { probes, revisionOf } from './cycle-helpers.ts';

const KEYS = ['a/c1', 'a/c2', 'a/c3', 'b/c1', 'b/c2'];

const repoArb = fc
  .record({
    envs: fc.array(fc.constantFrom('prod', 'dev'), { minLength: KEYS.length, maxLength: KEYS.length }),
    paused: fc.array(fc.integer({ min: 0, max: 7 }).map((n) => n === 0), { minLength: KEYS.length, maxLength: KEYS.length }),
    cap: fc.integer({ min: 0, max: 3 }),
    profiles: fc.array(
      fc.record({
        how: fc.constantFrom('set', 'prod', 'dev', 'ns-b'),
        release: fc.constantFrom('x', 'y'),
        version: fc.constantFrom('1.0.0', '2.0.0'),
        tier: fc.option(fc.constantFrom(10, 100), { nil: undefined }),
        syncMode: fc.constantFrom<SyncMode>('Continuous', 'Continuous', 'OneTime', 'DryRun'),
        leave: fc.boolean(),
        // A second chart whose release key sorts before or after the first one's (apps/x, apps/y).
        second: fc.constantFrom(undefined, 'aaa', 'zzz'),
        // Values read the cluster (one rendering per cluster) or not (one for all: the planner's shortcut).
        templated: fc.boolean(),
      }),
      { maxLength: 4 },
    ),
  })
  .map((r): RepositoryObjects => ({
    clusters: KEYS.map((k, i) => cluster(k, { env: r.envs[i]! }, r.paused[i] ? { paused: true } : {})),
    sets: [clusterSet('prod', { clusterSelector: 'env=prod', maxReplicas: r.cap })],
    profiles: r.profiles.map((p, i): ProfileObject => {
      const spec = {
        helmCharts: [
          chart(p.release, { chartVersion: p.version, values: p.templated ? 'n: {{ .Cluster.metadata.name }}' : 'n: 1' }),
          ...(p.second ? [chart('extra', { releaseNamespace: p.second })] : []),
        ],
        ...(p.tier !== undefined ? { tier: p.tier } : {}),
        syncMode: p.syncMode,
        stopMatchingBehavior: p.leave ? ('LeavePolicies' as const) : ('WithdrawPolicies' as const),
      };
      switch (p.how) {
        case 'set':
          return clusterProfile(`p${i}`, { ...spec, setRefs: ['prod'] });
        case 'ns-b':
          return nsProfile('b', `p${i}`, { ...spec, clusterSelector: 'env' });
        default:
          return clusterProfile(`p${i}`, { ...spec, clusterSelector: `env=${p.how}` });
      }
    }),
  }));

const historyArb = fc.array(
  fc.record({
    repo: fc.nat(2),
    down: fc.subarray(KEYS, { maxLength: 3 }),
    failing: fc.boolean(),
  }),
  { minLength: 1, maxLength: 5 },
);

function reachable(repo: RepositoryObjects, s: StatusSnapshot, key: ClusterKey): boolean {
  const c = repo.clusters.find((x) => `${x.metadata.namespace}/${x.metadata.name}` === key);
  return !!c && c.spec.paused !== true && s.clusters.get(key)?.status.ready !== false;
}

test('cycles over random repositories and health histories converge, never act on unreachable clusters, never leak releases', () => {
  fc.assert(
    fc.property(fc.array(repoArb, { minLength: 3, maxLength: 3 }), historyArb, (repos, history) => {
      let previous = emptySnapshot();
      let t = Date.parse('2026-01-01T00:00:00Z');
      for (const step of history) {
        const repo = repos[step.repo]!;
        t += 3_600_000; // an hour: every backoff has expired
        const now = new Date(t);
        let cycle = computeCycle({ revision: revisionOf(repo), previous, probes: probes(repo, step.down), now });
        for (let i = 0; i < 2; i++) cycle = computeCycle({ revision: revisionOf(repo), previous: { ...previous, clusters: cycle.snapshot.clusters }, probes: probes(repo, step.down), now });

        // Helm runs cluster by cluster, withdrawals first, then by profile and release key.
        const orderKey = (a: ActionOutcome['action']): string =>
          [a.cluster.replace('/', '\u0000'), a.action === 'uninstall' ? 0 : 1, a.profile, `${a.release.releaseNamespace}/${a.release.releaseName}`].join('\u0001');
        const keys = cycle.actions.map(orderKey);
        assert.deepEqual(keys, [...keys].sort(), 'actions in cluster, withdrawal-first, profile, release order');
        const slots = new Set<string>();
        for (const a of cycle.actions) {
          assert.ok(reachable(repo, cycle.snapshot, a.cluster), `no helm on an unreachable cluster: ${a.action} on ${a.cluster}`);
          const slot = `${a.cluster} ${a.release.releaseNamespace}/${a.release.releaseName} ${a.action === 'uninstall' ? 'u' : 'i'}`;
          assert.ok(!slots.has(slot), `one action per release and cluster: ${slot}`);
          slots.add(slot);
          if (a.action === 'uninstall') {
            const wanted = cycle.actions.some((b) => b !== a && b.action !== 'uninstall' && b.cluster === a.cluster && b.release.releaseName === a.release.releaseName && b.release.releaseNamespace === a.release.releaseNamespace);
            assert.ok(!wanted, 'never uninstall what another profile installs in the same cycle');
          }
        }
        const outcomes: ActionOutcome[] = cycle.actions.map((action) =>
          step.failing ? { action, ok: false, error: 'boom' } : { action, ok: true, result: { revision: 1, status: 'deployed' } },
        );
        const after = recordResults(cycle, outcomes, now);
        let files = renderStatusFiles(after);
        previous = readStatusFiles([...files].map(([path, text]) => ({ path, text })));
        assert.deepEqual(renderStatusFiles(previous), files, 'status round-trips byte for byte');

        // Anything recorded as applied is on a cluster the profile matches, or waits for an unreachable one.
        for (const [id, { status }] of after.profiles) {
          const matched = new Set(status.matchingClusters.map(refKey));
          for (const pc of status.clusters ?? []) {
            for (const r of pc.releases) {
              if (r.hash === undefined && r.revision === undefined && !r.failures) continue;
              assert.ok(matched.has(pc.cluster) || !reachable(repo, after, pc.cluster) || step.failing || r.state === 'DryRun', `${id} leaks ${r.releaseName} on ${pc.cluster}`);
            }
          }
        }

        if (!step.failing) {
          // Make-before-break: a cluster left by a planned move is withdrawn one cycle after its replacement is deployed.
          if ([...after.sets.values()].some((e) => e.status.drainingClusterRefs)) {
            const draining = new Set([...after.sets.values()].flatMap((e) => (e.status.drainingClusterRefs ?? []).map(refKey)));
            const drain = computeCycle({ revision: revisionOf(repo), previous, probes: probes(repo, step.down), now });
            for (const a of drain.actions) {
              if (a.action === 'uninstall') continue;
              // The only other work: a profile that lost the release to the draining owner takes it over there.
              const owned = after.profiles.get(a.profile)?.status.clusters?.find((c) => c.cluster === a.cluster)?.releases
                .some((r) => r.releaseName === a.release.releaseName && r.releaseNamespace === a.release.releaseNamespace && r.state === 'Deployed');
              assert.ok(draining.has(a.cluster) && !owned, `only withdrawals from draining clusters, or a handover there: ${a.action} on ${a.cluster} for ${a.profile}`);
            }
            const drained = recordResults(drain, drain.actions.map((action) => ({ action, ok: true, result: { revision: 1, status: 'deployed' } })), now);
            previous = readStatusFiles([...renderStatusFiles(drained)].map(([path, text]) => ({ path, text })));
            files = renderStatusFiles(previous);
          }
          const again = computeCycle({ revision: revisionOf(repo), previous, probes: probes(repo, step.down), now: new Date(t + 1000) });
          assert.deepEqual(again.actions, [], 'after a successful cycle the fleet is quiet');
          assert.deepEqual(renderStatusFiles(again.snapshot), files, 'and the status does not change');
        }
      }
    }),
    { numRuns: 150, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED), path: process.env.FC_PATH, endOnFailure: true, includeErrorInReport: true } : {}) },
  );
});
