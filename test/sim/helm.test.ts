// The real helm binary against a simulated cluster and the local chart repository: what a
// user does with helm must work as on a real cluster (install, list, upgrade, uninstall).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { resolveHelm } from '../../src/helm/binary.ts';
import { startChartRepo, type ChartRepo } from '../../src/sim/chart-repo.ts';
import { startSimCluster, type SimCluster } from '../../src/sim/index.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const helloChart = join(root, 'charts', 'hello');
const extrasChart = join(root, 'charts', 'extras');

describe('real helm against a simulated cluster', () => {
  let cluster: SimCluster;
  let repo: ChartRepo;
  let work: string;
  let helmPath: string;
  let kubeconfig: string;

  const helm = async (...args: string[]) => {
    const env = { HELM_CACHE_HOME: join(work, 'cache'), HELM_CONFIG_HOME: join(work, 'config'), HELM_DATA_HOME: join(work, 'data') };
    return execa(helmPath, [...args, '--kubeconfig', kubeconfig], { env, reject: false, timeout: 60_000 });
  };
  const releases = async () => {
    const r = await helm('list', '-A', '-o', 'json');
    assert.equal(r.exitCode, 0, r.stderr);
    return JSON.parse(r.stdout) as Array<{ name: string; namespace: string; revision: string; status: string; chart: string }>;
  };
  const configMap = () => cluster.get('/api/v1/namespaces/apps/configmaps/greet-hello') as { data?: Record<string, string>; metadata: { resourceVersion?: string } } | undefined;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'gitset-sim-helm-'));
    helmPath = (await resolveHelm({ env: process.env, projectRoot: root })).path;
    cluster = await startSimCluster({ namespace: 'civo', name: 'cluster1' });
    kubeconfig = join(work, 'civo', 'cluster1.kubeconfig');
    await cluster.writeKubeconfig(kubeconfig);
    repo = await startChartRepo({ charts: [helloChart, { dir: helloChart, version: '0.2.0' }], helmBinary: helmPath });
  });

  after(async () => {
    await cluster?.close();
    await repo?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('installs a chart from the chart repository into a new namespace', async () => {
    const r = await helm('upgrade', '--install', 'greet', 'hello', '--repo', repo.url, '--version', '0.1.0', '-n', 'apps', '--create-namespace', '--set', 'message=hi', '--wait', '--timeout', '30s');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(
      (await releases()).map((x) => [x.name, x.namespace, x.revision, x.status, x.chart]),
      [['greet', 'apps', '1', 'deployed', 'hello-0.1.0']],
    );
    assert.equal(configMap()?.data?.message, 'hi');
    assert.ok(cluster.get('/apis/apps/v1/namespaces/apps/deployments/greet-hello'), 'Deployment exists');
    assert.ok(cluster.get('/api/v1/namespaces/apps/services/greet-hello'), 'Service exists');
    assert.ok(cluster.get('/api/v1/namespaces/apps'), 'namespace created');
    assert.ok(repo.requests().includes('/index.yaml') && repo.requests().includes('/hello-0.1.0.tgz'), 'chart fetched from the repository');
  });

  test('stores the release as a Secret decoded from the protobuf helm sends', () => {
    const posted = cluster.requests().filter((r) => r.method === 'POST' && r.path.startsWith('/api/v1/namespaces/apps/secrets'));
    assert.ok(posted.length > 0 && posted.every((r) => r.contentType === 'application/vnd.kubernetes.protobuf'), 'helm 4 posts release Secrets as protobuf');
    const secret = cluster.get('/api/v1/namespaces/apps/secrets/sh.helm.release.v1.greet.v1') as {
      type?: string;
      data?: Record<string, string>;
      metadata: { labels?: Record<string, string> };
    };
    assert.equal(secret.type, 'helm.sh/release.v1');
    assert.equal(secret.metadata.labels?.owner, 'helm');
    assert.equal(secret.metadata.labels?.name, 'greet');
    assert.ok((secret.data?.release?.length ?? 0) > 100, 'the release payload is kept');
  });

  test('an upgrade with other values bumps the revision and changes the ConfigMap', async () => {
    const before = configMap()?.metadata.resourceVersion;
    const r = await helm('upgrade', '--install', 'greet', 'hello', '--repo', repo.url, '--version', '0.1.0', '-n', 'apps', '--set', 'message=bye');
    assert.equal(r.exitCode, 0, r.stderr);
    const [release] = await releases();
    assert.equal(release?.revision, '2');
    assert.equal(configMap()?.data?.message, 'bye');
    assert.notEqual(configMap()?.metadata.resourceVersion, before);
  });

  test('an upgrade to a newer chart version from the repository', async () => {
    const r = await helm('upgrade', '--install', 'greet', 'hello', '--repo', repo.url, '--version', '0.2.0', '-n', 'apps', '--set', 'message=bye');
    assert.equal(r.exitCode, 0, r.stderr);
    const [release] = await releases();
    assert.deepEqual([release?.revision, release?.chart], ['3', 'hello-0.2.0']);
    assert.equal(configMap()?.data?.chartVersion, '0.2.0');
  });

  test('client-side apply (strategic merge patches) and the legacy readiness wait work too', async () => {
    const r = await helm('upgrade', '--install', 'greet', 'hello', '--repo', repo.url, '--version', '0.2.0', '-n', 'apps', '--server-side=false', '--set', 'replicaCount=3', '--wait=legacy', '--timeout', '30s');
    assert.equal(r.exitCode, 0, r.stderr);
    const deployment = cluster.get('/apis/apps/v1/namespaces/apps/deployments/greet-hello') as unknown as { spec: { replicas: number; template: { spec: { containers: Array<{ name: string }> } } } };
    assert.equal(deployment.spec.replicas, 3);
    assert.deepEqual(deployment.spec.template.spec.containers.map((c) => c.name), ['hello']);
    const strategic = cluster.requests().filter((q) => q.method === 'PATCH' && q.contentType?.startsWith('application/strategic-merge-patch+json'));
    assert.ok(strategic.length > 0, 'helm sent strategic merge patches');
  });

  test('uninstall removes the objects and the release', async () => {
    const r = await helm('uninstall', 'greet', '-n', 'apps', '--wait', '--timeout', '30s');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(await releases(), []);
    assert.equal(configMap(), undefined);
    assert.equal(cluster.get('/apis/apps/v1/namespaces/apps/deployments/greet-hello'), undefined);
    assert.equal(cluster.get('/api/v1/namespaces/apps/services/greet-hello'), undefined);
    assert.deepEqual(cluster.objects('Secret').filter((s) => s.metadata.labels?.owner === 'helm'), []);
    assert.deepEqual(cluster.objects('ReplicaSet'), [], 'owned ReplicaSets are garbage-collected');
  });

  test('a chart with a CRD, every workload kind and hooks installs, waits, tests and uninstalls', async () => {
    const install = await helm('upgrade', '--install', 'ex', extrasChart, '-n', 'extras', '--create-namespace', '--wait', '--timeout', '30s');
    assert.equal(install.exitCode, 0, install.stderr);
    assert.ok(cluster.get('/apis/example.com/v1/namespaces/extras/widgets/w1'), 'custom resource served once its CRD exists');
    assert.equal((cluster.get('/apis/batch/v1/namespaces/extras/jobs/migrate') as { status?: { succeeded?: number } } | undefined)?.status?.succeeded, 1);
    const test = await helm('test', 'ex', '-n', 'extras', '--timeout', '30s');
    assert.equal(test.exitCode, 0, test.stderr);
    assert.match(test.stdout, /Phase:\s+Succeeded/);
    const uninstall = await helm('uninstall', 'ex', '-n', 'extras', '--wait', '--timeout', '30s');
    assert.equal(uninstall.exitCode, 0, uninstall.stderr);
    assert.equal(cluster.get('/apis/apps/v1/namespaces/extras/statefulsets/ex-db'), undefined);
    assert.ok(cluster.get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com'), 'helm keeps CRDs, as on a real cluster');
  });
});
