// validateHealths in the plan: a release whose workloads are up but whose profile's check fails is
// not Healthy. It stays Progressing with the check's message, the failover that put it there is not
// done, a check still failing after the grace is reported Degraded (status and `gitset plan`),
// and the first look where the check passes makes it Healthy and the failover done.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterKey } from '../../src/model/objects.ts';
import type { ClusterObservation } from '../../src/observe/fleet.ts';
import type { Health } from '../../src/observe/health.ts';
import type { ReleaseLook } from '../../src/observe/look.ts';
import { computeCycle, recordResults, type RepositoryObjects } from '../../src/plan/cycle.ts';
import { HEALTH_CHECK_GRACE_MS } from '../../src/plan/observed.ts';
import { planReport } from '../../src/plan/report.ts';
import { emptySnapshot, type StatusSnapshot } from '../../src/status/snapshot.ts';
import { chart, cluster, clusterProfile, clusterSet } from '../select/fleet.ts';
import { helmInWorld, later, probes, record, revisionOf, summary, type World } from './cycle-helpers.ts';

const C1 = 'civo/cluster1';
const C2 = 'civo/cluster2';
const CHECK = {
  name: 'deployment-health',
  featureID: 'Helm' as const,
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  namespace: 'apps',
  evaluateCEL: [{ name: 'replicas', rule: 'resource.status.availableReplicas == resource.spec.replicas' }],
};
const repo: RepositoryObjects = {
  clusters: [cluster(C1, { env: 'prod' }), cluster(C2, { env: 'prod' })],
  sets: [clusterSet('prod', { clusterSelector: 'env=prod', maxReplicas: 1 })],
  profiles: [clusterProfile('kyverno', { setRefs: ['prod'], helmCharts: [chart('hello')], validateHealths: [CHECK] })],
};

/** What observe/validate-health.ts makes of a failing check. */
const FAILING: Health = {
  state: 'Progressing',
  message: "health check 'deployment-health' for feature Helm failed: resource Deployment apps/hello is not healthy: no rule true",
  check: 'deployment-health',
};
const HEALTHY: Health = { state: 'Healthy' };

/** One observing cycle: every release on the answering clusters is looked at and shows `health`. */
function cycle(previous: StatusSnapshot, w: World, now: Date, health?: Health, down: ClusterKey[] = []) {
  const revision = revisionOf(repo);
  const observed = new Map<ClusterKey, ClusterObservation>();
  for (const [c, releases] of w) {
    if (down.includes(c)) continue;
    const looks = new Map([...releases].map(([k, r]) => [k, { revision: r.revision, health: health ?? HEALTHY } satisfies ReleaseLook]));
    observed.set(c, { releases: new Map(releases), looks: health ? looks : new Map() });
  }
  let prev = previous;
  let planned = computeCycle({ revision, previous: prev, probes: probes(repo, down), now, observed });
  for (let i = 1; down.length > 0 && i < 3; i++) {
    prev = { ...prev, clusters: planned.snapshot.clusters };
    planned = computeCycle({ revision, previous: prev, probes: probes(repo, down), now, observed });
  }
  return { planned, after: recordResults(planned, helmInWorld(w, planned.actions), now) };
}

const rec = (s: StatusSnapshot, c: ClusterKey) => record(s, 'ClusterProfile/kyverno', c, 'hello')!;
const failover = (s: StatusSnapshot) => s.sets.get('ClusterSet/prod')!.status.failovers?.at(-1);
const readBack = (s: StatusSnapshot) => ({ clusters: s.clusters, sets: s.sets, profiles: s.profiles });

describe('validateHealths gate a release being Healthy', () => {
  test('a failing check keeps the release Progressing with its message; a passing one makes it Healthy', () => {
    const w: World = new Map([C1, C2].map((c) => [c, new Map()]));
    let s = cycle(emptySnapshot(), w, later(0)).after;
    const failing = cycle(s, w, later(10), FAILING);
    assert.deepEqual(failing.planned.actions, [], 'a failing check is no reason to run helm again');
    assert.deepEqual([rec(failing.after, C1).state, rec(failing.after, C1).health, rec(failing.after, C1).healthMessage], ['Deployed', 'Progressing', FAILING.message]);
    s = cycle(failing.after, w, later(20), HEALTHY).after;
    assert.deepEqual([rec(s, C1).health, rec(s, C1).healthMessage], ['Healthy', undefined]);
  });

  test('a check that keeps failing past the grace is Degraded, and gitset plan lists it', () => {
    const w: World = new Map([C1, C2].map((c) => [c, new Map()]));
    let s = cycle(emptySnapshot(), w, later(0)).after;
    s = cycle(s, w, later(10), FAILING).after;
    const within = cycle(s, w, later(HEALTH_CHECK_GRACE_MS / 1000), FAILING);
    assert.equal(rec(within.after, C1).health, 'Progressing', 'within the grace: still coming up');
    const past = cycle(within.after, w, later(HEALTH_CHECK_GRACE_MS / 1000 + 1), FAILING);
    const r = rec(past.after, C1);
    assert.equal(r.health, 'Degraded');
    assert.match(r.healthMessage ?? '', /^health check 'deployment-health' for feature Helm failed: .* \(still failing 5m after the release was applied\)$/);
    const again = cycle(past.after, w, later(HEALTH_CHECK_GRACE_MS / 1000 + 60), FAILING);
    assert.deepEqual(rec(again.after, C1), r, 'the same words each cycle: no status commit for nothing');
    const report = planReport(again.planned, readBack(past.after), []);
    assert.deepEqual(report.unhealthy, [{ cluster: C1, profile: 'ClusterProfile/kyverno', release: 'apps/hello', health: 'Degraded', message: r.healthMessage }]);
  });

  test('a failover is done only once the replacement passes the check', () => {
    const w: World = new Map([C1, C2].map((c) => [c, new Map()]));
    let s = cycle(emptySnapshot(), w, later(0)).after;
    s = cycle(s, w, later(10), HEALTHY).after;
    const moved = cycle(s, w, later(60), undefined, [C1]);
    assert.deepEqual(summary(moved.planned), [`install hello on ${C2} for ClusterProfile/kyverno`]);
    const checking = cycle(moved.after, w, later(90), FAILING, [C1]);
    assert.equal(failover(checking.after)?.deployed, undefined, 'workloads up, check failing: not done');
    const up = cycle(checking.after, w, later(120), HEALTHY, [C1]);
    assert.equal(failover(up.after)?.deployed, later(120).toISOString());
  });
});
