import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { RepositoryObjects } from '../../src/plan/cycle.ts';
import { describeChanges } from '../../src/status/describe.ts';
import { readStatusFiles } from '../../src/status/read.ts';
import { renderStatusFiles } from '../../src/status/render.ts';
import { emptySnapshot } from '../../src/status/snapshot.ts';
import { readStatusDir, writeStatusDir } from '../../src/status/status-dir.ts';
import { chart, cluster, clusterProfile, clusterSet, nsProfile, nsSet } from '../select/fleet.ts';
import { later, step } from '../plan/cycle-helpers.ts';

const repo: RepositoryObjects = {
  clusters: [cluster('civo/cluster1', { env: 'prod' }), cluster('civo/cluster2', { env: 'prod' }), cluster('eng/dev1', { env: 'dev' })],
  sets: [clusterSet('prod', { clusterSelector: 'env=prod', maxReplicas: 1 }), nsSet('eng', 'blue', { clusterSelector: { matchLabels: { env: 'dev' } }, maxReplicas: 1 })],
  profiles: [
    clusterProfile('kyverno', { setRefs: ['prod'], helmCharts: [chart('kyverno-latest', { releaseNamespace: 'kyverno', values: 'a: 1\nb: "{{ .Cluster.metadata.name }}"\n' })] }),
    nsProfile('eng', 'hello', { setRefs: ['blue'], helmCharts: [chart('hello')] }),
  ],
};

describe('status files', () => {
  const s1 = step(repo).after;

  test('one file per object at status/<Kind>/[<namespace>/]<name>.yaml, mirroring the object with its status', () => {
    const files = renderStatusFiles(s1);
    assert.deepEqual([...files.keys()], [
      'ClusterProfile/kyverno.yaml',
      'ClusterSet/prod.yaml',
      'Profile/eng/hello.yaml',
      'Set/eng/blue.yaml',
      'SveltosCluster/civo/cluster1.yaml',
      'SveltosCluster/civo/cluster2.yaml',
      'SveltosCluster/eng/dev1.yaml',
    ]);
    const set = parse(files.get('ClusterSet/prod.yaml')!);
    assert.deepEqual(Object.keys(set), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    assert.deepEqual(set.status.selectedClusterRefs, [{ apiVersion: 'lib.projectsveltos.io/v1beta1', kind: 'SveltosCluster', name: 'cluster1', namespace: 'civo' }]);
    assert.equal(set.spec.clusterSelector, 'env=prod');
    const profile = parse(files.get('ClusterProfile/kyverno.yaml')!);
    assert.equal(profile.status.clusters[0].releases[0].state, 'Deployed');
    assert.equal(profile.spec.helmCharts[0].values, 'a: 1\nb: "{{ .Cluster.metadata.name }}"\n');
    assert.ok(!files.get('ClusterProfile/kyverno.yaml')!.includes('source'), 'loader positions are not status');
  });

  test('render → read → render is byte-identical, and reading gives back the same snapshot', () => {
    const files = renderStatusFiles(s1);
    const back = readStatusFiles([...files].map(([path, text]) => ({ path, text })));
    assert.equal(back.problems, undefined);
    assert.deepEqual(renderStatusFiles(back), files);
    assert.deepEqual(back.sets, s1.sets);
    assert.deepEqual(back.profiles, s1.profiles);
    assert.deepEqual(back.clusters, s1.clusters);
  });

  test('an unchanged fleet renders byte-identical files on the next cycle (no ticking timestamps)', () => {
    const s2 = step(repo, s1, { now: later(300) }).after;
    assert.deepEqual(renderStatusFiles(s2), renderStatusFiles(s1));
    assert.deepEqual(describeChanges(s1, s2), { subject: '', body: '', changes: [] });
  });

  test('reading is tolerant: missing and unknown fields, bad YAML, other kinds', () => {
    const back = readStatusFiles([
      { path: 'status/ClusterSet/old.yaml', text: 'kind: ClusterSet\nmetadata: {name: old}\nstatus:\n  selectedClusterRefs:\n  - {namespace: civo, name: cluster2}\n  - 42\n  futureField: x\n' },
      { path: 'status/SveltosCluster/civo/cluster2.yaml', text: 'kind: SveltosCluster\nmetadata: {name: cluster2, namespace: civo}\nstatus: {connectionFailures: 2}\n' },
      { path: 'status/ClusterProfile/p.yaml', text: 'kind: ClusterProfile\nmetadata: {name: p}\nstatus:\n  clusters:\n  - cluster: civo/cluster2\n    releases:\n    - {releaseName: r, releaseNamespace: n, hash: "sha256:1", revision: 3}\n    - {releaseName: broken}\n' },
      { path: 'status/Set/x.yaml', text: 'kind: Set\nmetadata: {name: [\n' },
      { path: 'status/ConfigMap/x.yaml', text: 'kind: ConfigMap\nmetadata: {name: x}\n' },
      { path: 'status/README.md', text: '# not yaml' },
    ]);
    assert.deepEqual(back.sets.get('ClusterSet/old')!.status, {
      matchingClusterRefs: [],
      selectedClusterRefs: [{ kind: 'SveltosCluster', namespace: 'civo', name: 'cluster2' }],
    });
    assert.deepEqual(back.clusters.get('civo/cluster2')!.status, { ready: true, connectionFailures: 2 });
    assert.deepEqual(back.profiles.get('ClusterProfile/p')!.status.clusters![0]!.releases, [
      { releaseNamespace: 'n', releaseName: 'r', chart: '', chartVersion: '', state: 'Deployed', hash: 'sha256:1', revision: 3 },
    ]);
    assert.deepEqual(back.problems?.map((p) => p.path), ['status/ConfigMap/x.yaml', 'status/Set/x.yaml']);
  });

  test('describeChanges says what changed, for the commit message', () => {
    const s2 = step(repo, s1, { down: ['civo/cluster1'], now: later(90) }).after;
    const d = describeChanges(s1, s2);
    assert.deepEqual(d.changes, [
      // All three failed probes fall in this one step, so the failover took no time at all.
      'ClusterSet/prod failed over civo/cluster1 → civo/cluster2 in 0s',
      'civo/cluster1 not ready (3 failed probes: connection refused)',
      'ClusterSet/prod selected civo/cluster2, dropped civo/cluster1 (not ready: 3 failed probes: connection refused)',
      'kyverno-latest on civo/cluster1 pending: waiting for civo/cluster1 (not ready: 3 failed probes: connection refused) to uninstall: civo/cluster1 no longer matches ClusterProfile/kyverno',
      'deployed kyverno-latest on civo/cluster2',
    ]);
    assert.match(d.subject, /^status: ClusterSet\/prod failed over civo\/cluster1 → civo\/cluster2 in 0s \(\+4 more\)$/);
    assert.equal(d.body.split('\n').length, 5);
    const s3 = step(repo, s2, { now: later(200) }).after;
    assert.deepEqual(describeChanges(s2, s3).changes, ['civo/cluster1 ready again', 'uninstalled kyverno-latest from civo/cluster1']);
  });

  test('describeChanges: a detail that moved without a describable change still makes a (plain) commit', () => {
    const copy = readStatusFiles([...renderStatusFiles(s1)].map(([path, text]) => ({ path, text })));
    assert.deepEqual(describeChanges(s1, copy).subject, '', 'key order and identity do not matter');
    const r = copy.profiles.get('ClusterProfile/kyverno')!.status.clusters![0]!.releases[0]!;
    r.lastAppliedTime = '2030-01-01T00:00:00.000Z';
    assert.deepEqual(describeChanges(s1, copy), { subject: 'status: update details', body: '', changes: [] });
  });

  test('failed probes below the threshold change no status file and no commit message; not ready does', () => {
    const once = copyOf(s1);
    const c1 = once.clusters.get('civo/cluster1')!;
    const failing = { ...c1.status, connectionFailures: 2, connectionStatus: 'Healthy' as const, failureMessage: 'timeout after 5s', firstFailureTime: '2026-01-01T00:00:10.000Z' };
    once.clusters.set('civo/cluster1', { ...c1, status: failing });
    assert.deepEqual(renderStatusFiles(once), renderStatusFiles(s1), 'the files are as before');
    assert.deepEqual(describeChanges(s1, once).changes, []);
    const down = copyOf(once);
    down.clusters.set('civo/cluster1', { ...c1, status: { ...failing, ready: false, connectionStatus: 'Down', connectionFailures: 3 } });
    const file = renderStatusFiles(down).get('SveltosCluster/civo/cluster1.yaml')!;
    assert.match(file, /connectionFailures: 3/);
    assert.match(file, /failureMessage: timeout after 5s/);
    assert.match(file, /firstFailureTime: "?2026-01-01T00:00:10.000Z/);
    assert.ok(describeChanges(once, down).changes.some((c) => /civo\/cluster1/.test(c) && /not ready/.test(c)));
  });

  test('a repair is said when it lands, also after a commit that showed its helm call running', () => {
    const evidence = 'release kyverno/kyverno-latest missing on the cluster, reinstalled';
    const running = copyOf(s1);
    const entry = running.profiles.get('ClusterProfile/kyverno')!;
    const deployed = entry.status.clusters![0]!.releases[0]!;
    const withRecord = (r: typeof deployed) => ({ ...entry, status: { ...entry.status, clusters: [{ ...entry.status.clusters![0]!, releases: [r] }] } });
    running.profiles.set('ClusterProfile/kyverno', withRecord({ ...deployed, state: 'Pending', reason: 'helm install running since 2026-01-01T00:00:00.000Z', evidence }));
    const landed = copyOf(running);
    landed.profiles.set('ClusterProfile/kyverno', withRecord({ ...deployed, evidence }));
    assert.deepEqual(describeChanges(running, landed).changes, [`civo/cluster1: ${evidence}`]);
  });

  test('describeChanges for a first cycle lists selections and deployments', () => {
    const d = describeChanges(emptySnapshot(), s1);
    assert.ok(d.changes.includes('ClusterSet/prod selected civo/cluster1'));
    assert.ok(d.changes.includes('deployed kyverno-latest on civo/cluster1'));
    assert.ok(d.changes.includes('deployed hello on eng/dev1'));
  });
});

describe('status folder on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitset-status-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('writes only what differs, removes files of objects that are gone, reads back the same', async () => {
    const files = renderStatusFiles(step(repo).after);
    const first = await writeStatusDir(dir, files);
    assert.equal(first.written.length, 7);
    mkdirSync(join(dir, 'ClusterSet'), { recursive: true });
    writeFileSync(join(dir, 'ClusterSet', 'deleted.yaml'), 'kind: ClusterSet\nmetadata: {name: deleted}\n');
    writeFileSync(join(dir, 'gitset.yaml'), 'apiVersion: gitset.dev/v1alpha1\nkind: GitsetStatus\nlastAppliedRevision: abc\n');
    const second = await writeStatusDir(dir, files);
    assert.deepEqual(second, { written: [], removed: ['ClusterSet/deleted.yaml'] }, "the daemon's gitset.yaml is not ours to remove");
    assert.equal((await readStatusDir(dir)).problems, undefined, 'gitset.yaml is skipped, not a problem');
    assert.deepEqual(readdirSync(join(dir, 'ClusterSet')), ['prod.yaml']);
    assert.deepEqual(renderStatusFiles(await readStatusDir(dir)), files);
    assert.deepEqual(await readStatusDir(join(dir, 'missing')), emptySnapshot());
  });
});

function copyOf(s: ReturnType<typeof emptySnapshot>) {
  return readStatusFiles([...renderStatusFiles(s)].map(([path, text]) => ({ path, text })));
}
