// A hostile world while a selected cluster fails, with gitset as a real process, real helm and a
// real Git smart-HTTP server: a cluster that completes TLS and never answers HTTP, a black-hole
// TLS endpoint, a helm call that hangs on a healthy cluster, a Git server that stops answering
// just as the failover starts, and SIGTERM while that helm call still runs. The failover is
// decided, logged and installed while Git and helm hang; the commit lands once Git answers,
// with the probe's times; the shutdown kills the hung helm, commits its abort and exits 0.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveHelm } from '../../src/helm/binary.ts';
import { PROJECT_ROOT } from '../../src/daemon/wiring.ts';
import { startSandbox, type Sandbox } from '../../src/demo/sandbox.ts';
import { alive, CHAOS_CLUSTERS, chaosManifests, hangClusters, hangingHelm, startGitProxy, startGitset } from './chaos.ts';
import { names, waitFor } from './fleet.ts';

const closers: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
});

async function chaosWorld(): Promise<{ sandbox: Sandbox; helmPath: string }> {
  const helm = await resolveHelm({ env: process.env, projectRoot: PROJECT_ROOT });
  const sandbox = await startSandbox({ clusters: CHAOS_CLUSTERS, manifests: chaosManifests(), helmBinary: helm.path });
  closers.push(() => sandbox.close());
  closers.push(await hangClusters(sandbox));
  return { sandbox, helmPath: helm.path };
}

test('chaos: failover while helm, Git and two clusters hang; SIGTERM kills the hung helm, commits, exits 0', { timeout: 240_000 }, async () => {
  const { sandbox, helmPath } = await chaosWorld();
  const git = await startGitProxy(sandbox.repoUrl);
  closers.push(() => git.close());
  const helm = await hangingHelm(sandbox.root, helmPath, 'stuck-hello');
  // Three hung clusters of five would open the mass-failure breaker (0.5, 3): that is not under test.
  const gitset = startGitset(sandbox.root, ['--repo', git.url, '--credentials', sandbox.credentialsDir, '--work-dir', join(sandbox.root, 'proc'), '--helm-binary', helm.path,
    '--probe-interval', '1s', '--probe-timeout', '1s', '--poll-interval', '2s', '--failure-threshold', '2', '--breaker-min-failures', '4', '--shutdown-grace', '2s']);
  closers.push(async () => gitset.child.kill('SIGKILL'));
  const deployedOn = async (c: string) => (await helmList(sandbox, helmPath, c)).some((r) => r.name === 'kyverno-latest' && r.status === 'deployed');

  // Healthy start: kyverno on cluster1, committed; the stuck release's helm hangs on cluster4.
  const stuckPid = await waitFor('the helm call on cluster4 hangs', async () => Number((await readFile(helm.pidFile, 'utf8').catch(() => '')).trim()) || undefined, 60_000);
  await waitFor('kyverno recorded on civo/cluster1', async () => (await sandbox.readStatus('ClusterProfile/kyverno.yaml'))?.status?.clusters?.[0]?.releases?.[0]?.state === 'Deployed', 60_000);
  assert.equal(await deployedOn('civo/cluster1'), true);

  // Git stops answering, then the selected cluster hangs.
  git.hang();
  const hungAt = Date.now();
  sandbox.clusters.get('civo/cluster1')!.hang(true);
  await waitFor('the failover is decided and logged while Git hangs', async () =>
    gitset.logged('set selection changed', (l) => l.set === 'ClusterSet/prod' && JSON.stringify(l.selected) === '["civo/cluster2"]'), 60_000);
  await waitFor('kyverno deployed on the spare while Git and the stuck helm call hang', () => deployedOn('civo/cluster2'), 60_000);
  // Deployed counts once the replacement is seen healthy (a look in a later cycle), still with Git hung.
  await waitFor('the failover done while Git hangs', async () => gitset.logged('failover done: the replacement is deployed and healthy', (l) => l.to === 'civo/cluster2'), 60_000);
  const failoverMs = Date.now() - hungAt;
  assert.equal(alive(stuckPid), true, 'the unrelated helm call still runs: the failover did not wait for it');
  assert.ok(!(await sandbox.gitLog()).some((c) => c.subject.includes('civo/cluster2')), 'nothing reached Git while it hung');
  const releasedAt = new Date();
  git.release();

  // Once Git answers, the failover lands in status and git log, with the times of the probes.
  const set = await waitFor('the failover committed', async () => {
    const s = await sandbox.readStatus('ClusterSet/prod.yaml');
    return s?.status?.failovers?.[0]?.deployed ? s : undefined;
  }, 90_000);
  assert.deepEqual(names(set.status.selectedClusterRefs), ['civo/cluster2']);
  const record = set.status.failovers[0];
  assert.equal(record.from, 'civo/cluster1');
  assert.ok(Date.parse(record.selected) < releasedAt.getTime(), `selected at the probe's time, not the commit's: ${JSON.stringify(record)}`);
  assert.ok(Date.parse(record.deployed) < releasedAt.getTime(), `deployed when seen healthy, not when Git answered: ${JSON.stringify(record)}`);
  assert.ok((await sandbox.gitLog()).some((c) => `${c.subject}\n${c.body}`.includes('ClusterSet/prod failed over civo/cluster1 → civo/cluster2')));
  // No helm call ever went to the hung cluster or the black hole.
  assert.equal(gitset.logged('helm install', (l) => l.cluster === 'civo/cluster3' || l.cluster === 'civo/blackhole'), false);
  const edge = await sandbox.readStatus('SveltosCluster/civo/blackhole.yaml');
  assert.equal(edge?.status?.ready, false);
  console.log(`# failover time under chaos (hang → release deployed on civo/cluster2): ${failoverMs} ms`);

  // SIGTERM while the stuck helm call still runs: killed at the grace period, recorded, committed, exit 0.
  gitset.child.kill('SIGTERM');
  const result = await gitset.child;
  assert.equal(result.exitCode, 0, `exit ${String(result.exitCode)} ${String(result.signal)}: ${String(result.stderr)}`);
  assert.ok(gitset.logged('grace period over: aborting running helm and kubectl calls'));
  assert.ok(gitset.logged('stopped'));
  await waitFor('helm\'s child is gone', async () => !alive(stuckPid), 10_000);
  const stuck = (await sandbox.readStatus('ClusterProfile/stuck.yaml'))?.status?.clusters?.[0]?.releases?.[0];
  assert.equal(stuck?.state, 'Failed', JSON.stringify(stuck));
  assert.match(stuck?.lastError ?? '', /aborted at shutdown/);
});

async function helmList(sandbox: Sandbox, helmPath: string, cluster: string): Promise<Array<{ name: string; status: string }>> {
  const { execa } = await import('execa');
  const [ns = '', name = ''] = cluster.split('/');
  const home = join(sandbox.root, 'helm-list-home');
  const r = await execa(helmPath, ['list', '-A', '--deployed', '--failed', '--pending', '-o', 'json', '--kubeconfig', join(sandbox.credentialsDir, ns, `${name}.kubeconfig`)], {
    env: { HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') },
    timeout: 60_000,
  });
  return JSON.parse(r.stdout || '[]');
}
