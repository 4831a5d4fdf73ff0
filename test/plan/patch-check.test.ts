// `validate` on patches: each bad entry is an error at its line, naming profile, entry and field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests } from '../../src/load/index.ts';
import { patchProblems } from '../../src/plan/patch-check.ts';

const clusters = ['a', 'b'].map((n) => `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: ${n}, namespace: civo, labels: {env: fv}}\nspec: {}\n`).join('---\n');
const PROFILE = `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata: {name: nginx}
spec:
  clusterSelector: {matchLabels: {env: fv}}
  patches:
  - patch: "apiVersion: apps/v1\\nkind: Deployment\\nmetadata: {name: web}\\nspec: {replicas: 2}"
  - patch: "- {op: replace, path: /spec/replicas, value: 3}"
    target: {kind: Deployment, name: "(a+)+"}
  patchesFrom:
  - {kind: ConfigMap, name: "{{ .Cluster.metadata.name }}-overrides", namespace: default}
  - {kind: ConfigMap, name: "{{ .Cluster.metadata.name }}-optional", namespace: default, optional: true}
`;
const overrides = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a-overrides, namespace: default}\ndata:\n  good: "patch: 'metadata: {labels: {x: y}}'\\ntarget: {kind: Deployment}"\n`;

test('bad inline patches and missing patchesFrom sources are errors at the entry; optional ones are not', () => {
  const repo = parseManifests([
    { path: 'clusters.yaml', text: clusters },
    { path: 'profile.yaml', text: PROFILE },
    { path: 'overrides.yaml', text: overrides },
  ]);
  const found = patchProblems(repo).map((d) => `${d.file}:${d.line} ${d.code} ${d.field} ${d.message}`);
  assert.deepEqual(found, [
    'profile.yaml:8 bad-patch spec.patches[1] ClusterProfile/nginx: patches[1].target.name: "(a+)+": a repeated group holds a repetition or an alternative, which can take exponential time',
    'profile.yaml:11 bad-patch spec.patchesFrom[0] ClusterProfile/nginx: patchesFrom[0]: ConfigMap/default/b-overrides is not in the repository (fails for 1 of the 2 clusters the profile can reach: civo/b)',
  ]);
});

test('a patchesFrom data key that is not a patch is an error naming the source and key', () => {
  const bad = overrides.replace("good: \"patch: 'metadata: {labels: {x: y}}'\\ntarget: {kind: Deployment}\"", 'bad: "- {op: add, path: /a, value: 1}"');
  const profile = PROFILE.replace(/  patches:\n(.|\n)*?  patchesFrom:/, '  patchesFrom:').replace('{{ .Cluster.metadata.name }}-overrides', 'a-overrides');
  const repo = parseManifests([
    { path: 'clusters.yaml', text: clusters },
    { path: 'profile.yaml', text: profile },
    { path: 'overrides.yaml', text: bad },
  ]);
  assert.deepEqual(patchProblems(repo).map((d) => d.message), [
    'ClusterProfile/nginx: patchesFrom[0] ConfigMap/default/a-overrides key "bad": a patch entry must be a mapping with patch and, optionally, target',
  ]);
});
