import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RepositoryObjects } from '../../src/plan/cycle.ts';
import { computeCycle } from '../../src/plan/cycle.ts';
import { emptySnapshot } from '../../src/status/snapshot.ts';
import { chart, cluster, clusterProfile, clusterSet } from '../select/fleet.ts';
import { later, probes, record, revisionOf, step, summary, type Step } from './cycle-helpers.ts';

const none = { install: 0, upgrade: 0, uninstall: 0, 'in-sync': 0, wait: 0, backoff: 0, 'dry-run': 0, conflict: 0, error: 0, forget: 0 };

const civo = [cluster('civo/cluster1', { env: 'prod' }), cluster('civo/cluster2', { env: 'prod' })];

function repoWith(profileSpec: Parameters<typeof clusterProfile>[1], extra: Partial<RepositoryObjects> = {}): RepositoryObjects {
  return { clusters: civo, sets: [], profiles: [clusterProfile('apps', profileSpec)], ...extra };
}

describe('actions against the previous status', () => {
  test('install when not applied, then nothing while the hash is equal', () => {
    const repo = repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello')] });
    const first = step(repo);
    assert.deepEqual(summary(first.cycle), [
      'install hello on civo/cluster1 for ClusterProfile/apps',
      'install hello on civo/cluster2 for ClusterProfile/apps',
    ]);
    const a = first.cycle.actions[0]!;
    assert.equal(a.release.repositoryURL, 'http://127.0.0.1:18080');
    assert.match(a.hash, /^sha256:[0-9a-f]{64}$/);
    assert.equal(record(first.cycle.snapshot, 'ClusterProfile/apps', 'civo/cluster1', 'hello')?.state, 'Pending');
    const deployed = record(first.after, 'ClusterProfile/apps', 'civo/cluster1', 'hello')!;
    assert.equal(deployed.state, 'Deployed');
    assert.equal(deployed.hash, a.hash);
    assert.equal(deployed.lastAppliedTime, '2026-03-13T10:00:00.000Z');
    const second = step(repo, first.after, { now: later(60) });
    assert.deepEqual(second.cycle.actions, []);
    assert.deepEqual(second.after.profiles, first.after.profiles, 'a quiet cycle changes no status');
  });

  test('upgrade when the chart version or the values change', () => {
    const v1 = step(repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello')] }));
    const v2 = step(repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello', { chartVersion: '0.2.0' })] }), v1.after);
    assert.deepEqual(v2.cycle.actions.map((a) => [a.action, a.reason]), [
      ['upgrade', 'chart version 0.1.0 → 0.2.0'],
      ['upgrade', 'chart version 0.1.0 → 0.2.0'],
    ]);
    assert.equal(record(v2.after, 'ClusterProfile/apps', 'civo/cluster1', 'hello')?.chartVersion, '0.2.0');
    const v3 = step(repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello', { chartVersion: '0.2.0', values: 'replicas: 2\n' })] }), v2.after);
    assert.deepEqual(v3.cycle.actions.map((a) => a.reason), ['values or options changed', 'values or options changed']);
  });

  test('uninstall when a cluster stops matching; the record goes once helm succeeded', () => {
    const before = step(repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello')] }));
    const moved = [cluster('civo/cluster1', { env: 'prod' }), cluster('civo/cluster2', { env: 'dev' })];
    const after = step(repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello')] }, { clusters: moved }), before.after);
    assert.deepEqual(summary(after.cycle), ['uninstall hello on civo/cluster2 for ClusterProfile/apps']);
    assert.equal(after.cycle.actions[0]!.reason, 'civo/cluster2 no longer matches ClusterProfile/apps');
    assert.equal(record(after.after, 'ClusterProfile/apps', 'civo/cluster2', 'hello'), undefined);
    assert.deepEqual(after.after.profiles.get('ClusterProfile/apps')!.status.clusters!.map((c) => c.cluster), ['civo/cluster1']);
  });

  test('helmChartAction Uninstall removes what was installed, and nothing when nothing was', () => {
    const before = step(repoWith({ clusterRefs: [{ kind: 'SveltosCluster', namespace: 'civo', name: 'cluster1' }], helmCharts: [chart('hello')] }));
    const spec = { clusterRefs: [{ kind: 'SveltosCluster', namespace: 'civo', name: 'cluster1' }], helmCharts: [chart('hello', { helmChartAction: 'Uninstall' as const })] };
    const after = step(repoWith(spec), before.after);
    assert.deepEqual(after.cycle.actions.map((a) => [a.action, a.reason]), [['uninstall', 'helmChartAction is Uninstall']]);
    assert.deepEqual(step(repoWith(spec), after.after).cycle.actions, []);
    assert.deepEqual(step(repoWith(spec)).cycle.actions, []);
  });

  test('a deleted profile withdraws its releases (known from its old status), then its status goes', () => {
    const before = step(repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello', { options: { uninstallOptions: { keepHistory: true } } })] }));
    const gone = step({ clusters: civo, sets: [], profiles: [] }, before.after);
    assert.deepEqual(summary(gone.cycle), [
      'uninstall hello on civo/cluster1 for ClusterProfile/apps',
      'uninstall hello on civo/cluster2 for ClusterProfile/apps',
    ]);
    assert.deepEqual(gone.cycle.actions[0]!.release.options, { uninstallOptions: { keepHistory: true } });
    assert.equal(gone.cycle.snapshot.profiles.get('ClusterProfile/apps')?.status.matchingClusters.length, 0);
    assert.equal(gone.after.profiles.has('ClusterProfile/apps'), false);
  });

  test('LeavePolicies: leaving the selection forgets the release without uninstalling it', () => {
    const spec = { clusterSelector: 'env=prod', stopMatchingBehavior: 'LeavePolicies' as const, helmCharts: [chart('hello')] };
    const before = step(repoWith(spec));
    const after = step(repoWith(spec, { clusters: [civo[0]!, cluster('civo/cluster2', { env: 'dev' })] }), before.after);
    assert.deepEqual(after.cycle.actions, []);
    assert.equal(after.cycle.decisions.find((d) => d.cluster === 'civo/cluster2')?.decision, 'forget');
    assert.equal(record(after.after, 'ClusterProfile/apps', 'civo/cluster2', 'hello'), undefined);
  });

  test('syncMode OneTime applies once and never upgrades', () => {
    const before = step(repoWith({ clusterSelector: 'env=prod', syncMode: 'OneTime', helmCharts: [chart('hello')] }));
    assert.equal(before.cycle.actions.length, 2);
    const after = step(repoWith({ clusterSelector: 'env=prod', syncMode: 'OneTime', helmCharts: [chart('hello', { chartVersion: '9.9.9' })] }), before.after);
    assert.deepEqual(after.cycle.actions, []);
    assert.equal(record(after.after, 'ClusterProfile/apps', 'civo/cluster1', 'hello')?.chartVersion, '0.1.0');
  });

  test('syncMode DryRun records what it would do and runs nothing', () => {
    const dry = step(repoWith({ clusterSelector: 'env=prod', syncMode: 'DryRun', helmCharts: [chart('hello')] }));
    assert.deepEqual(dry.cycle.actions, []);
    const r = record(dry.after, 'ClusterProfile/apps', 'civo/cluster1', 'hello')!;
    assert.equal(r.state, 'DryRun');
    assert.equal(r.reason, 'dry run: would install local/hello 0.1.0');
    assert.equal(r.hash, undefined);
  });
});

describe('conflicts between profiles', () => {
  const lowTier = clusterProfile('zeta', { clusterSelector: 'env=prod', tier: 50, helmCharts: [chart('hello', { chartVersion: '2.0.0' })] });
  const defaultTier = clusterProfile('alpha', { clusterSelector: 'env=prod', helmCharts: [chart('hello')] });

  test('the lower tier wins; the loser says who owns the release', () => {
    const s = step({ clusters: civo, sets: [], profiles: [defaultTier, lowTier] });
    assert.deepEqual(summary(s.cycle), ['install hello on civo/cluster1 for ClusterProfile/zeta', 'install hello on civo/cluster2 for ClusterProfile/zeta']);
    const loser = s.after.profiles.get('ClusterProfile/alpha')!.status;
    assert.equal(record(s.after, 'ClusterProfile/alpha', 'civo/cluster1', 'hello')?.state, 'Conflict');
    assert.deepEqual(loser.conflicts, [
      'apps/hello on civo/cluster1: conflict, owned by ClusterProfile/zeta (tier 50)',
      'apps/hello on civo/cluster2: conflict, owned by ClusterProfile/zeta (tier 50)',
    ]);
  });

  test('on a tie the current owner keeps it, whatever the names; without an owner the first objectId wins', () => {
    const late = clusterProfile('aaa', { clusterSelector: 'env=prod', helmCharts: [chart('hello', { chartVersion: '3.0.0' })] });
    const zzz = clusterProfile('zzz', { clusterSelector: 'env=prod', helmCharts: [chart('hello')] });
    const owned = step({ clusters: civo, sets: [], profiles: [zzz] });
    const tie = step({ clusters: civo, sets: [], profiles: [zzz, late] }, owned.after);
    assert.deepEqual(tie.cycle.actions, [], 'zzz keeps it, aaa loses');
    assert.equal(record(tie.after, 'ClusterProfile/aaa', 'civo/cluster1', 'hello')?.state, 'Conflict');
    const fresh = step({ clusters: civo, sets: [], profiles: [zzz, late] });
    assert.ok(fresh.cycle.actions.every((a) => a.profile === 'ClusterProfile/aaa'));
  });

  test('a templated release name is a release of its own on each cluster: conflicts are judged cluster by cluster', () => {
    const perCluster = clusterProfile('alpha', { clusterSelector: 'env=prod', helmCharts: [chart('hello', { releaseName: 'hello-{{ .Cluster.metadata.name }}' })] });
    const pinned = clusterProfile('zeta', { clusterSelector: 'env=prod', tier: 50, helmCharts: [chart('hello', { releaseName: 'hello-cluster1', chartVersion: '2.0.0' })] });
    const s = step({ clusters: civo, sets: [], profiles: [perCluster, pinned] });
    assert.deepEqual(s.cycle.actions.map((a) => `${a.action} ${a.release.releaseName} on ${a.cluster} for ${a.profile}`), [
      'install hello-cluster1 on civo/cluster1 for ClusterProfile/zeta',
      'install hello-cluster2 on civo/cluster2 for ClusterProfile/alpha',
      'install hello-cluster1 on civo/cluster2 for ClusterProfile/zeta',
    ]);
    assert.deepEqual(s.after.profiles.get('ClusterProfile/alpha')!.status.conflicts, [
      'apps/hello-cluster1 on civo/cluster1: conflict, owned by ClusterProfile/zeta (tier 50)',
    ]);
    assert.equal(record(s.after, 'ClusterProfile/alpha', 'civo/cluster2', 'hello-cluster2')?.state, 'Deployed');
    // Once zeta lets go of it, alpha's release on cluster1 is handed over, not uninstalled.
    const next = step({ clusters: civo, sets: [], profiles: [perCluster] }, s.after);
    assert.deepEqual(next.cycle.actions.map((a) => `${a.action} ${a.release.releaseName} on ${a.cluster} for ${a.profile}`), [
      'install hello-cluster1 on civo/cluster1 for ClusterProfile/alpha',
      'uninstall hello-cluster1 on civo/cluster2 for ClusterProfile/zeta',
    ]);
  });

  test('a release handed over from a deleted profile to a new one is not uninstalled', () => {
    const old = step({ clusters: civo, sets: [], profiles: [defaultTier] });
    const next = step({ clusters: civo, sets: [], profiles: [lowTier] }, old.after);
    assert.deepEqual(next.cycle.actions.map((a) => `${a.action} ${a.profile}`), ['install ClusterProfile/zeta', 'install ClusterProfile/zeta']);
    assert.ok(next.cycle.decisions.some((d) => d.profile === 'ClusterProfile/alpha' && d.decision === 'forget' && /now owned by ClusterProfile\/zeta/.test(d.reason)));
    assert.equal(next.after.profiles.has('ClusterProfile/alpha'), false);
  });
});

describe('failures, waiting and failover', () => {
  test('a failed release is retried with exponential backoff; a new spec retries at once', () => {
    const repo = repoWith({ clusterRefs: [{ kind: 'SveltosCluster', namespace: 'civo', name: 'cluster1' }], helmCharts: [chart('hello')] });
    const failed = step(repo, emptySnapshot(), { failing: ['hello'] });
    const r = record(failed.after, 'ClusterProfile/apps', 'civo/cluster1', 'hello')!;
    assert.deepEqual([r.state, r.failures, r.lastError], ['Failed', 1, 'helm: timed out waiting for the condition']);
    assert.deepEqual(step(repo, failed.after, { now: later(10) }).cycle.actions, []);
    assert.equal(step(repo, failed.after, { now: later(10) }).cycle.decisions[0]!.decision, 'backoff');
    const again = step(repo, failed.after, { now: later(31), failing: ['hello'] });
    assert.equal(again.cycle.actions.length, 1);
    assert.equal(record(again.after, 'ClusterProfile/apps', 'civo/cluster1', 'hello')!.failures, 2);
    assert.deepEqual(step(repo, again.after, { now: later(31 + 59) }).cycle.actions, [], 'second delay is 60s');
    assert.equal(step(repo, again.after, { now: later(31 + 61) }).cycle.actions.length, 1);
    const changed = repoWith({ clusterRefs: [{ kind: 'SveltosCluster', namespace: 'civo', name: 'cluster1' }], helmCharts: [chart('hello', { values: 'fixed: true\n' })] });
    const fixed = step(changed, again.after, { now: later(32) });
    assert.equal(fixed.cycle.actions.length, 1);
    assert.equal(record(fixed.after, 'ClusterProfile/apps', 'civo/cluster1', 'hello')!.state, 'Deployed');
    assert.equal(record(fixed.after, 'ClusterProfile/apps', 'civo/cluster1', 'hello')!.failures, undefined);
  });

  test('a matched cluster that is down keeps its releases; its work waits until it answers', () => {
    const v1 = step(repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello')] }));
    const repo2 = repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello', { chartVersion: '0.2.0' })] });
    const down = step(repo2, v1.after, { down: ['civo/cluster2'] });
    assert.deepEqual(summary(down.cycle), ['upgrade hello on civo/cluster1 for ClusterProfile/apps']);
    const waiting = record(down.after, 'ClusterProfile/apps', 'civo/cluster2', 'hello')!;
    assert.equal(waiting.state, 'Pending');
    assert.equal(waiting.chartVersion, '0.1.0', 'still describes what is installed');
    assert.match(waiting.reason ?? '', /waiting for civo\/cluster2 \(not ready: 3 failed probes: connection refused\) to upgrade/);
    assert.deepEqual(down.after.profiles.get('ClusterProfile/apps')!.status.matchingClusters.map((r) => r.name), ['cluster1', 'cluster2']);
    const back = step(repo2, down.after, { now: later(60) });
    assert.deepEqual(summary(back.cycle), ['upgrade hello on civo/cluster2 for ClusterProfile/apps']);
  });

  test('the seed scenario: kyverno follows ClusterSet prod; the old cluster is uninstalled once it answers', () => {
    const repo: RepositoryObjects = {
      clusters: civo,
      sets: [clusterSet('prod', { clusterSelector: 'env=prod', maxReplicas: 1 })],
      profiles: [clusterProfile('kyverno', { setRefs: ['prod'], helmCharts: [chart('kyverno-latest', { releaseNamespace: 'kyverno' })] })],
    };
    const s1 = step(repo);
    assert.deepEqual(summary(s1.cycle), ['install kyverno-latest on civo/cluster1 for ClusterProfile/kyverno']);
    const s2 = step(repo, s1.after, { down: ['civo/cluster1'], now: later(90) });
    assert.deepEqual(summary(s2.cycle), ['install kyverno-latest on civo/cluster2 for ClusterProfile/kyverno']);
    assert.equal(record(s2.after, 'ClusterProfile/kyverno', 'civo/cluster1', 'kyverno-latest')!.state, 'Pending', 'not forgotten');
    assert.deepEqual(s2.after.profiles.get('ClusterProfile/kyverno')!.status.matchingClusters.map((r) => r.name), ['cluster2']);
    const s3 = step(repo, s2.after, { now: later(120) });
    assert.deepEqual(summary(s3.cycle), ['uninstall kyverno-latest on civo/cluster1 for ClusterProfile/kyverno']);
    assert.deepEqual(s3.after.sets.get('ClusterSet/prod')!.status.selectedClusterRefs.map((r) => r.name), ['cluster2'], 'selection does not move back');
    assert.deepEqual(step(repo, s3.after, { now: later(150) }).cycle.actions, []);
  });

  test('without probes (gitset plan) the committed health is used; unknown clusters count as ready', () => {
    const repo = repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello')] });
    const downPrev = step(repo, emptySnapshot(), { down: ['civo/cluster2'] }).after;
    const plan = computeCycle({ revision: revisionOf(repo), previous: downPrev, now: later(10) });
    assert.deepEqual(plan.actions, []);
    assert.equal(plan.decisions.find((d) => d.cluster === 'civo/cluster2')!.decision, 'wait');
  });

  test('unknown setRefs are an error in the profile status; templates that cannot render are a release error', () => {
    const repo = repoWith({ setRefs: ['missing'], clusterSelector: 'env=prod', helmCharts: [chart('hello', { values: 'a: {{ .Cluster.spec.x }}' })] });
    const s = step(repo);
    assert.deepEqual(s.cycle.actions, []);
    const st = s.after.profiles.get('ClusterProfile/apps')!.status;
    assert.match(st.errors![0]!, /setRefs names ClusterSet missing, which does not exist/);
    const r = record(s.after, 'ClusterProfile/apps', 'civo/cluster1', 'hello')!;
    assert.equal(r.state, 'Failed');
    assert.match(r.lastError ?? '', /^values: template line 1, column 7: at <\.Cluster\.spec\.x>: map has no entry for key "x" \(cluster civo\/cluster1\)/);
  });

  test('values are rendered per cluster', () => {
    const repo = repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello', { values: 'name: {{ .Cluster.metadata.name }}\nenv: {{ index .Cluster.metadata.labels "env" }}\n' })] });
    const s = step(repo);
    assert.deepEqual(s.cycle.actions.map((a) => a.release.values), ['name: cluster1\nenv: prod\n', 'name: cluster2\nenv: prod\n']);
    assert.notEqual(s.cycle.actions[0]!.hash, s.cycle.actions[1]!.hash);
  });
});

describe('what a cycle reports', () => {
  test('every release is counted by decision; only those not run or not in sync are listed one by one', () => {
    const repo = repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello'), chart('world')] });
    const first = step(repo, undefined, { down: ['civo/cluster2'] });
    assert.deepEqual(first.cycle.tally, { ...none, install: 2, wait: 2 });
    assert.deepEqual(first.cycle.decisions.map((d) => `${d.decision} ${d.release} on ${d.cluster}`), ['wait apps/hello on civo/cluster2', 'wait apps/world on civo/cluster2']);
    assert.deepEqual(record(first.cycle.snapshot, 'ClusterProfile/apps', 'civo/cluster1', 'hello'), {
      releaseNamespace: 'apps',
      releaseName: 'hello',
      chart: 'local/hello',
      chartVersion: '0.1.0',
      state: 'Pending',
      reason: 'install planned: not installed',
    });
    assert.deepEqual(first.cycle.actions.map((a) => a.reason), ['not installed', 'not installed']);
    const second = step(repo, first.after, { now: later(60) });
    assert.deepEqual(second.cycle.tally, { ...none, 'in-sync': 2, install: 2 });
    assert.deepEqual(second.cycle.decisions, []);
  });
});

describe('the shortcut for clusters where every release is a fresh install', () => {
  test('plans exactly what deciding release by release plans', () => {
    // The same charts twice: values written out (one rendering for every cluster: the shortcut)
    // and values read from a label all clusters share (one rendering per cluster: release by release).
    const fleet = [
      cluster('civo/cluster1', { env: 'prod' }),
      cluster('civo/cluster2', { env: 'prod' }),
      cluster('civo/cluster3', { env: 'prod' }),
      cluster('civo/cluster4', { env: 'prod' }, { paused: true }),
    ];
    const charts = (values: string) => [chart('zeta', { values }), chart('alpha', { values }), chart('mid', { releaseNamespace: 'aaa', values })];
    const literal = clusterProfile('apps', { clusterSelector: 'env=prod', helmCharts: charts('env: prod\n') });
    const templated = clusterProfile('apps', { clusterSelector: 'env=prod', helmCharts: charts('env: {{ index .Cluster.metadata.labels "env" }}\n') });
    // cluster2 already has one release recorded (not the shortcut's case), cluster3 is down.
    const seeded = step({ clusters: [fleet[1]!], sets: [], profiles: [clusterProfile('apps', { clusterSelector: 'env=prod', helmCharts: [chart('alpha', { values: 'env: prod\n' })] })] });
    const run = (profile: typeof literal) =>
      step({ clusters: fleet, sets: [], profiles: [profile] }, { ...seeded.after, clusters: new Map() }, { down: ['civo/cluster3'], now: later(60) });
    const fast = run(literal);
    const slow = run(templated);
    assert.deepEqual(fast.cycle.actions, slow.cycle.actions);
    assert.deepEqual(fast.cycle.tally, slow.cycle.tally);
    const statuses = (s: Step['cycle']['snapshot']) => [...s.profiles].map(([id, e]) => [id, e.status]);
    assert.deepEqual(statuses(fast.cycle.snapshot), statuses(slow.cycle.snapshot));
    assert.deepEqual(summary(fast.cycle), [
      'install mid on civo/cluster1 for ClusterProfile/apps',
      'install alpha on civo/cluster1 for ClusterProfile/apps',
      'install zeta on civo/cluster1 for ClusterProfile/apps',
      'install mid on civo/cluster2 for ClusterProfile/apps',
      'install zeta on civo/cluster2 for ClusterProfile/apps',
    ]);
    assert.equal(fast.cycle.tally.wait, 6, 'the down cluster and the paused one wait');
  });
});

describe('the daemon-wide failure threshold', () => {
  test('applies to clusters without their own consecutiveFailureThreshold; a cluster\'s own wins; the spec is mirrored as written', () => {
    const repo: RepositoryObjects = {
      clusters: [cluster('civo/cluster1', { env: 'prod' }), cluster('civo/cluster2', { env: 'prod' }, { consecutiveFailureThreshold: 3 })],
      sets: [],
      profiles: [],
    };
    const down = probes(repo, ['civo/cluster1', 'civo/cluster2']);
    let previous = emptySnapshot();
    for (let round = 1; round <= 2; round++) {
      const cycle = computeCycle({ revision: revisionOf(repo), previous, probes: down, now: later(round), defaultFailureThreshold: 2 });
      previous = { ...previous, clusters: cycle.snapshot.clusters };
    }
    assert.equal(previous.clusters.get('civo/cluster1')?.status.ready, false, 'two failures reach the default of 2');
    assert.equal(previous.clusters.get('civo/cluster2')?.status.ready, true, 'its own threshold of 3 is not reached');
    assert.equal(previous.clusters.get('civo/cluster1')?.object.spec.consecutiveFailureThreshold, undefined);
  });
});
