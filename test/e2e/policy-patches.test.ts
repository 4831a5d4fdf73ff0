// patches, patchesFrom and reloader on policyRefs end to end: the daemon applies the objects of a
// ConfigMap patched (an inline JSON 6902 patch and a per-cluster patchesFrom strategic merge) to a
// simulated cluster with the real kubectl; a patch change in Git applies the object again, and a
// change of a ConfigMap the Deployment mounts changes its pod template (a rolling restart).
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
const RELOAD = 'gitset.dev/mounted-config-hash';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx-deployment, namespace: default, labels: {app: nginx}}
spec:
  replicas: 1
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers:
      - {name: nginx, image: "nginx:1.27"}
      volumes:
      - {name: conf, configMap: {name: nginx-config}}
`;
const base = (conf: string) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nginx-base-config', namespace: 'default' }, data: { 'deployment.yaml': DEPLOYMENT, 'config.yaml': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nginx-config', namespace: 'default' }, data: { 'nginx.conf': conf } }) } });
const overrides = JSON.stringify({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cluster1-overrides', namespace: 'default' },
  data: { hardening: 'patch: |\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: not-important}\n  spec:\n    template:\n      spec:\n        nodeSelector: {location: edge-facility}\ntarget: {kind: Deployment, name: nginx-deployment}\n' },
});
const profile = (replicas: number) => `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata: {name: nginx}
spec:
  clusterRefs:
  - {kind: SveltosCluster, namespace: civo, name: cluster1}
  reloader: true
  policyRefs:
  - {kind: ConfigMap, namespace: default, name: nginx-base-config}
  patches:
  - target: {group: apps, version: v1, kind: Deployment}
    patch: |
      - op: replace
        path: /spec/replicas
        value: ${replicas}
  patchesFrom:
  - {kind: ConfigMap, namespace: default, name: "{{ .Cluster.metadata.name }}-overrides", optional: true}
`;

function manifests(): Record<string, string> {
  const seed = seedManifests();
  return {
    'clusters/cluster1.yaml': seed['clusters/cluster1.yaml']!,
    'policies/base.yaml': base('a'),
    'policies/overrides.yaml': overrides,
    'profiles/nginx.yaml': profile(2),
  };
}

test('policyRefs patched on the cluster; a patch change and a mounted ConfigMap change apply again', { timeout: 240_000 }, async () => {
  const f = await startFleet({ manifests });
  fleets.push(f);
  await f.startDaemon();
  const deployment = async (): Promise<any> => JSON.parse(await f.kubectl(C1, 'get', 'deployment', 'nginx-deployment', '-n', 'default', '-o', 'json').catch(() => 'null'));

  const first = await waitFor('patched deployment', async () => ((await deployment())?.spec?.replicas === 2 ? deployment() : undefined), 90_000);
  assert.deepEqual(first.spec.template.spec.nodeSelector, { location: 'edge-facility' }, 'the per-cluster patchesFrom ConfigMap');
  assert.equal(first.spec.template.spec.containers[0].image, 'nginx:1.27');
  const hash = first.spec.template.metadata.annotations[RELOAD];
  assert.match(hash, /^sha256:/);

  const dir = await f.clone();
  await writeFile(join(dir, 'profiles/nginx.yaml'), profile(3));
  await f.push(dir, 'nginx: 3 replicas');
  await waitFor('patch change applied', async () => (await deployment())?.spec?.replicas === 3 || undefined, 60_000);

  await writeFile(join(dir, 'policies/base.yaml'), base('b'));
  await f.push(dir, 'nginx: new config');
  const rolled = await waitFor('pod template changed', async () => {
    const d = await deployment();
    return d?.spec?.template?.metadata?.annotations?.[RELOAD] !== hash ? d : undefined;
  }, 60_000);
  assert.equal(rolled.spec.replicas, 3);
  assert.equal(JSON.parse(await f.kubectl(C1, 'get', 'configmap', 'nginx-config', '-n', 'default', '-o', 'json')).data['nginx.conf'], 'b');
  // kubectl runs in the background: the status says Applied once a later cycle recorded it.
  const states = async () => {
    const status = await f.status('ClusterProfile/nginx.yaml');
    const records = (status?.status?.clusters ?? []).find((c: { cluster: string }) => c.cluster === C1)?.policies ?? [];
    return records.map((p: { name: string; state: string }) => `${p.name} ${p.state}`).sort();
  };
  await waitFor('both recorded Applied', async () => JSON.stringify(await states()) === JSON.stringify(['nginx-config Applied', 'nginx-deployment Applied']) || undefined, 30_000);
});
