// templateResourceRefs end to end: the daemon, a real Git server, the real helm and kubectl
// against simulated clusters. Each cluster's helm values come from a ConfigMap of the repository
// named after it (Sveltos' template_generic example), and a policyRefs template copies a Secret
// of the repository (the additional_template_info example). A commit that changes the ConfigMap
// changes what runs on that cluster; the Secret reaches the cluster and never the status or logs.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seedManifests, startFleet, waitFor, type Fleet } from './fleet.ts';

const fleets: Fleet[] = [];
after(async () => {
  for (const f of fleets) await f.close();
});

const C1 = 'civo/cluster1';
const C2 = 'civo/cluster2';
const TOKEN = 'tok-never-in-status-7f3a';

const settings = (cluster: string, message: string) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${cluster}-settings`, namespace: 'civo' }, data: { message } });

function manifests(chartUrl: string): Record<string, string> {
  const seed = seedManifests(chartUrl);
  return {
    'clusters/cluster1.yaml': seed['clusters/cluster1.yaml']!,
    'clusters/cluster2.yaml': seed['clusters/cluster2.yaml']!,
    'objects/cluster1.yaml': settings('cluster1', 'hello from one'),
    'objects/cluster2.yaml': settings('cluster2', 'hello from two'),
    'objects/token.yaml': JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token', namespace: 'default' }, type: 'Opaque', stringData: { token: TOKEN } }),
    'objects/copy.yaml': JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'token-copy', namespace: 'default', annotations: { 'projectsveltos.io/template': 'ok' } },
      data: { 'secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\n  namespace: default\ndata:\n  token: {{ (getResource "Token").data.token }}\n' },
    }),
    'profiles/hello.yaml': `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: hello
spec:
  clusterSelector:
    matchLabels: {env: prod}
  templateResourceRefs:
  - resource: {apiVersion: v1, kind: ConfigMap, name: '{{ .Cluster.metadata.name }}-settings'}
    identifier: Settings
  - resource: {apiVersion: v1, kind: Secret, namespace: default, name: token}
    identifier: Token
  helmCharts:
  - repositoryURL: ${chartUrl}
    repositoryName: hello
    chartName: hello/hello
    chartVersion: 0.1.0
    releaseName: hello
    releaseNamespace: hello
    values: |
      message: {{ (getResource "Settings").data.message | quote }}
  policyRefs:
  - {kind: ConfigMap, namespace: default, name: token-copy}
`,
  };
}

async function messageOn(f: Fleet, cluster: string): Promise<string | undefined> {
  const out = await f.kubectl(cluster, 'get', 'configmap', 'hello', '-n', 'hello', '-o', 'json').catch(() => undefined);
  return out === undefined ? undefined : (JSON.parse(out).data?.message as string | undefined);
}

test('a value from a repository object reaches each cluster, and follows the object', { timeout: 240_000 }, async () => {
  const f = await startFleet({ manifests });
  fleets.push(f);
  await f.startDaemon();

  assert.equal(await waitFor('message on cluster1', async () => (await messageOn(f, C1)) === 'hello from one' || undefined, 120_000), true);
  assert.equal(await waitFor('message on cluster2', async () => (await messageOn(f, C2)) === 'hello from two' || undefined, 60_000), true);
  const secret = await waitFor('token copied to cluster1', async () => {
    const out = await f.kubectl(C1, 'get', 'secret', 'token', '-n', 'default', '-o', 'json').catch(() => undefined);
    return out === undefined ? undefined : JSON.parse(out);
  }, 60_000);
  assert.equal(Buffer.from(secret.data.token, 'base64').toString(), TOKEN);

  // The object changes in a commit: cluster1's release is upgraded with it, cluster2's is not.
  const revisionOf = async (cluster: string) => (await f.releases(cluster)).find((r) => r.name === 'hello')?.revision;
  const before2 = await revisionOf(C2);
  const dir = await f.clone();
  await writeFile(join(dir, 'objects/cluster1.yaml'), settings('cluster1', 'changed by a commit'));
  await f.push(dir, 'cluster1: new message');
  assert.equal(await waitFor('new message on cluster1', async () => (await messageOn(f, C1)) === 'changed by a commit' || undefined, 90_000), true);
  assert.equal(await revisionOf(C2), before2, 'cluster2 does not read that object');

  const status = JSON.stringify(await waitFor('status', () => f.status('ClusterProfile/hello.yaml')));
  const encoded = Buffer.from(TOKEN).toString('base64');
  for (const text of [status, f.logs.join('')]) {
    assert.ok(!text.includes(TOKEN) && !text.includes(encoded), 'the Secret is neither in the status nor in the log');
  }
});
