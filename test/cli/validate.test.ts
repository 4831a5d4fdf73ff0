// `gitset validate` reads the status folder too: unreadable status files and files for objects the
// repository does not have are warnings with their path, never an error (status files are reports).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.ts';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'example-repo');
const dir = mkdtempSync(join(tmpdir(), 'gitset-validate-status-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function repoWith(name: string, files: Record<string, string>): string {
  const root = join(dir, name);
  cpSync(EXAMPLE, root, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const GHOST = `kind: ClusterProfile
metadata:
  name: ghost
spec: {}
status:
  matchingClusters: []
  clusters:
    - cluster: civo/cluster1
      releases:
        - {releaseNamespace: kube-system, releaseName: coredns, chart: coredns, chartVersion: 1.0.0, state: Deployed}
`;

test('the example repository: its status files raise nothing', async () => {
  const r = await runCli(['validate', '.'], { cwd: EXAMPLE });
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^valid: 0 errors, 0 warnings/m);
});

test('a forged status file, a broken one and a misplaced one: warnings with their path, exit 0', async () => {
  const root = repoWith('forged', {
    'status/ClusterProfile/ghost.yaml': GHOST,
    'status/ClusterSet/broken.yaml': 'kind: [unclosed\n',
    'status/ClusterProfile/other.yaml': GHOST.replace('name: ghost', 'name: hello'),
    'status/SveltosCluster/civo/cluster9.yaml': 'kind: SveltosCluster\nmetadata: {name: cluster9, namespace: civo}\nspec: {}\nstatus: {ready: true}\n',
  });
  const r = await runCli(['validate', '.', '--format', 'json'], { cwd: root });
  assert.equal(r.code, 0, r.out + r.err);
  const found = (JSON.parse(r.out) as { diagnostics: Array<{ file: string; severity: string; code: string; object?: string }> }).diagnostics;
  assert.deepEqual(
    found.map((d) => [d.file, d.severity, d.code, d.object ?? '']),
    [
      ['status/ClusterProfile/ghost.yaml', 'warning', 'status-unknown-object', 'ClusterProfile/ghost'],
      ['status/ClusterProfile/other.yaml', 'warning', 'status-misplaced', 'ClusterProfile/hello'],
      ['status/ClusterSet/broken.yaml', 'warning', 'status-unreadable', ''],
      ['status/SveltosCluster/civo/cluster9.yaml', 'warning', 'status-unknown-object', 'SveltosCluster/civo/cluster9'],
    ],
  );
  const text = await runCli(['validate', '.'], { cwd: root });
  assert.equal(text.code, 0);
  assert.match(text.out, /^status\/ClusterProfile\/ghost\.yaml:1:1 warning status file for ClusterProfile\/ghost, which is not in the repository/m);
  assert.match(text.out, /^valid: 0 errors, 4 warnings/m);
});

test('--status-dir names the folder read as status, and the paths shown', async () => {
  const root = repoWith('moved', { 'state/ClusterProfile/ghost.yaml': GHOST });
  const r = await runCli(['validate', '.', '--status-dir', 'state', '--format', 'json'], { cwd: root });
  const found = (JSON.parse(r.out) as { diagnostics: Array<{ file: string; code: string }> }).diagnostics.filter((d) => d.code.startsWith('status-'));
  assert.deepEqual(found.map((d) => d.file), ['state/ClusterProfile/ghost.yaml']);
});
