// A failover is done when its replacement is HEALTHY, not when helm returned: while gitset observes
// the clusters, what helm just applied is recorded Progressing, the failover record's `deployed`
// waits for a look that sees the workloads Healthy (and says when that was), and the cluster the
// set left keeps its releases (drains) until then.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterKey } from '../../src/model/objects.ts';
import type { ClusterObservation } from '../../src/observe/fleet.ts';
import type { ObservedRelease } from '../../src/observe/inventory.ts';
import type { ReleaseLook } from '../../src/observe/look.ts';
import { APPLIED_HEALTH_MESSAGE, computeCycle, recordResults, type RepositoryObjects } from '../../src/plan/cycle.ts';
import { emptySnapshot, type StatusSnapshot } from '../../src/status/snapshot.ts';
import { chart, cluster, clusterProfile, clusterSet } from '../select/fleet.ts';
import { planReport } from '../../src/plan/report.ts';
import { later, probes, record, revisionOf, step, summary, helmInWorld, type World } from './cycle-helpers.ts';

/** A snapshot as the next cycle reads it back (what `gitset plan` compares against). */
const readBack = (s: StatusSnapshot) => ({ clusters: s.clusters, sets: s.sets, profiles: s.profiles });

const C1 = 'civo/cluster1';
const C2 = 'civo/cluster2';
const C3 = 'civo/cluster3';
const repo: RepositoryObjects = {
  clusters: [cluster(C1, { env: 'prod' }), cluster(C2, { env: 'prod' }), cluster(C3, { env: 'prod' })],
  sets: [clusterSet('prod', { clusterSelector: 'env=prod', maxReplicas: 1 })],
  profiles: [clusterProfile('kyverno', { setRefs: ['prod'], helmCharts: [chart('hello')] })],
};


/**
 * One observing daemon cycle at `now`: clusters in `down` fail their probe (three rounds, so they
 * are really down) and are not observed; `health` is what a look at each release on the others shows.
 */
function cycle(previous: StatusSnapshot, w: World, now: Date, opts: { down?: ClusterKey[]; health?: ReleaseLook['health']['state']; repo?: RepositoryObjects } = {}) {
  const down = opts.down ?? [];
  const revision = revisionOf(opts.repo ?? repo);
  const observed = new Map<ClusterKey, ClusterObservation>();
  for (const [c, releases] of w) {
    if (down.includes(c)) continue;
    const looks = new Map([...releases].map(([k, r]) => [k, { revision: r.revision, health: { state: opts.health ?? 'Healthy' } } satisfies ReleaseLook]));
    observed.set(c, { releases: new Map(releases), looks: opts.health ? looks : new Map() });
  }
  let prev = previous;
  let planned = computeCycle({ revision, previous: prev, probes: probes(repo, down), now, observed });
  for (let i = 1; down.length > 0 && i < 3; i++) {
    prev = { ...prev, clusters: planned.snapshot.clusters };
    planned = computeCycle({ revision, previous: prev, probes: probes(repo, down), now, observed });
  }
  const outcomes = helmInWorld(w, planned.actions);
  return { planned, after: recordResults(planned, outcomes, now) };
}

const failover = (s: StatusSnapshot) => s.sets.get('ClusterSet/prod')!.status.failovers?.at(-1);
const selected = (s: StatusSnapshot) => s.sets.get('ClusterSet/prod')!.status.selectedClusterRefs.map((r) => `${r.namespace}/${r.name}`);

describe('a failover is deployed once its replacement is healthy', () => {
  test('deployed waits for the look that sees the replacement Healthy, and says when that was', () => {
    const w: World = new Map([C1, C2, C3].map((c) => [c, new Map()]));
    let s = cycle(emptySnapshot(), w, later(0)).after;
    const first = record(s, 'ClusterProfile/kyverno', C1, 'hello')!;
    assert.deepEqual([first.state, first.health, first.healthMessage], ['Deployed', 'Progressing', APPLIED_HEALTH_MESSAGE], 'applied, not yet seen healthy');
    s = cycle(s, w, later(10), { health: 'Healthy' }).after;
    assert.equal(record(s, 'ClusterProfile/kyverno', C1, 'hello')!.health, 'Healthy');

    // cluster1 goes down: the set moves to another cluster, which gets the release.
    const moved = cycle(s, w, later(60), { down: [C1] });
    const to = selected(moved.after)[0]!;
    assert.notEqual(to, C1);
    assert.deepEqual(summary(moved.planned), [`install hello on ${to} for ClusterProfile/kyverno`]);
    assert.equal(failover(moved.after)?.deployed, undefined, 'installed is not deployed: nothing has been seen healthy yet');

    const rolling = cycle(moved.after, w, later(90), { down: [C1], health: 'Progressing' });
    assert.equal(failover(rolling.after)?.deployed, undefined, 'still rolling out');
    assert.equal(record(rolling.after, 'ClusterProfile/kyverno', to, 'hello')!.health, 'Progressing');

    const up = cycle(rolling.after, w, later(120), { down: [C1], health: 'Healthy' });
    const done = failover(up.after)!;
    assert.equal(done.deployed, later(120).toISOString(), 'deployed when the look saw it Healthy');
    assert.equal(done.totalSeconds, 120 - (Date.parse(done.firstFailedProbe ?? done.selected) - later(0).getTime()) / 1000);
  });

  test('without observation (as before it existed) the release counts as up once helm deployed it', () => {
    const s1 = step(repo);
    assert.equal(record(s1.after, 'ClusterProfile/kyverno', C1, 'hello')!.health, undefined);
    const s2 = step(repo, s1.after, { down: [C1], now: later(60) });
    assert.equal(failover(s2.after)?.deployed, later(60).toISOString());
  });

  test('a planned move drains the old cluster until the replacement is healthy', () => {
    const w: World = new Map([C1, C2, C3].map((c) => [c, new Map()]));
    let s = cycle(emptySnapshot(), w, later(0)).after;
    s = cycle(s, w, later(10), { health: 'Healthy' }).after;
    // A cordon is a planned move: cluster1 leaves the set, and drains.
    const c1 = cluster(C1, { env: 'prod' });
    c1.metadata.annotations = { 'gitset.dev/cordon': 'kernel upgrade' };
    const cordoned: RepositoryObjects = { ...repo, clusters: [c1, ...repo.clusters.slice(1)] };
    const moved = cycle(s, w, later(60), { repo: cordoned });
    const to = selected(moved.after)[0]!;
    assert.deepEqual(summary(moved.planned), [`install hello on ${to} for ClusterProfile/kyverno`]);
    const draining = (x: StatusSnapshot) => (x.sets.get('ClusterSet/prod')!.status.drainingClusterRefs ?? []).map((r) => `${r.namespace}/${r.name}`);
    const rolling = cycle(moved.after, w, later(90), { health: 'Progressing', repo: cordoned });
    assert.deepEqual(draining(rolling.after), [C1], 'installed but not healthy: cluster1 keeps its release');
    assert.deepEqual(planReport(rolling.planned, readBack(moved.after), []).held.map((h) => h.message), [`apps/hello kept on civo/cluster1 until the replacement on ${to} is healthy`], 'gitset plan says what the drain waits for');
    assert.ok(w.get(C1)!.has('apps/hello'), 'nothing uninstalled on cluster1');
    assert.deepEqual(rolling.planned.actions, []);
    const up = cycle(rolling.after, w, later(120), { health: 'Healthy', repo: cordoned });
    const done = cycle(up.after, w, later(150), { health: 'Healthy', repo: cordoned });
    assert.deepEqual([...summary(up.planned), ...summary(done.planned)], ['uninstall hello on civo/cluster1 for ClusterProfile/kyverno'], 'withdrawn once the replacement is Healthy');
  });

  test('a replacement never healthy: after the drain timeout the old cluster is withdrawn, and the reason says so', () => {
    const w: World = new Map([C1, C2, C3].map((c) => [c, new Map()]));
    const set = clusterSet('prod', { clusterSelector: 'env=prod', maxReplicas: 1 });
    set.metadata.annotations = { 'gitset.dev/drain-timeout': '60s' };
    const c1 = cluster(C1, { env: 'prod' });
    const timed: RepositoryObjects = { ...repo, sets: [set] };
    let s = cycle(emptySnapshot(), w, later(0), { repo: timed }).after;
    s = cycle(s, w, later(10), { health: 'Healthy', repo: timed }).after;
    c1.metadata.annotations = { 'gitset.dev/cordon': 'kernel upgrade' };
    const cordoned: RepositoryObjects = { ...timed, clusters: [c1, ...repo.clusters.slice(1)] };
    s = cycle(s, w, later(20), { repo: cordoned }).after;
    const held = cycle(s, w, later(60), { health: 'Degraded', repo: cordoned });
    assert.deepEqual(held.planned.actions, [], 'within the timeout cluster1 keeps its release');
    const ended = cycle(held.after, w, later(81), { health: 'Degraded', repo: cordoned });
    assert.deepEqual(summary(ended.planned), ['uninstall hello on civo/cluster1 for ClusterProfile/kyverno']);
    assert.match(ended.planned.actions[0]!.reason, /stopped draining civo\/cluster1 after 60s \(gitset\.dev\/drain-timeout\)/);
    assert.match(failover(ended.after)!.drainTimedOut!.message, /not deployed and healthy yet/);
    assert.equal(failover(ended.after)!.deployed, undefined, 'the replacement is still not up');
  });

  test('a profile leaving a cluster (no set) holds the withdrawal until healthy where it now goes; gitset plan lists it', () => {
    const w: World = new Map([C1, C2, C3].map((c) => [c, new Map()]));
    const only = (k: string): RepositoryObjects => ({
      clusters: [C1, C2, C3].map((c) => cluster(c, { env: c === k ? 'prod' : 'dev' })),
      sets: [],
      profiles: [clusterProfile('kyverno', { clusterSelector: 'env=prod', helmCharts: [chart('hello')] })],
    });
    const before = only(C1);
    let s = cycle(emptySnapshot(), w, later(0), { repo: before }).after;
    s = cycle(s, w, later(10), { health: 'Healthy', repo: before }).after;
    const after = only(C3);
    const moved = cycle(s, w, later(20), { repo: after });
    assert.deepEqual(summary(moved.planned), ['install hello on civo/cluster3 for ClusterProfile/kyverno']);
    const rolling = cycle(moved.after, w, later(30), { health: 'Progressing', repo: after });
    const report = planReport(rolling.planned, readBack(moved.after), []);
    assert.deepEqual(report.held, [{ cluster: C1, profile: 'ClusterProfile/kyverno', release: 'apps/hello', until: [C3], message: 'apps/hello kept on civo/cluster1 until the replacement on civo/cluster3 is healthy' }]);
    assert.equal(report.notRun.length, 0, 'listed once, as held');
  });
});
