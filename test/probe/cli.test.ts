// `gitset probe`, run in-process on a repository of three clusters, one of them simulated.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../cli/run-cli.ts';
import { startSimCluster, type SimCluster } from '../../src/sim/index.ts';

const base = mkdtempSync(join(tmpdir(), 'gitset-probe-cli-'));
const repo = join(base, 'repo');
const credentials = join(base, 'credentials');
let sim: SimCluster;

function clusterYaml(name: string, spec: string): string {
  return `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata:\n  namespace: civo\n  name: ${name}\n  labels:\n    env: prod\nspec:\n${spec}`;
}

before(async () => {
  sim = await startSimCluster({ namespace: 'civo', name: 'cluster1', version: 'v1.29.2+k3s1' });
  await sim.writeKubeconfig(join(credentials, 'civo', 'cluster1.kubeconfig'));
  await sim.writeKubeconfig(join(credentials, 'civo', 'cluster3.kubeconfig')); // paused, and probed all the same
  mkdirSync(join(repo, 'clusters'), { recursive: true });
  writeFileSync(
    join(repo, 'clusters', 'civo.yaml'),
    [
      clusterYaml('cluster1', '  consecutiveFailureThreshold: 3\n'),
      clusterYaml('cluster2', '  consecutiveFailureThreshold: 3\n'),
      clusterYaml('cluster3', '  paused: true\n'),
    ].join('---\n'),
  );
});

after(async () => {
  await sim?.close();
  rmSync(base, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await runCli(argv, { cwd: base });
  return { code: r.code, stdout: r.out, stderr: r.err };
}

describe('gitset probe', () => {
  test('reports every cluster as JSON; down clusters do not fail the command', async () => {
    const r = await run('probe', 'repo', '--credentials', 'credentials', '--format', 'json', '--timeout', '2s');
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(
      rows.map(({ durationMs: _, ...rest }) => rest),
      [
        { namespace: 'civo', name: 'cluster1', ready: true, version: 'v1.29.2+k3s1' },
        { namespace: 'civo', name: 'cluster2', ready: false, message: 'kubeconfig not found: civo/cluster2.kubeconfig (nor civo.cluster2.kubeconfig)' },
        { namespace: 'civo', name: 'cluster3', paused: true, ready: true, version: 'v1.29.2+k3s1', message: 'paused' },
      ],
    );
  });

  test('prints a table like kubectl get sveltoscluster, with the failure message', async () => {
    const r = await run('probe', join(base, 'repo'), '--credentials', credentials, '--concurrency', '2');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n').map((l) => l.split(/\s{2,}/));
    assert.deepEqual(lines, [
      ['NAMESPACE', 'NAME', 'READY', 'VERSION', 'MESSAGE'],
      ['civo', 'cluster1', 'true', 'v1.29.2+k3s1'],
      ['civo', 'cluster2', 'false', 'kubeconfig not found: civo/cluster2.kubeconfig (nor civo.cluster2.kubeconfig)'],
      ['civo', 'cluster3', 'true', 'v1.29.2+k3s1', 'paused'],
    ]);
  });

  test('takes the credentials directory from GITSET_CREDENTIALS', async () => {
    const r = await runCli(['probe', '--format', 'json'], { cwd: repo, env: { GITSET_CREDENTIALS: credentials } });
    assert.equal(r.code, 0);
    assert.equal((JSON.parse(r.out) as Array<{ ready?: boolean }>)[0]?.ready, true);
  });

  test('a repository that cannot be read is an error; so are bad flags', async () => {
    assert.equal((await run('probe', 'nowhere', '--credentials', 'credentials')).code, 1);
    const noCreds = await run('probe', 'repo', '--credentials', 'absent');
    assert.equal(noCreds.code, 2);
    assert.match(noCreds.stderr, /credentials directory not found/);
    assert.equal((await run('probe', 'repo', '--credentials', 'credentials', '--timeout', '5')).code, 2);
    assert.equal((await run('probe', 'repo', '--credentials', 'credentials', '--concurrency', '0')).code, 2);
    assert.equal((await run('probe', 'repo', '--credentials', 'credentials', '--format', 'yaml')).code, 2);
  });
});
