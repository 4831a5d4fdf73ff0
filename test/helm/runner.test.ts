// The HelmRunner with the REAL helm binary against a simulated cluster and the local chart
// repository: what the daemon asks for must happen on the cluster, and failures must come
// back classified, with nothing secret in them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { pino } from 'pino';
import { resolveHelm } from '../../src/helm/binary.ts';
import { HelmError } from '../../src/helm/errors.ts';
import { createHelmRunner } from '../../src/helm/runner.ts';
import type { ClusterTarget, HelmRunner, ReleaseRequest } from '../../src/model/ports.ts';
import { startChartRepo, type ChartRepo } from '../../src/sim/chart-repo.ts';
import { startSimCluster, type SimCluster } from '../../src/sim/index.ts';
import { renderKubeconfig, writeKubeconfigFile } from '../../src/sim/kubeconfig.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const helloChart = join(root, 'charts', 'hello');

let work: string;
let helmPath: string;
let cluster: SimCluster;
let repo: ChartRepo;
let target: ClusterTarget;
let runner: HelmRunner;
const logLines: Array<Record<string, unknown>> = [];

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'gitset-helm-runner-'));
  helmPath = (await resolveHelm({ env: process.env, projectRoot: root })).path;
  cluster = await startSimCluster({ namespace: 'civo', name: 'cluster1' });
  target = { cluster: cluster.key, kubeconfigPath: join(work, 'creds', 'civo', 'cluster1.kubeconfig') };
  await cluster.writeKubeconfig(target.kubeconfigPath);
  repo = await startChartRepo({ charts: [helloChart, { dir: helloChart, version: '0.2.0' }], helmBinary: helmPath });
  runner = createHelmRunner({ helmPath, workDir: join(work, 'runner'), timeoutMs: 60_000, logger: pino({ level: 'info' }, sinkInto(logLines)) });
});

after(async () => {
  await cluster?.close();
  await repo?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A pino destination that parses each line into `lines`. */
function sinkInto(lines: Array<Record<string, unknown>>): Writable {
  return new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
}

const request = (over: Partial<ReleaseRequest> = {}): ReleaseRequest => ({
  releaseNamespace: 'apps',
  releaseName: 'greet',
  repositoryURL: repo.url,
  repositoryName: 'local',
  chartName: 'local/hello',
  chartVersion: '0.1.0',
  values: 'message: hi\n',
  ...over,
});
const configMap = () => cluster.get('/api/v1/namespaces/apps/configmaps/greet-hello') as { data?: Record<string, string> } | undefined;
const releaseSecrets = () => cluster.objects('Secret').filter((s) => s.metadata.labels?.owner === 'helm' && s.metadata.labels?.name === 'greet');
const valuesDirs = () => readdirSync(join(work, 'runner', 'tmp'));

/** The releases on the cluster as helm itself lists them: a check from outside the runner. */
async function listedReleases(): Promise<Array<{ namespace: string; name: string; revision: number; status: string; chart: string }>> {
  const env = { HELM_CACHE_HOME: join(work, 'lister', 'cache'), HELM_CONFIG_HOME: join(work, 'lister', 'config'), HELM_DATA_HOME: join(work, 'lister', 'data') };
  const r = await execa(helmPath, ['list', '-A', '--deployed', '--failed', '--pending', '-o', 'json', '--kubeconfig', target.kubeconfigPath], { env, timeout: 60_000 });
  const listed = JSON.parse(r.stdout) as Array<{ namespace: string; name: string; revision: string; status: string; chart: string }>;
  return listed.map((l) => ({ namespace: l.namespace, name: l.name, revision: Number(l.revision), status: l.status, chart: l.chart }));
}

describe('a release through its life', () => {
  test('install: objects appear in a created namespace, helm list shows the release', async () => {
    const result = await runner.upgradeInstall(target, request());
    assert.deepEqual(result, { revision: 1, status: 'deployed', chartVersion: '0.1.0' });
    assert.equal(configMap()?.data?.message, 'hi');
    assert.ok(cluster.get('/apis/apps/v1/namespaces/apps/deployments/greet-hello'));
    assert.ok(cluster.get('/api/v1/namespaces/apps'), 'namespace created');
    assert.deepEqual(await listedReleases(), [{ namespace: 'apps', name: 'greet', revision: 1, status: 'deployed', chart: 'hello-0.1.0' }]);
    assert.deepEqual(valuesDirs(), [], 'values file removed');
  });

  test('upgrade on a values change: revision 2; no values at all brings back the chart defaults', async () => {
    const second = await runner.upgradeInstall(target, request({ values: 'message: bye\n' }));
    assert.equal(second.revision, 2);
    assert.equal(configMap()?.data?.message, 'bye');
    const third = await runner.upgradeInstall(target, request({ values: '', chartVersion: '0.2.0' }));
    assert.deepEqual(third, { revision: 3, status: 'deployed', chartVersion: '0.2.0' });
    assert.equal(configMap()?.data?.message, 'Hello from gitset', 'chart default, not the previous values');
    assert.equal(releaseSecrets().length, 2, 'history kept to 2 revisions (Sveltos default)');
  });

  test('uninstall removes the objects; uninstalling an absent release succeeds', async () => {
    await runner.uninstall(target, { releaseNamespace: 'apps', releaseName: 'greet' });
    assert.equal(configMap(), undefined);
    assert.equal(cluster.get('/apis/apps/v1/namespaces/apps/deployments/greet-hello'), undefined);
    assert.deepEqual(await listedReleases(), []);
    await runner.uninstall(target, { releaseNamespace: 'apps', releaseName: 'greet' });
    await runner.uninstall(target, { releaseNamespace: 'nowhere', releaseName: 'never-installed' });
  });

  test('the log says cluster, release, action, duration and outcome, and holds no values', () => {
    const installs = logLines.filter((l) => l.action === 'upgrade-install');
    assert.ok(installs.length >= 3);
    for (const l of installs) {
      assert.equal(l.cluster, 'civo/cluster1');
      assert.equal(l.release, 'greet');
      assert.equal(typeof l.durationMs, 'number');
      assert.ok(l.outcome === 'ok' || l.outcome === 'failed');
    }
    const text = JSON.stringify(logLines);
    assert.ok(!text.includes('bye') && !text.includes(cluster.token), 'no values, no token');
    assert.ok(logLines.some((l) => l.action === 'uninstall' && l.removed === false), 'idempotent uninstall is visible');
  });
});

test('every Sveltos HelmOption translates to flags the real helm accepts; kept history allows a reinstall', async () => {
  const options = {
    wait: true, waitForJobs: true, timeout: '30s', atomic: true, skipCRDs: true, disableHooks: true,
    labels: { team: 'platform' }, description: 'applied by gitset', installOptions: { replace: true },
    upgradeOptions: { force: true, cleanupOnFail: true, maxHistory: 3, subNotes: true, resetThenReuseValues: true },
    uninstallOptions: { keepHistory: true, deletionPropagation: 'Foreground', description: 'withdrawn' },
  };
  const req = request({ releaseName: 'opts', options });
  assert.equal((await runner.upgradeInstall(target, req)).revision, 1);
  assert.equal((await runner.upgradeInstall(target, { ...req, values: 'message: again\n' })).revision, 2);
  const record = cluster.get('/api/v1/namespaces/apps/secrets/sh.helm.release.v1.opts.v2');
  assert.equal(record?.metadata.labels?.team, 'platform', 'release labels stored with the release');
  await runner.uninstall(target, req);
  assert.equal(cluster.get('/api/v1/namespaces/apps/configmaps/opts-hello'), undefined);
  assert.deepEqual((await listedReleases()).filter((r) => r.name === 'opts'), [], 'kept history is not an installed release');
  assert.equal((await runner.upgradeInstall(target, req)).revision, 3, 'reinstalled over the kept history');
  await runner.uninstall(target, { ...req, options: {} });
});

describe('failures', () => {
  test('a chart the repository does not have: CHART_NOT_FOUND, readable, values file removed', async () => {
    await assert.rejects(runner.upgradeInstall(target, request({ chartName: 'local/nope', releaseName: 'ghost' })), (err: HelmError) => {
      assert.equal(err.code, 'CHART_NOT_FOUND');
      assert.equal(err.cluster, 'civo/cluster1');
      assert.equal(err.release, 'apps/ghost');
      assert.match(err.message, /chart "nope" version "0.1.0" not found/);
      return true;
    });
    assert.deepEqual(valuesDirs(), []);
  });

  test('a chart version the repository does not have: CHART_NOT_FOUND', async () => {
    await assert.rejects(runner.upgradeInstall(target, request({ chartVersion: '9.9.9', releaseName: 'ghost' })), { code: 'CHART_NOT_FOUND' });
  });

  test('values that are not YAML: INVALID_REQUEST, naming <values> instead of the temporary file, which is gone', async () => {
    await assert.rejects(runner.upgradeInstall(target, request({ releaseName: 'badvalues', values: 'message: [unclosed\npassword: s3cret\n' })), (err: HelmError) => {
      assert.equal(err.code, 'INVALID_REQUEST');
      assert.match(err.message, /^failed to parse <values>: .*YAML/);
      assert.ok(!err.message.includes(join(work, 'runner')) && !err.message.includes('s3cret'), err.message);
      return true;
    });
    assert.deepEqual(valuesDirs(), []);
  });

  test('an oci:// repository is asked for <url>/<chart>; a registry that is not there: REPOSITORY_UNREACHABLE', async () => {
    const registry = repo.url.replace(/^http:/, 'oci:');
    await assert.rejects(runner.upgradeInstall(target, request({ releaseName: 'oci', repositoryURL: `${registry}/charts`, chartName: 'hello' })), (err: HelmError) => {
      assert.equal(err.code, 'REPOSITORY_UNREACHABLE');
      assert.match(err.message, new RegExp(`${repo.url.replace(/^http:/, 'https:')}/v2/charts/hello/`));
      return true;
    });
  });

  test('credentials the cluster refuses: CLUSTER_UNAUTHORIZED, and the token is not in the message', async () => {
    const wrongToken = 'not-the-token-0123456789abcdef';
    const bad = { cluster: cluster.key, kubeconfigPath: join(work, 'creds', 'bad.kubeconfig') };
    await writeKubeconfigFile(bad.kubeconfigPath, renderKubeconfig({ name: 'bad', server: cluster.url, caPem: cluster.caPem, token: wrongToken }));
    await assert.rejects(runner.uninstall(bad, { releaseNamespace: 'apps', releaseName: 'greet' }), (err: HelmError) => {
      assert.equal(err.code, 'CLUSTER_UNAUTHORIZED');
      assert.ok(!err.message.includes(wrongToken) && !err.message.includes(bad.kubeconfigPath), err.message);
      return true;
    });
  });

  test('a stopped cluster: CLUSTER_UNREACHABLE for every action, nothing secret in the message', async () => {
    await cluster.stop();
    try {
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['install', () => runner.upgradeInstall(target, request({ values: 'password: hunter2\n' }))],
        ['uninstall', () => runner.uninstall(target, { releaseNamespace: 'apps', releaseName: 'greet' })],
      ];
      for (const [name, call] of calls) {
        await assert.rejects(call(), (err: HelmError) => {
          assert.equal(err.code, 'CLUSTER_UNREACHABLE', `${name}: ${err.message}`);
          assert.match(err.message, /connection refused/);
          const kubeconfig = readFileSync(target.kubeconfigPath, 'utf8');
          for (const secret of [cluster.token, 'hunter2', target.kubeconfigPath, kubeconfig.slice(0, 40)]) {
            assert.ok(!err.message.includes(secret), `${name} message leaks ${secret.slice(0, 12)}…`);
          }
          return true;
        });
      }
      assert.deepEqual(valuesDirs(), []);
    } finally {
      await cluster.start();
    }
  });

  test('a release left pending by a killed helm: locked while fresh, rolled back and upgraded once stale', async () => {
    const req = request({ releaseName: 'stuck' });
    assert.equal((await runner.upgradeInstall(target, req)).revision, 1);
    // Kill a real helm upgrade outright once it has written its pending revision.
    cluster.setLatency(100);
    const env = { HELM_CACHE_HOME: join(work, 'killed', 'cache'), HELM_CONFIG_HOME: join(work, 'killed', 'config'), HELM_DATA_HOME: join(work, 'killed', 'data'), KUBECACHEDIR: join(work, 'killed', 'kube-cache') };
    const killed = execa(helmPath, ['upgrade', 'stuck', 'hello', '--repo', repo.url, '-n', 'apps', '--kubeconfig', target.kubeconfigPath], { env, extendEnv: false, reject: false });
    const pending = () => cluster.get('/api/v1/namespaces/apps/secrets/sh.helm.release.v1.stuck.v2')?.metadata.labels?.status;
    for (let i = 0; i < 300 && pending() === undefined; i++) await sleep(50);
    killed.kill('SIGKILL');
    await killed;
    cluster.setLatency(0);
    assert.equal(pending(), 'pending-upgrade');

    await assert.rejects(runner.upgradeInstall(target, { ...req, values: 'message: after\n' }), (err: HelmError) => {
      assert.equal(err.code, 'RELEASE_LOCKED');
      assert.match(err.message, /another operation .* in progress \(revision 2 is pending-upgrade for \d+s; taken over after \d+s\)/);
      return true;
    });
    const later = createHelmRunner({ helmPath, workDir: join(work, 'later'), now: () => Date.now() + 3_600_000, logger: pino({ level: 'warn' }, sinkInto(logLines)) });
    const result = await later.upgradeInstall(target, { ...req, values: 'message: after\n' });
    assert.deepEqual([result.revision, result.status], [4, 'deployed'], 'rollback to 1 made revision 3, the upgrade 4');
    const cm = cluster.get('/api/v1/namespaces/apps/configmaps/stuck-hello') as { data?: Record<string, string> } | undefined;
    assert.equal(cm?.data?.message, 'after');
    assert.ok(logLines.some((l) => l.action === 'recover' && /rolled back to revision 1/.test(String(l.msg))));
    await runner.uninstall(target, req);
  });

  test('a hanging cluster: the per-call deadline stops helm (HELM_TIMEOUT); an abort stops it too (HELM_ABORTED)', async () => {
    const quick = createHelmRunner({ helmPath, workDir: join(work, 'quick'), timeoutMs: 1500, dialect: 'v4' });
    cluster.hang(true);
    try {
      const greet = { releaseNamespace: 'apps', releaseName: 'greet' };
      await assert.rejects(quick.uninstall(target, greet), { code: 'HELM_TIMEOUT' });
      const controller = new AbortController();
      const pending = runner.uninstall(target, greet, controller.signal);
      setTimeout(() => controller.abort(), 300);
      await assert.rejects(pending, { code: 'HELM_ABORTED' });
      await assert.rejects(runner.uninstall(target, greet, controller.signal), { code: 'HELM_ABORTED' });
    } finally {
      cluster.hang(false);
    }
  });
});

test('helm sees a private environment: its own homes, no parent secrets, a 0600 values file', async () => {
  // A spy in front of the real helm records what helm is started with.
  const spyDir = mkdtempSync(join(work, 'spy-'));
  const spy = join(spyDir, 'helm');
  writeFileSync(
    spy,
    `#!/bin/sh\nenv > "${spyDir}/env"\nfor a in "$@"; do if [ -n "$next" ]; then stat -c %a "$a" > "${spyDir}/mode"; next=; fi; [ "$a" = --values ] && next=1; done\nexec "${helmPath}" "$@"\n`,
  );
  chmodSync(spy, 0o755);
  const spied = createHelmRunner({
    helmPath: spy,
    workDir: join(work, 'spied'),
    env: { PATH: process.env.PATH, HOME: '/home/x', AWS_SECRET_ACCESS_KEY: 'leak-me', KUBECONFIG: '/root/.kube/config' },
  });
  const result = await spied.upgradeInstall(target, request({ releaseName: 'spied', values: 'message: private\n' }));
  assert.equal(result.revision, 1);
  const env = readFileSync(join(spyDir, 'env'), 'utf8');
  assert.match(env, new RegExp(`HELM_CACHE_HOME=${join(work, 'spied', 'helm', 'cache')}`));
  assert.match(env, /HOME=\/home\/x/);
  // The Kubernetes client's discovery cache is gitset's too, not $HOME/.kube/cache (or ./.kube without HOME).
  assert.match(env, new RegExp(`KUBECACHEDIR=${join(work, 'spied', 'helm', 'kube-cache')}`));
  assert.ok(readdirSync(join(work, 'spied', 'helm', 'kube-cache')).includes('discovery'), 'helm cached discovery under the work dir');
  assert.doesNotMatch(env, /AWS_SECRET_ACCESS_KEY|KUBECONFIG=/);
  assert.equal(readFileSync(join(spyDir, 'mode'), 'utf8').trim(), '600');
  assert.deepEqual(readdirSync(join(work, 'spied', 'tmp')), []);
  await spied.uninstall(target, { releaseNamespace: 'apps', releaseName: 'spied' });
});
