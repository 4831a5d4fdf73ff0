// kustomizationRefs end to end: a Flux GitRepository in the fleet repository names another
// repository on the same Git server; the daemon fetches it, applies the files of one folder
// (a policyRefs entry naming the GitRepository), builds the overlay with the real
// kubectl kustomize (a component added, values substituted per cluster, targetNamespace set),
// applies the objects to simulated clusters by server-side apply, follows a change pushed to the
// source, and withdraws everything when the cluster stops matching.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { createBareRepo, gitCliEnv } from '../../src/sim/git-server.ts';
import { writeFiles } from '../git/helpers.ts';
import { seedManifests, startFleet, waitFor, type Fleet } from './fleet.ts';

const fleets: Fleet[] = [];
after(async () => {
  for (const f of fleets) await f.close();
});

const C1 = 'civo/cluster1';
const C2 = 'civo/cluster2';

const APP = (greeting: string): Record<string, string> => ({
  'base/kustomization.yaml': 'resources:\n- greeting.yaml\n',
  'base/greeting.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  text: '${greeting} from {{ .Where }}'\n`,
  'overlays/prod/kustomization.yaml': 'resources:\n- ../../base\nnamePrefix: prod-\n',
  'components/audit/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n- audit.yaml\n',
  'components/audit/audit.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: audit\ndata:\n  on: "yes"\n',
  // Read as they are by a policyRefs entry (no kustomize): every file of the folder.
  'raw/settings.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: raw-settings\n  namespace: default\ndata:\n  greeting: ${greeting}\n`,
});

const SOURCE = (url: string) => `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 1s
  url: ${url}
  ref:
    branch: main
`;

const PROFILE = (cluster: string) => `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: hello
spec:
  clusterRefs:
  - kind: SveltosCluster
    namespace: civo
    name: ${cluster}
  policyRefs:
  - kind: GitRepository
    namespace: flux-system
    name: apps
    path: raw
  kustomizationRefs:
  - kind: GitRepository
    namespace: flux-system
    name: apps
    path: ./overlays/prod/
    components: [../../components/audit]
    targetNamespace: eng
    values:
      Where: '{{ .Cluster.metadata.name }}'
`;

function policiesIn(doc: any, cluster: string): any[] {
  return (doc?.status?.clusters ?? []).find((c: { cluster: string }) => c.cluster === cluster)?.policies ?? [];
}

async function textOn(f: Fleet, cluster: string): Promise<string | undefined> {
  const out = await f.kubectl(cluster, 'get', 'configmap', 'prod-greeting', '-n', 'eng', '--ignore-not-found', '-o', 'json');
  return out.trim() === '' ? undefined : JSON.parse(out).data?.text;
}

test('kustomizationRefs and policyRefs of a GitRepository: applied, updated with the source, withdrawn', { timeout: 240_000 }, async () => {
  const seed = seedManifests();
  const f = await startFleet({ manifests: () => ({ 'clusters/cluster1.yaml': seed['clusters/cluster1.yaml']!, 'clusters/cluster2.yaml': seed['clusters/cluster2.yaml']! }) });
  fleets.push(f);
  // The source repository lives on the same Git server as the fleet's.
  const appsSeed = await mkdtemp(join(f.sandbox.root, 'apps-'));
  await writeFiles(appsSeed, APP('hello'));
  await createBareRepo(join(f.sandbox.root, 'git'), 'apps.git', appsSeed);
  const appsUrl = f.sandbox.gitServer.url('apps.git');
  const fleetDir = await f.clone();
  await writeFiles(fleetDir, { 'sources/apps.yaml': SOURCE(appsUrl), 'profiles/hello.yaml': PROFILE('cluster1') });
  await f.push(fleetDir, 'hello: kustomize apps');
  await f.startDaemon();

  // Applied: values rendered per cluster, the component's object too, both in targetNamespace eng.
  assert.equal(await waitFor('greeting on cluster1', async () => (await textOn(f, C1)) === 'hello from cluster1' || undefined, 90_000), true);
  const audit = JSON.parse(await f.kubectl(C1, 'get', 'configmap', 'prod-audit', '-n', 'eng', '-o', 'json'));
  assert.equal(audit.metadata.labels['gitset.dev/profile'], 'clusterprofile.hello');
  const status = await waitFor('hello status', async () => {
    const s = await f.status('ClusterProfile/hello.yaml');
    return policiesIn(s, C1).length === 3 && policiesIn(s, C1).every((p: { state: string }) => p.state === 'Applied') ? s : undefined;
  });
  assert.deepEqual(policiesIn(status, C1).map((p: any) => `${p.kind} ${p.namespace}/${p.name} ${p.source}`).sort(), [
    'ConfigMap default/raw-settings GitRepository/flux-system/apps:raw',
    'ConfigMap eng/prod-audit GitRepository/flux-system/apps:./overlays/prod/',
    'ConfigMap eng/prod-greeting GitRepository/flux-system/apps:./overlays/prod/',
  ]);
  const raw = JSON.parse(await f.kubectl(C1, 'get', 'configmap', 'raw-settings', '-n', 'default', '-o', 'json'));
  assert.equal(raw.data.greeting, 'hello', 'a policyRefs entry of a GitRepository applies the files of its path');

  // Updated: a commit to the source repository (not to the fleet's) reaches the cluster.
  const appsWork = await mkdtemp(join(f.sandbox.root, 'apps-work-'));
  const env = gitCliEnv();
  await execa('git', ['clone', '-q', appsUrl, appsWork], { env });
  await writeFile(join(appsWork, 'base/greeting.yaml'), APP('hi again')['base/greeting.yaml']!);
  await writeFile(join(appsWork, 'raw/settings.yaml'), APP('hi again')['raw/settings.yaml']!);
  await execa('git', ['commit', '-qam', 'greeting: hi again'], { cwd: appsWork, env });
  await execa('git', ['push', '-q', 'origin', 'HEAD:main'], { cwd: appsWork, env });
  await waitFor('new greeting on cluster1', async () => (await textOn(f, C1)) === 'hi again from cluster1' || undefined, 60_000);
  await waitFor('new raw settings on cluster1', async () => JSON.parse(await f.kubectl(C1, 'get', 'configmap', 'raw-settings', '-n', 'default', '-o', 'json')).data.greeting === 'hi again', 60_000);

  // Stops matching: the profile moves to cluster2; cluster1's objects are withdrawn.
  await writeFile(join(fleetDir, 'profiles/hello.yaml'), PROFILE('cluster2'));
  await f.push(fleetDir, 'hello: move to cluster2');
  await waitFor('greeting on cluster2', async () => (await textOn(f, C2)) === 'hi again from cluster2' || undefined, 60_000);
  await waitFor('greeting withdrawn from cluster1', async () => (await textOn(f, C1)) === undefined, 60_000);
  const gone = await f.kubectl(C1, 'get', 'configmap', 'prod-audit', '-n', 'eng', '--ignore-not-found', '-o', 'name');
  assert.equal(gone.trim(), '');
  await waitFor('raw settings withdrawn from cluster1', async () => (await f.kubectl(C1, 'get', 'configmap', 'raw-settings', '-n', 'default', '--ignore-not-found', '-o', 'name')).trim() === '', 60_000);
  await waitFor('status on cluster2 only', async () => {
    const s = await f.status('ClusterProfile/hello.yaml');
    return policiesIn(s, C1).length === 0 && policiesIn(s, C2).length === 3;
  });
});
