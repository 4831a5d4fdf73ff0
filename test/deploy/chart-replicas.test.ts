// gitset's chart with `replicas`: one replica stays a Deployment; several make a StatefulSet whose
// pods each read their shard from their name, with GITSET_SHARDS from the value, a headless
// Service, and a work dir claim per pod. Rendered with the real `helm template`, parsed.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { parseAllDocuments } from 'yaml';
import { resolveConfig } from '../../src/daemon/config.ts';
import { resolveHelm } from '../../src/helm/binary.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHART = join(ROOT, 'deploy', 'chart');
const REPO = 'https://git.example.com/acme/fleet.git';
type Obj = { kind: string; metadata: { name: string }; [k: string]: any };

let helmPath: string;
let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gitset-chart-replicas-'));
  helmPath = (await resolveHelm({ env: process.env, projectRoot: ROOT })).path;
});

async function render(...sets: string[]): Promise<{ objects: Obj[]; error: string }> {
  const env = { HELM_CACHE_HOME: join(work, 'cache'), HELM_CONFIG_HOME: join(work, 'config'), HELM_DATA_HOME: join(work, 'data') };
  const r = await execa(helmPath, ['template', 'fleet', CHART, '--namespace', 'gitset', '--set', `config.repo=${REPO}`, ...sets.flatMap((s) => ['--set', s])], { env, reject: false, timeout: 60_000 });
  if (r.exitCode !== 0) return { objects: [], error: r.stderr };
  return { objects: parseAllDocuments(r.stdout).map((d) => d.toJSON() as Obj | null).filter((o): o is Obj => o !== null), error: '' };
}
const kinds = (objects: Obj[]) => objects.map((o) => o.kind).sort();
const envOf = (workload: Obj): Record<string, string> => Object.fromEntries(workload.spec.template.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));

test('one replica (the default): a Deployment, no shards, as before', async () => {
  const { objects } = await render();
  assert.deepEqual(kinds(objects), ['ConfigMap', 'Deployment', 'Service', 'ServiceAccount']);
  const d = objects.find((o) => o.kind === 'Deployment')!;
  assert.equal(d.spec.replicas, 1);
  assert.equal(d.spec.strategy.type, 'Recreate');
  assert.equal(envOf(d).GITSET_SHARDS, undefined);
  assert.equal(envOf(d).GITSET_WEBHOOK_PEERS, undefined, 'one replica has no peers');
});

test('replicas 3: a StatefulSet of 3 shards, a headless Service, and each pod finds its shard in its name', async () => {
  const { objects, error } = await render('replicas=3');
  assert.equal(error, '');
  assert.deepEqual(kinds(objects), ['ConfigMap', 'Secret', 'Service', 'Service', 'ServiceAccount', 'StatefulSet']);
  const sts = objects.find((o) => o.kind === 'StatefulSet')!;
  assert.equal(sts.spec.replicas, 3);
  assert.equal(sts.spec.podManagementPolicy, 'Parallel');
  assert.equal(sts.spec.strategy, undefined, 'a StatefulSet has no Deployment strategy');
  const headless = objects.find((o) => o.kind === 'Service' && o.spec.clusterIP === 'None')!;
  assert.equal(sts.spec.serviceName, headless.metadata.name);
  assert.deepEqual(headless.spec.selector, sts.spec.selector.matchLabels);
  const env = envOf(sts);
  assert.equal(env.GITSET_SHARDS, '3');
  // What gitset makes of it in the pod named fleet-gitset-2 (Kubernetes sets HOSTNAME to the pod's name).
  // The shard key: a Secret the chart made with a random key, mounted as the file gitset reads.
  const secret = objects.find((o) => o.kind === 'Secret')!;
  const mount = sts.spec.template.spec.containers[0].volumeMounts.find((m: { name: string }) => m.name === 'shard-key');
  const volume = sts.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'shard-key');
  assert.equal(volume.secret.secretName, secret.metadata.name);
  assert.equal(env.GITSET_SHARD_KEY_FILE, `${mount.mountPath}/${volume.secret.items[0].path}`);
  const key = Buffer.from(secret.data[volume.secret.items[0].key], 'base64').toString();
  assert.match(key, /^[A-Za-z0-9]{64}$/);
  const files: Record<string, string> = { '/etc/gitset/config/config.yaml': objects.find((o) => o.kind === 'ConfigMap')!.data['config.yaml'], [env.GITSET_SHARD_KEY_FILE]: key };
  const config = resolveConfig({ flags: { config: '/etc/gitset/config/config.yaml' }, env: { ...env, HOSTNAME: `${sts.metadata.name}-2` }, cwd: '/', readFile: (p) => files[p] ?? assert.fail(`reads ${p}`) });
  assert.deepEqual(config.shard, { index: 2, count: 3 });
  assert.equal(config.secrets.shardKey, key);
  // A push webhook is passed on to the other pods, at the headless Service's name and the pods' port.
  const port = sts.spec.template.spec.containers[0].ports.find((p: { name: string }) => p.name === 'http').containerPort;
  assert.deepEqual(config.webhookPeers, [`http://${headless.metadata.name}.gitset.svc:${port}`]);
  assert.equal(config.listen.port, port);
  // An existing Secret is used as it is, and none is made.
  const given = await render('replicas=3', 'shardKey.existingSecret=fleet-seal', 'shardKey.key=k');
  assert.ok(!given.objects.some((o) => o.kind === 'Secret'));
  const gsts = given.objects.find((o) => o.kind === 'StatefulSet')!;
  assert.deepEqual(gsts.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'shard-key').secret.items, [{ key: 'k', path: 'key' }]);
  assert.equal(gsts.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'shard-key').secret.secretName, 'fleet-seal');
});

test('replicas with persistence: one claim per pod; a shared existing claim and shard options are refused', async () => {
  const { objects } = await render('replicas=2', 'persistence.enabled=true', 'persistence.size=5Gi');
  const sts = objects.find((o) => o.kind === 'StatefulSet')!;
  assert.equal(objects.filter((o) => o.kind === 'PersistentVolumeClaim').length, 0, 'no claim shared by the pods');
  assert.equal(sts.spec.volumeClaimTemplates[0].metadata.name, 'work');
  assert.equal(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage, '5Gi');
  assert.equal(sts.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'work'), undefined, 'the claim template provides the volume');
  assert.match((await render('replicas=2', 'persistence.enabled=true', 'persistence.existingClaim=w')).error, /existingClaim cannot be shared/);
  assert.match((await render('replicas=2', 'config.shards=4')).error, /config\.shards is set by the chart from replicas/);
  assert.match((await render('replicas=0')).error, /replicas must be at least 1/);
});

test('shardLeases: pods take shards by Lease, with a token and a Role on their own Leases only', async () => {
  const { objects, error } = await render('replicas=3', 'shardLeases.enabled=true', 'shardLeases.duration=20s');
  assert.equal(error, '');
  const sts = objects.find((o) => o.kind === 'StatefulSet')!;
  const pod = sts.spec.template.spec;
  assert.equal(pod.automountServiceAccountToken, true, 'kubectl in the pod reads the Leases with the service account');
  const envs = pod.containers[0].env as Array<{ name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }>;
  assert.equal(envs.find((e) => e.name === 'GITSET_SHARD_LEASE_NAMESPACE')?.valueFrom?.fieldRef.fieldPath, 'metadata.namespace');
  const role = objects.find((o) => o.kind === 'Role')!;
  assert.deepEqual(role.rules.find((r: { resourceNames?: string[] }) => r.resourceNames).resourceNames, ['gitset-shard-0', 'gitset-shard-1', 'gitset-shard-2']);
  assert.ok(role.rules.every((r: { apiGroups: string[]; resources: string[] }) => r.apiGroups.join() === 'coordination.k8s.io' && r.resources.join() === 'leases'));
  const binding = objects.find((o) => o.kind === 'RoleBinding')!;
  assert.equal(binding.roleRef.name, role.metadata.name);
  assert.equal(binding.subjects[0].name, objects.find((o) => o.kind === 'ServiceAccount')!.metadata.name);
  // What gitset makes of it in a pod of any name: no shard yet (it takes one at start), Leases in the pod's namespace.
  const env: Record<string, string> = { ...envOf(sts), GITSET_SHARD_LEASE_NAMESPACE: 'gitset', HOSTNAME: 'fleet-gitset-5c7d9-x2k4q' };
  const key = 'k'.repeat(32);
  const files: Record<string, string> = { '/etc/gitset/config/config.yaml': objects.find((o) => o.kind === 'ConfigMap')!.data['config.yaml'], [env.GITSET_SHARD_KEY_FILE!]: key };
  const config = resolveConfig({ flags: { config: '/etc/gitset/config/config.yaml' }, env, cwd: '/', readFile: (p) => files[p] ?? assert.fail(`reads ${p}`) });
  assert.deepEqual(config.shard, { index: -1, count: 3 });
  assert.deepEqual(config.shardLease, { namespace: 'gitset', durationMs: 20_000, identity: 'fleet-gitset-5c7d9-x2k4q' });
  // One replica: no Leases, no Role, no token.
  const single = await render('shardLeases.enabled=true');
  assert.ok(!single.objects.some((o) => o.kind === 'Role'));
  assert.equal(single.objects.find((o) => o.kind === 'Deployment')!.spec.template.spec.automountServiceAccountToken, false);
});
