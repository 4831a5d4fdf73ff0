// A cluster whose kubeconfig turns, while the daemon runs, into what EKS hands out: an exec
// credential plugin, under a flat key of the credentials folder (one Secret for the fleet). The
// cluster's old static token is revoked, so every probe and helm call must use the plugin's.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FakePlugin } from '../probe/exec-plugins.ts';
import { names, startFleet, waitFor, type Fleet } from './fleet.ts';

let fleet: Fleet | undefined;
after(() => fleet?.close());

test('an exec-plugin kubeconfig added as a flat key is used by the prober and by helm, without a restart', { timeout: 120_000 }, async () => {
  fleet = await startFleet();
  const f = fleet;
  await f.startDaemon();
  await waitFor('ClusterProfile/kyverno deployed on civo/cluster1', async () => {
    const p = await f.status('ClusterProfile/kyverno.yaml');
    return p?.status?.clusters?.[0]?.releases?.[0]?.state === 'Deployed' && names(p.status.matchingClusters)[0] === 'civo/cluster1';
  });

  const sim = f.sandbox.clusters.get('civo/cluster1')!;
  const plugin = new FakePlugin(join(f.sandbox.root, 'eks-plugin'));
  plugin.set({ token: 'eks-token', expirationTimestamp: new Date(Date.now() + 3_600_000).toISOString() });
  sim.server.grantToken('eks-token');
  const exec = { apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never', command: process.execPath, args: [plugin.script, 'eks', 'get-token'] };
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'eks', cluster: { server: sim.url, 'certificate-authority-data': Buffer.from(sim.caPem).toString('base64') } }],
    users: [{ name: 'eks', user: { exec } }],
    contexts: [{ name: 'eks', context: { cluster: 'eks', user: 'eks' } }],
    'current-context': 'eks',
  };
  await writeFile(join(f.sandbox.credentialsDir, 'civo.cluster1.kubeconfig'), stringify(kubeconfig), { mode: 0o600 });
  await rm(join(f.sandbox.credentialsDir, 'civo', 'cluster1.kubeconfig'));
  sim.server.revokeToken(sim.token);

  // A change for cluster1: helm has to reach it with the plugin's token.
  const dir = await f.clone();
  const profilePath = join(dir, 'profiles', 'kyverno.yaml');
  const profile = (await readFile(profilePath, 'utf8')).replace('    releaseNamespace: kyverno\n', '    releaseNamespace: kyverno\n    values: |\n      message: via-exec\n');
  await writeFile(profilePath, profile);
  await f.push(dir, 'kyverno: a message');
  await waitFor('the upgrade reaches civo/cluster1', async () => {
    const cm = sim.get('/api/v1/namespaces/kyverno/configmaps/kyverno-latest-hello') as { data?: Record<string, string> } | undefined;
    return cm?.data?.['message'] === 'via-exec';
  }, 60_000);

  const cluster = await f.status('SveltosCluster/civo/cluster1.yaml');
  assert.equal(cluster?.status?.ready, true, JSON.stringify(cluster?.status));
  const set = await f.status('ClusterSet/prod.yaml');
  assert.deepEqual(names(set.status.selectedClusterRefs), ['civo/cluster1'], 'no failover: the cluster never looked down');
  assert.ok(plugin.runs().length >= 2, 'the prober and helm both ran the plugin');
  assert.ok(!f.logs.some((l) => l.includes('eks-token')), 'the plugin token never reaches the log');
});
