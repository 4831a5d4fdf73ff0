// dependsOn, paused profiles and continueOnConflict as the planner acts on them, cycle after cycle.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProfileObject, ProfileSpec } from '../../src/model/objects.ts';
import type { RepositoryObjects } from '../../src/plan/cycle.ts';
import { planReport } from '../../src/plan/report.ts';
import { emptySnapshot } from '../../src/status/snapshot.ts';
import { chart, cluster, clusterProfile } from '../select/fleet.ts';
import { record, step, summary } from './cycle-helpers.ts';

const civo = [cluster('civo/cluster1', { env: 'prod' }), cluster('civo/cluster2', { env: 'staging' })];

function repo(...profiles: ProfileObject[]): RepositoryObjects {
  return { clusters: civo, sets: [], profiles };
}
const kyverno = (spec: Partial<ProfileSpec> = {}) => clusterProfile('kyverno', { clusterSelector: 'env=prod', helmCharts: [chart('kyverno', { releaseNamespace: 'kyverno' })], ...spec });
const policies = (spec: Partial<ProfileSpec> = {}) => clusterProfile('policies', { clusterSelector: 'env=prod', dependsOn: ['kyverno'], helmCharts: [chart('policies')], ...spec });

describe('dependsOn', () => {
  test('a dependent waits until its prerequisite is deployed on the cluster, and says so in status and plan', () => {
    const first = step(repo(kyverno(), policies()));
    assert.deepEqual(summary(first.cycle), ['install kyverno on civo/cluster1 for ClusterProfile/kyverno']);
    const waiting = record(first.after, 'ClusterProfile/policies', 'civo/cluster1', 'policies');
    assert.equal(waiting?.state, 'Pending');
    assert.match(waiting!.reason!, /waiting for profile ClusterProfile\/kyverno to be deployed on civo\/cluster1 \(dependsOn\)/);
    const report = planReport(first.cycle, emptySnapshot(), []);
    assert.deepEqual(report.notRun.map((w) => `${w.decision} ${w.release} ${w.profile}`), ['wait apps/policies ClusterProfile/policies']);
    assert.match(report.notRun[0]!.reason, /waiting for profile ClusterProfile\/kyverno/);

    const second = step(repo(kyverno(), policies()), first.after);
    assert.deepEqual(summary(second.cycle), ['install policies on civo/cluster1 for ClusterProfile/policies']);
    const third = step(repo(kyverno(), policies()), second.after);
    assert.deepEqual(third.cycle.actions, [], 'both deployed: a quiet fleet');
  });

  test('a failed prerequisite keeps its dependents waiting', () => {
    const first = step(repo(kyverno(), policies()), undefined, { failing: ['kyverno'] });
    const second = step(repo(kyverno(), policies()), first.after, { failing: ['kyverno'] });
    assert.ok(second.cycle.actions.every((a) => a.profile === 'ClusterProfile/kyverno'));
    assert.equal(record(second.after, 'ClusterProfile/policies', 'civo/cluster1', 'policies')?.state, 'Pending');
  });

  test('a prerequisite is also deployed on the clusters its dependents match, transitively', () => {
    const base = clusterProfile('base', { clusterSelector: 'env=nowhere', helmCharts: [chart('base', { releaseNamespace: 'base' })] });
    const mid = kyverno({ dependsOn: ['base'] });
    const top = policies({ clusterSelector: 'env=staging' });
    const s = step(repo(base, mid, top));
    const matching = (id: string) => s.after.profiles.get(id)!.status.matchingClusters.map((r) => `${r.namespace}/${r.name}`);
    assert.deepEqual(matching('ClusterProfile/base'), ['civo/cluster1', 'civo/cluster2']);
    assert.deepEqual(matching('ClusterProfile/kyverno'), ['civo/cluster1', 'civo/cluster2']);
    assert.deepEqual(matching('ClusterProfile/policies'), ['civo/cluster2']);
    assert.deepEqual(summary(s.cycle), ['install base on civo/cluster1 for ClusterProfile/base', 'install base on civo/cluster2 for ClusterProfile/base']);
  });

  test('withdrawal: dependents leave a cluster first, then their prerequisites', () => {
    const both = repo(kyverno({ clusterSelector: 'env=nowhere' }), policies());
    let s = step(both);
    s = step(both, s.after);
    s = step(both, s.after);
    assert.equal(record(s.after, 'ClusterProfile/kyverno', 'civo/cluster1', 'kyverno')?.state, 'Deployed');
    assert.equal(record(s.after, 'ClusterProfile/policies', 'civo/cluster1', 'policies')?.state, 'Deployed');

    // The dependent is deleted: kyverno no longer reaches cluster1, but waits for policies to go.
    const alone = repo(kyverno({ clusterSelector: 'env=nowhere' }));
    const out = step(alone, s.after);
    assert.deepEqual(summary(out.cycle), ['uninstall policies on civo/cluster1 for ClusterProfile/policies']);
    const held = record(out.after, 'ClusterProfile/kyverno', 'civo/cluster1', 'kyverno');
    assert.equal(held?.state, 'Pending');
    assert.match(held!.reason!, /held back until ClusterProfile\/policies, which depends on it, is withdrawn from civo\/cluster1/);
    const then = step(alone, out.after);
    assert.deepEqual(summary(then.cycle), ['uninstall kyverno on civo/cluster1 for ClusterProfile/kyverno']);
  });

  test('profiles in a dependency cycle (a validate error) wait rather than deploy out of order', () => {
    const a = clusterProfile('a', { clusterSelector: 'env=prod', dependsOn: ['b'], helmCharts: [chart('a')] });
    const b = clusterProfile('b', { clusterSelector: 'env=prod', dependsOn: ['a'], helmCharts: [chart('b')] });
    const s = step(repo(a, b));
    assert.deepEqual(s.cycle.actions, []);
    assert.equal(record(s.after, 'ClusterProfile/a', 'civo/cluster1', 'a')?.state, 'Pending');
  });
});

describe('the paused annotation', () => {
  const paused = (p: ProfileObject): ProfileObject => ({ ...p, metadata: { ...p.metadata, annotations: { 'profile.projectsveltos.io/paused': 'true' } } });

  test('nothing is installed, upgraded or withdrawn for a paused profile; status and plan say paused', () => {
    const s = step(repo(paused(kyverno())));
    assert.deepEqual(s.cycle.actions, []);
    assert.equal(s.after.profiles.get('ClusterProfile/kyverno')!.status.paused, 'profile paused (annotation profile.projectsveltos.io/paused)');
    assert.match(record(s.after, 'ClusterProfile/kyverno', 'civo/cluster1', 'kyverno')!.reason!, /install held back: profile paused/);
    assert.equal(planReport(s.cycle, emptySnapshot(), []).profiles[0]!.paused, 'profile paused (annotation profile.projectsveltos.io/paused)');

    const installed = step(repo(kyverno()));
    const gone = step(repo(paused(kyverno({ clusterSelector: 'env=nowhere' }))), installed.after);
    assert.deepEqual(gone.cycle.actions, [], 'not withdrawn while paused');
    assert.equal(record(gone.after, 'ClusterProfile/kyverno', 'civo/cluster1', 'kyverno')?.state, 'Pending');
    const resumed = step(repo(kyverno({ clusterSelector: 'env=nowhere' })), gone.after);
    assert.deepEqual(summary(resumed.cycle), ['uninstall kyverno on civo/cluster1 for ClusterProfile/kyverno']);
  });
});

describe('continueOnConflict', () => {
  const owner = clusterProfile('owner', { clusterSelector: 'env=prod', tier: 10, helmCharts: [chart('shared')] });
  const charts = [chart('first'), chart('shared', { chartVersion: '2.0.0' }), chart('third')];

  test('false (the default): a lost conflict stops the entries after it on that cluster', () => {
    const s = step(repo(owner, clusterProfile('taker', { clusterSelector: 'env=prod', helmCharts: charts })));
    assert.deepEqual(summary(s.cycle).filter((a) => a.endsWith('ClusterProfile/taker')), ['install first on civo/cluster1 for ClusterProfile/taker']);
    assert.equal(record(s.after, 'ClusterProfile/taker', 'civo/cluster1', 'shared')?.state, 'Conflict');
    assert.match(record(s.after, 'ClusterProfile/taker', 'civo/cluster1', 'third')!.reason!, /helmCharts\[1\] \(apps\/shared\) lost a conflict on civo\/cluster1 and continueOnConflict is false/);
  });

  test('true: the other entries deploy', () => {
    const s = step(repo(owner, clusterProfile('taker', { clusterSelector: 'env=prod', continueOnConflict: true, helmCharts: charts })));
    assert.deepEqual(summary(s.cycle).filter((a) => a.endsWith('ClusterProfile/taker')), ['install first on civo/cluster1 for ClusterProfile/taker', 'install third on civo/cluster1 for ClusterProfile/taker']);
  });
});
