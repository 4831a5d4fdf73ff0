// dependsOn over random dependency graphs, selectors, deletions and helm failures, each cycle's
// status fed to the next: no dependent installs or upgrades on a cluster before every prerequisite
// was applied there, no prerequisite is uninstalled from a cluster while a dependent still holds a
// release there, and once things are quiet every profile ends up deployed where it is matched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ProfileObject } from '../../src/model/objects.ts';
import type { RepositoryObjects } from '../../src/plan/cycle.ts';
import { emptySnapshot, type StatusSnapshot } from '../../src/status/snapshot.ts';
import { chart, cluster, clusterProfile } from '../select/fleet.ts';
import { later, step } from './cycle-helpers.ts';

const clusters = [cluster('a/c1', { env: 'prod' }), cluster('a/c2', { env: 'dev' }), cluster('b/c3', { env: 'prod' })];
const N = 4;

interface Round {
  selectors: Array<'env=prod' | 'env=dev' | 'env=none'>;
  present: boolean[];
  failing: string[];
}

const roundArb = fc.record({
  selectors: fc.array(fc.constantFrom<Round['selectors'][number]>('env=prod', 'env=dev', 'env=none'), { minLength: N, maxLength: N }),
  present: fc.array(fc.integer({ min: 0, max: 4 }).map((n) => n !== 0), { minLength: N, maxLength: N }),
  failing: fc.subarray(['r0', 'r1', 'r2', 'r3']),
});

/** Each profile depends on some of those before it: no cycles. */
const depsArb = fc.tuple(...Array.from({ length: N }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => `p${j}`))));

function repoOf(deps: string[][], r: Round): RepositoryObjects {
  const profiles: ProfileObject[] = [];
  for (let i = 0; i < N; i++) {
    if (!r.present[i]) continue;
    profiles.push(clusterProfile(`p${i}`, { clusterSelector: r.selectors[i]!, dependsOn: deps[i]!, helmCharts: [chart(`r${i}`, { releaseNamespace: `ns${i}` })] }));
  }
  return { clusters, sets: [], profiles };
}

const held = (s: StatusSnapshot, id: string, c: string): boolean =>
  (s.profiles.get(id)?.status.clusters?.find((x) => x.cluster === c)?.releases ?? []).some((r) => r.hash !== undefined || r.revision !== undefined || (r.failures ?? 0) > 0);

test('no dependent acts before its prerequisites, none is withdrawn before its dependents, and quiet fleets converge', () => {
  fc.assert(
    fc.property(depsArb, fc.array(roundArb, { minLength: 1, maxLength: 6 }), (deps, rounds) => {
      let prev = emptySnapshot();
      const calm: Round = { ...rounds[rounds.length - 1]!, present: Array(N).fill(true), failing: [] };
      let hour = 0;
      for (const r of [...rounds, ...Array(N + 2).fill(calm)] as Round[]) {
        const repo = repoOf(deps, r);
        // An hour apart: a failed release's backoff (15 minutes at most) is over by the next round.
        const { cycle, after } = step(repo, prev, { failing: r.failing, now: later(3600 * ++hour) });
        for (const a of cycle.actions) {
          const i = Number(a.profile.slice('ClusterProfile/p'.length));
          if (a.action !== 'uninstall') {
            for (const q of deps[i]!) {
              // Applied by an earlier cycle, and judged in sync (nothing to redo) by this one.
              const recordOf = (s: StatusSnapshot) => s.profiles.get(`ClusterProfile/${q}`)?.status.clusters?.find((x) => x.cluster === a.cluster)?.releases[0];
              assert.ok(recordOf(prev)?.hash !== undefined && recordOf(cycle.snapshot)?.state === 'Deployed', `${a.action} ${a.profile} on ${a.cluster} before ${q} was deployed there`);
            }
          } else {
            for (let d = 0; d < N; d++) {
              if (deps[d]!.includes(`p${i}`)) assert.ok(!held(prev, `ClusterProfile/p${d}`, a.cluster), `uninstall ${a.profile} on ${a.cluster} while p${d} holds a release there`);
            }
          }
        }
        prev = after;
      }
      // Quiet: every present profile is deployed on each cluster it matches (its dependents' included).
      for (const [id, { status }] of prev.profiles) {
        for (const ref of status.matchingClusters) {
          const rec = status.clusters?.find((x) => x.cluster === `${ref.namespace}/${ref.name}`)?.releases[0];
          assert.equal(rec?.state, 'Deployed', `${id} on ${ref.namespace}/${ref.name}`);
        }
      }
    }),
    { numRuns: 200 },
  );
});
