// The plan against what the clusters hold: a small world of helm release records that the fake
// helm below writes as real helm would (with gitset's labels), and that tests edit by hand.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterKey } from '../../src/model/objects.ts';
import type { ClusterObservation } from '../../src/observe/fleet.ts';
import type { ObservedRelease } from '../../src/observe/inventory.ts';
import type { ReleaseLook } from '../../src/observe/look.ts';
import { computeCycle, recordResults, type CycleResult, type RepositoryObjects } from '../../src/plan/cycle.ts';
import { emptySnapshot, type StatusSnapshot } from '../../src/status/snapshot.ts';
import { chart, cluster, clusterProfile, clusterSet } from '../select/fleet.ts';
import { later, probes, record, revisionOf, summary, helmInWorld, type World } from './cycle-helpers.ts';


const civo = [cluster('civo/cluster1', { env: 'prod' }), cluster('civo/cluster2', { env: 'prod' })];
const repoWith = (spec: Parameters<typeof clusterProfile>[1], extra: Partial<RepositoryObjects> = {}): RepositoryObjects => ({
  clusters: civo,
  sets: [],
  profiles: [clusterProfile('apps', spec)],
  ...extra,
});

function world(): World {
  return new Map(civo.map((c) => [`${c.metadata.namespace}/${c.metadata.name}`, new Map<string, ObservedRelease>()]));
}

function byHand(w: World, c: ClusterKey, ns: string, name: string, revision = 1, extra: Partial<ObservedRelease> = {}): void {
  w.get(c)!.set(`${ns}/${name}`, { releaseNamespace: ns, releaseName: name, revision, status: 'deployed', secretName: `sh.helm.release.v1.${name}.v${revision}`, marked: false, ...extra });
}

/** One daemon cycle observing `w`; helm succeeds and writes its records into `w` as helm does. */
function observedStep(repo: RepositoryObjects, previous: StatusSnapshot, w: World, opts: { now?: Date; looks?: Map<ClusterKey, Map<string, ReleaseLook>>; unread?: ClusterKey[] } = {}): { cycle: CycleResult; after: StatusSnapshot } {
  const now = opts.now ?? later(0);
  const observed = new Map<ClusterKey, ClusterObservation>();
  for (const [c, releases] of w) if (!opts.unread?.includes(c)) observed.set(c, { releases: new Map(releases), looks: opts.looks?.get(c) ?? new Map() });
  const cycle = computeCycle({ revision: revisionOf(repo), previous, probes: probes(repo), now, observed });
  const outcomes = helmInWorld(w, cycle.actions);
  return { cycle, after: recordResults(cycle, outcomes, now) };
}

const healthy = (w: World): Map<ClusterKey, Map<string, ReleaseLook>> =>
  new Map([...w].map(([c, rs]) => [c, new Map([...rs.keys()].map((k) => [k, { revision: rs.get(k)!.revision, health: { state: 'Healthy' as const } }]))]));

describe('the clusters are the truth', () => {
  test('a quiet fleet does nothing, and a lost status file is rebuilt from the clusters without helm', () => {
    const repo = repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello')] });
    const w = world();
    const first = observedStep(repo, emptySnapshot(), w);
    assert.deepEqual(summary(first.cycle), ['install hello on civo/cluster1 for ClusterProfile/apps', 'install hello on civo/cluster2 for ClusterProfile/apps']);
    assert.deepEqual(observedStep(repo, first.after, w).cycle.actions, []);
    const lost = observedStep(repo, emptySnapshot(), w);
    assert.deepEqual(lost.cycle.actions, [], 'the cluster says the desired state is there');
    const rebuilt = record(lost.after, 'ClusterProfile/apps', 'civo/cluster1', 'hello')!;
    assert.equal(rebuilt.state, 'Deployed');
    assert.equal(rebuilt.revision, 1);
  });

  test('a release removed by hand is installed again, with the evidence in its record', () => {
    const repo = repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello')] });
    const w = world();
    const first = observedStep(repo, emptySnapshot(), w);
    w.get('civo/cluster2')!.delete('apps/hello');
    const next = observedStep(repo, first.after, w);
    assert.deepEqual(summary(next.cycle), ['install hello on civo/cluster2 for ClusterProfile/apps']);
    assert.equal(next.cycle.actions[0]!.evidence, 'release apps/hello missing on the cluster, reinstalled');
    const r = record(next.after, 'ClusterProfile/apps', 'civo/cluster2', 'hello')!;
    assert.equal(r.state, 'Deployed');
    assert.equal(r.evidence, 'release apps/hello missing on the cluster, reinstalled');
    assert.deepEqual(observedStep(repo, next.after, w).cycle.actions, []);
    // Caught in the middle of a hand uninstall: gitset waits for it to finish, then reinstalls.
    const leaving = w.get('civo/cluster1')!.get('apps/hello')!;
    w.get('civo/cluster1')!.set('apps/hello', { ...leaving, status: 'uninstalling' });
    const during = observedStep(repo, next.after, w);
    assert.deepEqual(during.cycle.actions, []);
    assert.match(during.cycle.decisions.find((d) => d.cluster === 'civo/cluster1')!.reason, /being uninstalled on the cluster/);
    w.get('civo/cluster1')!.delete('apps/hello');
    assert.deepEqual(observedStep(repo, during.after, w).cycle.actions.map((a) => `${a.action} ${a.cluster}: ${a.evidence}`), [
      'install civo/cluster1: release apps/hello missing on the cluster, reinstalled',
    ]);
  });

  test('failed, hand-upgraded and drifted releases are applied again; drift only with drift detection', () => {
    const repo = repoWith({ clusterSelector: 'env=prod', syncMode: 'ContinuousWithDriftDetection', helmCharts: [chart('hello')] });
    const w = world();
    let s = observedStep(repo, emptySnapshot(), w).after;
    w.get('civo/cluster1')!.set('apps/hello', { ...w.get('civo/cluster1')!.get('apps/hello')!, status: 'failed' });
    let c = observedStep(repo, s, w);
    assert.deepEqual(c.cycle.actions.map((a) => a.evidence), ['release apps/hello is failed on the cluster, reapplied']);
    s = c.after;
    const cur = w.get('civo/cluster2')!.get('apps/hello')!;
    w.get('civo/cluster2')!.set('apps/hello', { ...cur, revision: cur.revision + 1 });
    c = observedStep(repo, s, w);
    assert.deepEqual(c.cycle.actions.map((a) => a.evidence), ['release apps/hello is at revision 2 on the cluster, gitset applied 1: reapplied']);
    s = c.after;
    const looks = new Map([['civo/cluster1', new Map([['apps/hello', { revision: 2, health: { state: 'Healthy' as const }, drift: [{ object: 'Deployment hello/hello', path: 'spec.replicas', evidence: 'Deployment hello/hello spec.replicas 5 → 1' }] }]])]]);
    c = observedStep(repo, s, w, { looks });
    assert.deepEqual(c.cycle.actions.map((a) => `${a.action} ${a.cluster}: ${a.evidence}`), ['upgrade civo/cluster1: drift: Deployment hello/hello spec.replicas 5 → 1, repaired']);
    const plain = repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello')] });
    assert.deepEqual(observedStep(plain, c.after, w, { looks }).cycle.actions, [], 'Continuous does not act on drift');
  });

  test('a forged status file claiming a release installed by hand never uninstalls it', () => {
    const repo = repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello')] });
    const w = world();
    const s = observedStep(repo, emptySnapshot(), w).after;
    byHand(w, 'civo/cluster1', 'prod-db', 'victim', 1);
    const forged: StatusSnapshot = { ...s, profiles: new Map(s.profiles) };
    const ghost = clusterProfile('ghost', { clusterSelector: 'env=none', helmCharts: [] });
    forged.profiles.set('ClusterProfile/ghost', {
      object: ghost,
      status: { matchingClusters: [], clusters: [{ cluster: 'civo/cluster1', releases: [{ releaseNamespace: 'prod-db', releaseName: 'victim', chart: 'x', chartVersion: '1', hash: 'sha256:x', revision: 1, state: 'Deployed' }] }] },
    });
    const c = observedStep(repo, forged, w);
    assert.deepEqual(c.cycle.actions, []);
    assert.ok(w.get('civo/cluster1')!.has('prod-db/victim'));
    assert.match(c.cycle.decisions.find((d) => d.release === 'prod-db/victim')!.reason, /not installed by gitset/);
  });

  test('a record edited to look applied earlier than helm wrote it is set back to helm\'s time; a true one is kept', () => {
    const repo = repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello')] });
    const w = world();
    const first = observedStep(repo, emptySnapshot(), w, { now: later(100) });
    const applied = record(first.after, 'ClusterProfile/apps', 'civo/cluster1', 'hello')!.lastAppliedTime;
    assert.equal(applied, later(100).toISOString());
    // helm wrote the record a moment before gitset recorded the call's end (its labels are whole seconds).
    const deployedAt = new Date(Math.floor(later(100).getTime() / 1000) * 1000).toISOString();
    for (const rs of w.values()) for (const [k, r] of rs) rs.set(k, { ...r, deployedAt });
    const kept = observedStep(repo, first.after, w, { now: later(200) });
    assert.equal(record(kept.after, 'ClusterProfile/apps', 'civo/cluster1', 'hello')!.lastAppliedTime, applied, 'a true record is left as it is');
    // Someone who can push to status/ writes an earlier time.
    const entry = first.after.profiles.get('ClusterProfile/apps')!;
    const forged = { ...first.after, profiles: new Map([['ClusterProfile/apps', { ...entry, status: { ...entry.status, clusters: entry.status.clusters!.map((pc) => ({ ...pc, releases: pc.releases.map((r) => ({ ...r, lastAppliedTime: later(-86_400).toISOString() })) })) } }]]) };
    const fixed = observedStep(repo, forged, w, { now: later(300) });
    assert.deepEqual(fixed.cycle.actions, []);
    assert.equal(record(fixed.after, 'ClusterProfile/apps', 'civo/cluster1', 'hello')!.lastAppliedTime, deployedAt);
  });

  test('a release the profile wants but someone else installed is a conflict, left alone; one gitset installed before marks is adopted', () => {
    const repo = repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello')] });
    const w = world();
    byHand(w, 'civo/cluster1', 'apps', 'hello', 3);
    const c = observedStep(repo, emptySnapshot(), w);
    assert.deepEqual(summary(c.cycle), ['install hello on civo/cluster2 for ClusterProfile/apps']);
    assert.equal(record(c.after, 'ClusterProfile/apps', 'civo/cluster1', 'hello')!.state, 'Conflict');
    // A record that matches helm's exactly: gitset's own release from before it marked them.
    const old: StatusSnapshot = { ...c.after, profiles: new Map(c.after.profiles) };
    const entry = old.profiles.get('ClusterProfile/apps')!;
    old.profiles.set('ClusterProfile/apps', { ...entry, status: { ...entry.status, clusters: entry.status.clusters!.map((pc) => (pc.cluster === 'civo/cluster1' ? { cluster: pc.cluster, releases: [{ releaseNamespace: 'apps', releaseName: 'hello', chart: 'local/hello', chartVersion: '0.1.0', hash: 'sha256:old', revision: 3, state: 'Deployed' }] } : pc)) } });
    const adopted = observedStep(repo, old, w);
    assert.deepEqual(adopted.cycle.actions.map((a) => `${a.action} ${a.cluster}`), ['upgrade civo/cluster1']);
    assert.ok(w.get('civo/cluster1')!.get('apps/hello')!.marked);
  });

  test('orphans are found on the clusters: a deleted profile whose status file went too is withdrawn', () => {
    const repo = repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello')] });
    const w = world();
    observedStep(repo, emptySnapshot(), w);
    const gone: RepositoryObjects = { clusters: civo, sets: [], profiles: [] };
    const c = observedStep(gone, emptySnapshot(), w);
    assert.deepEqual(c.cycle.actions.map((a) => `${a.action} ${a.release.releaseName} on ${a.cluster}`), ['uninstall hello on civo/cluster1', 'uninstall hello on civo/cluster2']);
    assert.equal(w.get('civo/cluster1')!.size, 0);
    // Releases without gitset's mark are never orphans.
    byHand(w, 'civo/cluster2', 'x', 'mine');
    assert.deepEqual(observedStep(gone, emptySnapshot(), w).cycle.actions, []);
  });

  test('a move is make-before-break: the old cluster keeps its release until the new one is deployed and healthy', () => {
    const prod = [cluster('civo/cluster1', { env: 'prod' }), cluster('civo/cluster2', { env: 'dev' })];
    const repo = repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello')] }, { clusters: prod });
    const w = world();
    let s = observedStep(repo, emptySnapshot(), w).after;
    s = observedStep(repo, s, w, { looks: healthy(w) }).after;
    const moved = [cluster('civo/cluster1', { env: 'dev' }), cluster('civo/cluster2', { env: 'prod' })];
    const repo2 = repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello')] }, { clusters: moved });
    const c1 = observedStep(repo2, s, w, { now: later(10) });
    assert.deepEqual(summary(c1.cycle), ['install hello on civo/cluster2 for ClusterProfile/apps']);
    assert.match(c1.cycle.decisions.find((d) => d.cluster === 'civo/cluster1')!.reason, /held back until ClusterProfile\/apps is deployed and healthy/);
    const c2 = observedStep(repo2, c1.after, w, { now: later(20), looks: healthy(w) });
    assert.deepEqual(summary(c2.cycle), ['uninstall hello on civo/cluster1 for ClusterProfile/apps']);
  });

  test('a cluster that answers but whose releases could not be read withdraws nothing', () => {
    const repo = repoWith({ clusterSelector: 'env=prod', helmCharts: [chart('hello')] });
    const w = world();
    const s = observedStep(repo, emptySnapshot(), w).after;
    const dropped = repoWith({ clusterSelector: 'env=prod', helmCharts: [] });
    const c = observedStep(dropped, s, w, { unread: ['civo/cluster1'] });
    assert.deepEqual(summary(c.cycle), ['uninstall hello on civo/cluster2 for ClusterProfile/apps']);
    assert.match(c.cycle.decisions.find((d) => d.cluster === 'civo/cluster1')!.reason, /release inventory of civo\/cluster1 can be read/);
  });

  test('a set moved by a forged status never leaves both clusters without the release', () => {
    const repo: RepositoryObjects = { clusters: civo, sets: [clusterSet('prod', { clusterSelector: 'env=prod', maxReplicas: 1 })], profiles: [clusterProfile('apps', { setRefs: ['prod'], helmCharts: [chart('hello')] })] };
    const w = world();
    let s = observedStep(repo, emptySnapshot(), w).after;
    s = observedStep(repo, s, w, { looks: healthy(w) }).after;
    const selected = s.sets.get('ClusterSet/prod')!.status.selectedClusterRefs.map((r) => `${r.namespace}/${r.name}`);
    const other = civo.map((c) => `${c.metadata.namespace}/${c.metadata.name}`).find((k) => !selected.includes(k))!;
    const forged: StatusSnapshot = { ...s, sets: new Map(s.sets) };
    const set = forged.sets.get('ClusterSet/prod')!;
    const [ns, name] = other.split('/');
    forged.sets.set('ClusterSet/prod', { ...set, status: { ...set.status, selectedClusterRefs: [{ kind: 'SveltosCluster', apiVersion: 'lib.projectsveltos.io/v1beta1', namespace: ns!, name: name! }] } });
    let prev = forged;
    for (let i = 1; i <= 4; i++) {
      const c = observedStep(repo, prev, w, { now: later(10 * i), looks: healthy(w) });
      const holding = [...w.values()].filter((rs) => rs.has('apps/hello')).length;
      assert.ok(holding >= 1, `cycle ${i}: some cluster keeps the release`);
      prev = c.after;
    }
  });
});
