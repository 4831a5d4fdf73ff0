// options.runTests with the REAL helm against a simulated cluster: `helm test` runs the chart's
// test hooks after the release is applied; a test that fails makes the call fail (TESTS_FAILED),
// so the daemon records the release Failed with helm's reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveHelm } from '../../src/helm/binary.ts';
import { HelmError } from '../../src/helm/errors.ts';
import { createHelmRunner } from '../../src/helm/runner.ts';
import type { ClusterTarget, HelmRunner, ReleaseRequest } from '../../src/model/ports.ts';
import { startChartRepo, type ChartRepo } from '../../src/sim/chart-repo.ts';
import { startSimCluster, type SimCluster } from '../../src/sim/index.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

let work: string;
let cluster: SimCluster;
let repo: ChartRepo;
let target: ClusterTarget;
let runner: HelmRunner;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'gitset-run-tests-'));
  const helmPath = (await resolveHelm({ env: process.env, projectRoot: root })).path;
  // The hello chart with a test hook whose image the values choose: the simulated cluster never
  // lets a `never-ready` container finish, so that test fails (helm test times out).
  const chart = join(work, 'tested');
  cpSync(join(root, 'charts', 'hello'), chart, { recursive: true });
  writeFileSync(join(chart, 'templates', 'test.yaml'), [
    'apiVersion: v1', 'kind: Pod',
    'metadata: { name: "{{ .Release.Name }}-test", annotations: { "helm.sh/hook": test } }',
    'spec: { restartPolicy: Never, containers: [ { name: t, image: {{ .Values.testImage | default "busybox" | quote }} } ] }', '',
  ].join('\n'));
  cluster = await startSimCluster({ namespace: 'civo', name: 'cluster1' });
  target = { cluster: cluster.key, kubeconfigPath: join(work, 'creds', 'cluster1.kubeconfig') };
  await cluster.writeKubeconfig(target.kubeconfigPath);
  repo = await startChartRepo({ charts: [chart], helmBinary: helmPath });
  runner = createHelmRunner({ helmPath, workDir: join(work, 'runner'), timeoutMs: 60_000 });
});

after(async () => {
  await cluster?.close();
  await repo?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const request = (values: string, runTests: boolean): ReleaseRequest => ({
  releaseNamespace: 'apps', releaseName: 'greet', repositoryURL: repo.url, repositoryName: 'local', chartName: 'local/hello', chartVersion: '0.1.0',
  values, options: { runTests, timeout: '5s' }, phase: 'install',
});
const testPod = () => cluster.get('/api/v1/namespaces/apps/pods/greet-test') as { status?: { phase?: string } } | undefined;

test('runTests: helm test runs after the install and passes; without it no test pod is made', async () => {
  await runner.upgradeInstall(target, request('message: a\n', false));
  assert.equal(testPod(), undefined, 'no helm test without runTests');
  const r = await runner.upgradeInstall(target, request('message: b\n', true));
  assert.equal(r.status, 'deployed');
  assert.equal(testPod()?.status?.phase, 'Succeeded', 'the chart\'s test hook ran to completion');
});

test('a failing test fails the call with TESTS_FAILED and helm\'s reason; the release itself is applied', async () => {
  await assert.rejects(runner.upgradeInstall(target, request('message: c\ntestImage: never-ready\n', true)), (err: unknown) => {
    assert.ok(err instanceof HelmError);
    assert.equal(err.code, 'TESTS_FAILED');
    assert.match(err.message, /^helm test failed: /);
    return true;
  });
  const cm = cluster.get('/api/v1/namespaces/apps/configmaps/greet-hello') as { data?: Record<string, string> } | undefined;
  assert.equal(cm?.data?.message, 'c', 'the upgrade was applied before its tests ran');
});
