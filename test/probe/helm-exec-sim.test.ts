// helm, given the same exec-plugin kubeconfig as the prober, through gitset's helm runner
// environment: the plugin runs with the same variables and the simulated cluster accepts its token.
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { resolveHelm } from '../../src/helm/binary.ts';
import { helmEnvironment, runHelm } from '../../src/helm/exec.ts';
import { kubeconfigPathFor } from '../../src/probe/credentials.ts';
import { startSimCluster, type SimCluster } from '../../src/sim/index.ts';
import { FakePlugin } from './exec-plugins.ts';
import { kubeconfigYaml, sveltosCluster, writeCredential } from './kubeconfigs.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = realpathSync(mkdtempSync(join(tmpdir(), 'gitset-helm-exec-')));
const credentials = join(work, 'credentials');
let sim: SimCluster;

before(async () => {
  sim = await startSimCluster({ namespace: 'aws', name: 'eks1' });
});

after(async () => {
  await sim?.close();
  rmSync(work, { recursive: true, force: true });
});

test('helm installs with an exec-plugin kubeconfig from the flat layout, the plugin seeing what the prober\'s sees', async () => {
  const plugin = new FakePlugin(join(work, 'plugin'));
  plugin.set({ token: 'helm-token', expirationTimestamp: new Date(Date.now() + 3_600_000).toISOString() });
  sim.server.grantToken('helm-token');
  const exec = { apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never', command: process.execPath, args: [plugin.script], provideClusterInfo: true };
  writeCredential(credentials, 'aws.eks1.kubeconfig', kubeconfigYaml({ server: sim.url, caPem: sim.caPem, user: { exec } }));
  const kubeconfig = kubeconfigPathFor(credentials, sveltosCluster('aws', 'eks1'));
  const helmPath = (await resolveHelm({ env: process.env, projectRoot: root })).path;
  const env = helmEnvironment(work, { PATH: process.env.PATH, HOME: work, AWS_ROLE_ARN: 'arn:aws:iam::1:role/gitset', AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks/token', AWS_SECRET_ACCESS_KEY: 'static-key', GITSET_GIT_TOKEN: 'git-secret' });
  const ctx = { helmPath, env, timeoutMs: 60_000 };
  const chart = join(root, 'charts', 'hello');
  await runHelm(ctx, { action: 'upgrade-install', args: ['upgrade', '--install', 'greet', chart, '-n', 'apps', '--create-namespace', '--kubeconfig', kubeconfig] });
  const listed = await runHelm(ctx, { action: 'version', args: ['list', '-n', 'apps', '-o', 'json', '--kubeconfig', kubeconfig] });
  assert.deepEqual((JSON.parse(listed.stdout) as Array<{ name: string; status: string }>).map((r) => [r.name, r.status]), [['greet', 'deployed']]);
  assert.ok(sim.get('/api/v1/namespaces/apps/configmaps/greet-hello'));
  const runs = plugin.runs();
  assert.ok(runs.length >= 1);
  assert.deepEqual(runs[0]!.env, { AWS_ROLE_ARN: 'arn:aws:iam::1:role/gitset', AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks/token' }, 'IRSA passes; static secrets and gitset\'s own do not');
  assert.equal(runs[0]!.info.spec.cluster?.['server'], sim.url);
});
