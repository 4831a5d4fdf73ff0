// `gitset plan` and `gitset validate` on dependsOn and the paused annotation: the wait, the pause
// and a cycle are what a pull request's reviewer reads.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'gitset-plan-depends-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const profile = (name: string, extra: string) => `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: ${name}
${extra}spec:
  clusterSelector: {matchLabels: {env: prod}}
  helmCharts:
  - {repositoryURL: https://charts.example.com, repositoryName: ex, chartName: ex/${name}, chartVersion: 1.0.0, releaseName: ${name}, releaseNamespace: ${name}}
`;

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmp, 'repo-'));
  mkdirSync(join(dir, 'profiles'));
  writeFileSync(join(dir, 'cluster.yaml'), 'apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: c1, namespace: civo, labels: {env: prod}}\nspec: {}\n');
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

test('plan: the dependent waits for its prerequisite, a paused profile says so', async () => {
  const dir = repo({
    'profiles/kyverno.yaml': profile('kyverno', ''),
    'profiles/policies.yaml': profile('policies', '').replace('spec:\n', 'spec:\n  dependsOn: [kyverno]\n'),
    'profiles/frozen.yaml': profile('frozen', '  annotations: {profile.projectsveltos.io/paused: "true"}\n'),
  });
  const r = await runCli(['plan', dir], { cwd: dir });
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /Plan: 1 install, 0 upgrades, 0 uninstalls, 2 not run now/);
  assert.match(r.out, /wait policies\/policies on civo\/c1 \(ClusterProfile\/policies\): install held back: waiting for profile ClusterProfile\/kyverno to be deployed on civo\/c1 \(dependsOn\)/);
  assert.match(r.out, /ClusterProfile\/frozen matches civo\/c1\n {4}profile paused \(annotation profile\.projectsveltos\.io\/paused\): nothing is installed, upgraded or withdrawn for it/);
});

test('validate: a dependency cycle fails, each entry named with its place', async () => {
  const dir = repo({
    'profiles/a.yaml': profile('a', '').replace('spec:\n', 'spec:\n  dependsOn: [b]\n'),
    'profiles/b.yaml': profile('b', '').replace('spec:\n', 'spec:\n  dependsOn: [a]\n'),
  });
  const r = await runCli(['validate', dir], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.out + r.err, /profiles\/a\.yaml:6:\d+ error ClusterProfile\/a: spec\.dependsOn\[0\] closes a dependency cycle: ClusterProfile\/a \(profiles\/a\.yaml:6:\d+\) → ClusterProfile\/b \(profiles\/b\.yaml:6:\d+\) → ClusterProfile\/a/);
});
