// The real kubectl against a simulated cluster with a chart installed by the real helm: what
// observing and repairing a cluster needs (read objects, edit them as a person would, apply
// under gitset's field manager, see workload health) must work as on a real cluster.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import YAML from 'yaml';
import { resolveHelm } from '../../src/helm/binary.ts';
import { resolveKubectl } from '../../src/kubectl/binary.ts';
import { startChartRepo, type ChartRepo } from '../../src/sim/chart-repo.ts';
import { startSimCluster, type SimCluster } from '../../src/sim/index.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const helloChart = join(root, 'charts', 'hello');

interface Deployment {
  metadata: { generation: number; resourceVersion: string; labels?: Record<string, string>; managedFields?: Array<{ manager: string; operation: string }> };
  spec: { replicas: number; template: { spec: { containers: Array<{ name: string; image: string; env?: Array<{ name: string }> }> } } };
  status: { observedGeneration: number; replicas?: number; updatedReplicas?: number; readyReplicas?: number; availableReplicas?: number; conditions: Array<{ type: string; status: string }> };
}

describe('real kubectl against a simulated cluster', () => {
  let cluster: SimCluster;
  let repo: ChartRepo;
  let work: string;
  let helmPath: string;
  let kubectlPath: string;
  let kubeconfig: string;

  const helm = (...args: string[]) => {
    const env = { HELM_CACHE_HOME: join(work, 'cache'), HELM_CONFIG_HOME: join(work, 'config'), HELM_DATA_HOME: join(work, 'data') };
    return execa(helmPath, [...args, '--kubeconfig', kubeconfig], { env, reject: false, timeout: 60_000 });
  };
  // A cache folder of its own: kubectl caches discovery per host:port, and test ports get reused.
  const kubectl = (...args: string[]) =>
    execa(kubectlPath, [...args, '--kubeconfig', kubeconfig, '--cache-dir', join(work, 'kube-cache')], { env: { HOME: work }, reject: false, timeout: 60_000 });
  const ok = async (...args: string[]) => {
    const r = await kubectl(...args);
    assert.equal(r.exitCode, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const deployment = async (name = 'greet-hello'): Promise<Deployment> => JSON.parse(await ok('get', 'deploy', name, '-n', 'apps', '-o', 'json', '--show-managed-fields')) as Deployment;
  const replicaSets = async () =>
    (JSON.parse(await ok('get', 'rs', '-n', 'apps', '-o', 'json')) as { items: Array<{ metadata: { name: string }; spec: { replicas: number } }> }).items.map((rs) => [rs.metadata.name, rs.spec.replicas] as const);

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'gitset-sim-kubectl-'));
    helmPath = (await resolveHelm({ env: process.env, projectRoot: root })).path;
    kubectlPath = (await resolveKubectl({ env: process.env, projectRoot: root })).path;
    cluster = await startSimCluster({ namespace: 'civo', name: 'kubectl' });
    kubeconfig = join(work, 'kubectl.kubeconfig');
    await cluster.writeKubeconfig(kubeconfig);
    repo = await startChartRepo({ charts: [helloChart], helmBinary: helmPath });
    const r = await helm('upgrade', '--install', 'greet', 'hello', '--repo', repo.url, '--version', '0.1.0', '-n', 'apps', '--create-namespace', '--wait', '--timeout', '30s');
    assert.equal(r.exitCode, 0, r.stderr);
  });

  after(async () => {
    await cluster?.close();
    await repo?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('get -o yaml shows the Deployment helm installed with the status its controller wrote', async () => {
    const d = YAML.parse(await ok('get', 'deploy', 'greet-hello', '-n', 'apps', '-o', 'yaml')) as Deployment & { kind: string };
    assert.equal(d.kind, 'Deployment');
    assert.equal(d.spec.template.spec.containers[0]?.image, 'nginx:1.27');
    assert.equal(d.status.observedGeneration, d.metadata.generation);
    assert.deepEqual([d.status.replicas, d.status.updatedReplicas, d.status.readyReplicas, d.status.availableReplicas], [1, 1, 1, 1]);
    assert.deepEqual(d.status.conditions.map((c) => [c.type, c.status]), [['Available', 'True'], ['Progressing', 'True']]);
  });

  test("get prints the server's table columns, and selects helm's release Secrets by label", async () => {
    const table = await ok('get', 'deploy', '-n', 'apps');
    assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\n/);
    assert.match(table, /^greet-hello\s+1\/1\s+1\s+1\s+\d+s$/m);
    const secrets = await ok('get', 'secrets', '-A', '-l', 'owner=helm');
    assert.match(secrets, /^NAMESPACE\s+NAME\s+TYPE\s+DATA\s+AGE\n/);
    assert.match(secrets, /^apps\s+sh\.helm\.release\.v1\.greet\.v1\s+helm\.sh\/release\.v1\s+1\s+\d+s$/m);
    assert.equal(await ok('get', 'secrets', '-A', '-l', 'owner=helm,name in (greet),status!=failed,version', '-o', 'name'), 'secret/sh.helm.release.v1.greet.v1');
    assert.equal(await ok('get', 'secrets', '-n', 'apps', '-l', 'owner=helm,status notin (deployed)', '-o', 'name'), '');
  });

  test("helm's own server-side apply is recorded in managedFields", async () => {
    const managers = (await deployment()).metadata.managedFields?.map((m) => [m.manager, m.operation]);
    assert.deepEqual(managers, [['helm', 'Apply']]);
  });

  test("kubectl diff under gitset's field manager: nothing as installed, then exactly a change by hand, repaired by apply", async () => {
    const file = join(work, 'greet-manifest.yaml');
    const manifest = await helm('get', 'manifest', 'greet', '-n', 'apps');
    assert.equal(manifest.exitCode, 0, manifest.stderr);
    await writeFile(file, manifest.stdout);
    const diff = () => kubectl('diff', '--server-side', '--field-manager=gitset', '--force-conflicts', '-n', 'apps', '-f', file);
    const clean = await diff();
    assert.deepEqual([clean.exitCode, clean.stdout], [0, ''], clean.stderr);

    await ok('patch', 'cm', 'greet-hello', '-n', 'apps', '--type', 'merge', '-p', '{"data":{"message":"by hand"}}');
    const drift = await diff();
    assert.equal(drift.exitCode, 1, drift.stderr);
    assert.deepEqual(drift.stdout.match(/^diff .*$/gm)?.map((l) => l.split('/').at(-1)), ['v1.ConfigMap.apps.greet-hello'], 'only the ConfigMap drifted');
    assert.match(drift.stdout, /^-  message: by hand$/m);
    assert.match(drift.stdout, /^\+  message: Hello from gitset$/m);

    await ok('apply', '--server-side', '--field-manager=gitset', '--force-conflicts', '-n', 'apps', '-f', file);
    assert.equal((await diff()).exitCode, 0, 'repaired');
    assert.deepEqual((await deployment()).metadata.managedFields?.map((m) => m.manager), ['helm', 'gitset']);
  });

  test('scale changes the spec and, at once, the status and the ReplicaSet', async () => {
    assert.match(await ok('scale', 'deploy/greet-hello', '-n', 'apps', '--replicas=5'), /scaled/);
    const d = await deployment();
    assert.equal(d.spec.replicas, 5);
    assert.equal(d.status.observedGeneration, d.metadata.generation);
    assert.deepEqual([d.status.replicas, d.status.updatedReplicas, d.status.readyReplicas, d.status.availableReplicas], [5, 5, 5, 5]);
    assert.deepEqual((await replicaSets()).map(([, n]) => n), [5]);
  });

  test('set image rolls out a new ReplicaSet and rollout status sees it complete', async () => {
    await ok('set', 'image', 'deploy/greet-hello', '-n', 'apps', 'hello=nginx:1.28');
    assert.equal((await deployment()).spec.template.spec.containers[0]?.image, 'nginx:1.28');
    assert.deepEqual((await replicaSets()).map(([, n]) => n).sort(), [0, 5], 'the old ReplicaSet is scaled to 0');
    assert.match(await ok('rollout', 'status', 'deploy/greet-hello', '-n', 'apps', '--timeout', '10s'), /successfully rolled out/);
  });

  test('patch: strategic merge (lists merged by name), merge and JSON patch', async () => {
    await ok('patch', 'deploy', 'greet-hello', '-n', 'apps', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"hello","env":[{"name":"EXTRA","value":"1"}]}]}}}}');
    await ok('patch', 'deploy', 'greet-hello', '-n', 'apps', '--type', 'merge', '-p', '{"metadata":{"labels":{"patched":"merge"}}}');
    await ok('patch', 'deploy', 'greet-hello', '-n', 'apps', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":2}]');
    const d = await deployment();
    const [container] = d.spec.template.spec.containers;
    assert.deepEqual([container?.name, container?.image, container?.env?.map((e) => e.name)], ['hello', 'nginx:1.28', ['MESSAGE', 'EXTRA']]);
    assert.equal(d.metadata.labels?.patched, 'merge');
    assert.deepEqual([d.spec.replicas, d.status.readyReplicas], [2, 2]);
  });

  test("server-side apply under gitset's field manager creates, records, is idempotent and prunes", async () => {
    const file = join(work, 'ssa.yaml');
    const config = (data: Record<string, string>) => YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', namespace: 'apps', labels: { 'gitset.dev/owned': 'true' } }, data });
    const get = async () => JSON.parse(await ok('get', 'cm', 'ssa', '-n', 'apps', '-o', 'json', '--show-managed-fields')) as {
      data: Record<string, string>;
      metadata: { resourceVersion: string; managedFields: Array<{ manager: string; operation: string; fieldsV1: Record<string, unknown> }> };
    };
    await writeFile(file, config({ one: '1', two: '2' }));
    assert.match(await ok('apply', '--server-side', '--field-manager=gitset', '-f', file), /serverside-applied/);
    const first = await get();
    assert.deepEqual(first.data, { one: '1', two: '2' });
    assert.deepEqual(first.metadata.managedFields.map((m) => [m.manager, m.operation]), [['gitset', 'Apply']]);
    assert.deepEqual(first.metadata.managedFields[0]?.fieldsV1, { 'f:data': { 'f:one': {}, 'f:two': {} }, 'f:metadata': { 'f:labels': { 'f:gitset.dev/owned': {} } } });
    await ok('apply', '--server-side', '--field-manager=gitset', '-f', file);
    assert.equal((await get()).metadata.resourceVersion, first.metadata.resourceVersion, 'applying the same configuration is a no-op');
    await writeFile(file, config({ one: '1' }));
    await ok('apply', '--server-side', '--field-manager=gitset', '-f', file);
    assert.deepEqual((await get()).data, { one: '1' }, 'a key gitset no longer applies is removed');
  });

  test('client-side apply creates, configures and prunes a dropped key', async () => {
    const file = join(work, 'csa.yaml');
    await writeFile(file, YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'csa', namespace: 'apps' }, data: { one: '1', two: '2' } }));
    assert.match(await ok('apply', '-f', file), /created/);
    await writeFile(file, YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'csa', namespace: 'apps' }, data: { one: '1' } }));
    assert.match(await ok('apply', '-f', file), /configured/);
    const cm = JSON.parse(await ok('get', 'cm', 'csa', '-n', 'apps', '-o', 'json')) as { data: Record<string, string>; metadata: { annotations: Record<string, string> } };
    assert.deepEqual(cm.data, { one: '1' });
    assert.ok(cm.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], 'last applied configuration kept');
  });

  test('a never-ready image: helm --wait fails, rollout status times out, a ready image heals it', async () => {
    const r = await helm('upgrade', '--install', 'stuck', 'hello', '--repo', repo.url, '--version', '0.1.0', '-n', 'apps', '--set', 'image.tag=never-ready', '--wait', '--timeout', '3s');
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /stuck-hello not ready|context deadline exceeded/);
    const stuck = await deployment('stuck-hello');
    assert.deepEqual([stuck.status.replicas, stuck.status.readyReplicas, stuck.status.availableReplicas], [1, undefined, undefined]);
    assert.deepEqual(stuck.status.conditions.map((c) => [c.type, c.status]), [['Available', 'False'], ['Progressing', 'True']]);
    const rollout = await kubectl('rollout', 'status', 'deploy/stuck-hello', '-n', 'apps', '--timeout', '2s');
    assert.notEqual(rollout.exitCode, 0);
    await ok('set', 'image', 'deploy/stuck-hello', '-n', 'apps', 'hello=nginx:1.27');
    assert.match(await ok('rollout', 'status', 'deploy/stuck-hello', '-n', 'apps', '--timeout', '10s'), /successfully rolled out/);
  });

  test('delete removes the Deployment and garbage-collects its ReplicaSets', async () => {
    assert.match(await ok('delete', 'deploy', 'greet-hello', '-n', 'apps'), /deleted/);
    assert.equal(cluster.get('/apis/apps/v1/namespaces/apps/deployments/greet-hello'), undefined);
    assert.deepEqual((await replicaSets()).filter(([name]) => name.startsWith('greet-hello-')), []);
    const missing = await kubectl('get', 'deploy', 'greet-hello', '-n', 'apps');
    assert.notEqual(missing.exitCode, 0);
    assert.match(missing.stderr, /NotFound|not found/);
  });
});
