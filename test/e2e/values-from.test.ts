// helmCharts[].valuesFrom end to end: the daemon, over a real Git server, installs the hello chart
// with real helm on a simulated cluster with values from a ConfigMap and a Secret of the
// repository; the ConfigMap's value reaches the cluster, the Secret's reaches helm and neither the
// status nor the log, and a change to the ConfigMap upgrades the release.
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
const SECRET_VALUE = 's3cr3t-helm-value-never-in-status';

function valuesConfigMap(message: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-values', namespace: 'default' }, data: { 'values.yaml': `message: ${message}\n` } });
}

function manifests(chartUrl: string): Record<string, string> {
  const seed = seedManifests(chartUrl);
  const secret = { apiVersion: 'v1', kind: 'Secret', type: 'addons.projectsveltos.io/cluster-profile', metadata: { name: 'web-secret', namespace: 'default' }, data: { 'values.yaml': Buffer.from(`token: ${SECRET_VALUE}\n`).toString('base64') } };
  return {
    'clusters/cluster1.yaml': seed['clusters/cluster1.yaml']!,
    'clusters/cluster2.yaml': seed['clusters/cluster2.yaml']!,
    'values/web.yaml': valuesConfigMap('from-configmap-1'),
    'values/secret.yaml': JSON.stringify(secret),
    'profiles/web.yaml': `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: web
spec:
  clusterRefs:
  - {kind: SveltosCluster, namespace: civo, name: cluster1}
  helmCharts:
  - repositoryURL: ${chartUrl}
    repositoryName: hello
    chartName: hello/hello
    chartVersion: 0.1.0
    releaseName: web
    releaseNamespace: web
    values: |
      message: from-values
    valuesFrom:
    - {kind: ConfigMap, namespace: default, name: web-values}
    - {kind: Secret, namespace: default, name: web-secret}
`,
  };
}

async function messageOn(f: Fleet): Promise<string | undefined> {
  const out = await f.kubectl(C1, 'get', 'configmap', 'web-hello', '-n', 'web', '--ignore-not-found', '-o', 'json');
  return out.trim() === '' ? undefined : (JSON.parse(out) as { data?: Record<string, string> }).data?.message;
}

const webRelease = async (f: Fleet) => (await f.releases(C1)).find((r) => r.name === 'web' && r.namespace === 'web');

test('valuesFrom: a ConfigMap value reaches the cluster, a change to it upgrades the release, a Secret stays out of status', { timeout: 240_000 }, async () => {
  const f = await startFleet({ manifests });
  fleets.push(f);
  await f.startDaemon();

  // The ConfigMap's message wins over `values`, merged after it.
  await waitFor('message from the ConfigMap', async () => (await messageOn(f)) === 'from-configmap-1' || undefined, 90_000);
  const first = await webRelease(f);
  assert.equal(first?.status, 'deployed');
  // The Secret's value reached helm (the release's user values), and neither the status nor the log.
  const userValues = JSON.parse(await f.helm(C1, 'get', 'values', 'web', '-n', 'web', '-o', 'json')) as Record<string, unknown>;
  assert.deepEqual(userValues, { message: 'from-configmap-1', token: SECRET_VALUE });
  const status = await waitFor('web deployed in status', async () => {
    const s = await f.status('ClusterProfile/web.yaml');
    const release = s?.status?.clusters?.find((c: { cluster: string }) => c.cluster === C1)?.releases?.[0];
    return release?.state === 'Deployed' ? s : undefined;
  });
  assert.doesNotMatch(JSON.stringify(status), new RegExp(SECRET_VALUE));
  assert.doesNotMatch(f.logs.join(''), new RegExp(SECRET_VALUE));

  // A commit that changes only the ConfigMap upgrades the release.
  const dir = await f.clone();
  await writeFile(join(dir, 'values/web.yaml'), valuesConfigMap('from-configmap-2'));
  await f.push(dir, 'web values: message 2');
  await waitFor('message 2 on the cluster', async () => (await messageOn(f)) === 'from-configmap-2' || undefined, 90_000);
  const second = await webRelease(f);
  assert.equal(Number(second?.revision), Number(first?.revision) + 1);
  assert.doesNotMatch(JSON.stringify(await f.status('ClusterProfile/web.yaml')), new RegExp(SECRET_VALUE));
  assert.doesNotMatch(f.logs.join(''), new RegExp(SECRET_VALUE));
});
