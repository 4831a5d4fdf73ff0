import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderShow } from '../../src/cli/tables.ts';

import { runCli, type CliRun } from './run-cli.ts';

const ROOT = join(import.meta.dirname, '..', '..');

const run = (args: string[]): Promise<CliRun> => runCli(args, { cwd: ROOT });

test('show addons: the sveltosctl table from the committed status', async () => {
  const r = await run(['show', 'addons', 'example-repo']);
  assert.equal(r.code, 0);
  const lines = r.out.trimEnd().split('\n');
  assert.match(lines[1]!, /^\| CLUSTER +\| RESOURCE TYPE \| NAMESPACE \| NAME +\| VERSION \| TIME +\| PROFILES +\| STATE +\| HEALTH \|$/);
  assert.match(lines[3]!, /^\| civo\/cluster2 \| helm chart +\| hello +\| hello \| 0\.1\.0 +\| 2024-03-13 09:27:46 \+0000 UTC \| ClusterProfile\/hello \| Deployed \| - +\|$/);
  assert.equal(lines.length, 5, 'one release, framed');
});

test('show clusters and show sets, as JSON', async () => {
  const clusters = JSON.parse((await run(['show', 'clusters', 'example-repo', '--format', 'json'])).out);
  assert.deepEqual(clusters, [
    { namespace: 'civo', name: 'cluster1', ready: true, version: 'v1.29.2+k3s1', message: '' },
    { namespace: 'civo', name: 'cluster2', ready: true, version: 'v1.28.7+k3s1', message: '' },
  ]);
  const sets = JSON.parse((await run(['show', 'sets', 'example-repo', '--format', 'json'])).out);
  assert.deepEqual(sets, [{ name: 'ClusterSet/prod', matching: ['civo/cluster1', 'civo/cluster2'], selected: ['civo/cluster2'], max: 1 }]);
});

test('tables come from a list of files, e.g. those of any commit; a down cluster says why', () => {
  const files = [
    {
      path: 'SveltosCluster/civo/cluster1.yaml',
      text: 'kind: SveltosCluster\nmetadata: {name: cluster1, namespace: civo}\nspec: {}\nstatus: {ready: false, connectionFailures: 3, failureMessage: "401 Unauthorized", version: v1.29.2}\n',
    },
    { path: 'SveltosCluster/civo/cluster3.yaml', text: 'kind: SveltosCluster\nmetadata: {name: cluster3, namespace: civo}\nspec: {paused: true}\nstatus: {ready: false}\n' },
  ];
  const out = renderShow('clusters', files, 'text');
  assert.match(out, /\| civo +\| cluster1 \| false \| v1\.29\.2 \| 3 failed probes: 401 Unauthorized \|/);
  assert.match(out, /\| civo +\| cluster3 \| false \| +\| paused +\|/);
});

test('show addons: HEALTH after STATE, `-` when not observed; JSON carries it', () => {
  const profile = (name: string, releases: string): { path: string; text: string } => ({
    path: `ClusterProfile/${name}.yaml`,
    text: `kind: ClusterProfile\nmetadata: {name: ${name}}\nspec: {}\nstatus:\n  matchingClusters: []\n  clusters:\n  - cluster: civo/cluster1\n    releases:\n${releases}`,
  });
  const rel = (name: string, extra: string): string => `    - {releaseNamespace: ${name}, releaseName: ${name}, chart: ${name}, chartVersion: 1.0.0, state: Deployed${extra}}\n`;
  const files = [profile('p', rel('a', ', health: Degraded, healthMessage: "Deployment a/a: 0 of 1 replicas available"') + rel('b', '') + rel('c', ', health: Healthy'))];
  const lines = renderShow('addons', files, 'text').trimEnd().split('\n');
  assert.match(lines[1]!, /\| STATE +\| HEALTH +\|$/);
  assert.match(lines[3]!, /^\| civo\/cluster1 \| .* \| a +\| .* \| Deployed \| Degraded \|$/);
  assert.match(lines[4]!, /^\| civo\/cluster1 \| .* \| b +\| .* \| Deployed \| - +\|$/);
  assert.match(lines[5]!, /^\| civo\/cluster1 \| .* \| c +\| .* \| Deployed \| Healthy +\|$/);
  const json = JSON.parse(renderShow('addons', files, 'json')) as Array<{ name: string; health: string | null }>;
  assert.deepEqual(json.map((r) => [r.name, r.health]), [['a', 'Degraded'], ['b', null], ['c', 'Healthy']]);
});

test('no status folder yet: empty tables, not an error', async () => {
  const r = await run(['show', 'addons', 'test', '--format', 'json']);
  assert.equal(r.code, 0);
  assert.equal(r.out, '[]\n');
});

test('an unreadable status file is named on stderr and left out; the table still prints', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitset-show-'));
  try {
    cpSync(join(ROOT, 'example-repo'), dir, { recursive: true });
    writeFileSync(join(dir, 'status', 'ClusterProfile', 'broken.yaml'), 'kind: [unclosed\n');
    const r = await runCli(['show', 'addons', '.'], { cwd: dir });
    assert.equal(r.code, 0);
    assert.match(r.err, /^gitset show: ignoring status file ClusterProfile\/broken\.yaml: not valid YAML/m);
    assert.match(r.out, /\| civo\/cluster2 \| helm chart/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
