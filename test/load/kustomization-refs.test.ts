// Flux GitRepository objects and kustomizationRefs in the repository: loaded from Flux's own YAML,
// refused where gitset cannot fetch them (SSH, credentials in the URL) at file:line:field, and
// every kustomizationRefs entry checked against what the repository defines.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests } from '../../src/load/index.ts';
import type { Diagnostic } from '../../src/model/diagnostics.ts';

const load = (files: Record<string, string>) => parseManifests(Object.entries(files).map(([path, text]) => ({ path, text })));
const where = (d: Diagnostic) => `${d.file}:${d.line}:${d.col} ${d.severity} ${d.code} ${d.field}`;

const gitRepo = (spec: string, name = 'apps') => `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: ${name}
  namespace: flux-system
spec:
${spec}`;

const profile = (refs: string) => `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: web
spec:
  clusterSelector:
    matchLabels: {env: prod}
  kustomizationRefs:
${refs}`;

describe('Flux sources in the repository', () => {
  test('a GitRepository loads with its url, ref, secretRef and interval', () => {
    const repo = load({ 'src.yaml': gitRepo('  interval: 5m\n  url: https://git.example.com/apps.git\n  ref: {tag: v1.2.0}\n  secretRef: {name: apps-auth}\n') });
    assert.deepEqual(repo.diagnostics.map(where), []);
    assert.deepEqual(repo.fluxSources?.map((s) => [s.kind, s.metadata, s.spec]), [
      ['GitRepository', { name: 'apps', namespace: 'flux-system' }, { url: 'https://git.example.com/apps.git', ref: { tag: 'v1.2.0' }, secretRef: { name: 'apps-auth' }, interval: '5m' }],
    ]);
  });

  test('what gitset cannot fetch is an error at the field: SSH, credentials in the URL, a short commit, a bad interval', () => {
    const repo = load({
      'a.yaml': gitRepo('  url: ssh://git@github.com/acme/apps\n', 'a'),
      'b.yaml': gitRepo('  url: https://user:pw@git.example.com/apps.git\n', 'b'),
      'c.yaml': gitRepo('  url: https://git.example.com/apps.git\n  ref:\n    commit: abc123\n  interval: often\n', 'c'),
      'd.yaml': gitRepo('  ref: {branch: main}\n', 'd'),
    });
    assert.deepEqual(repo.diagnostics.map(where), [
      'a.yaml:7:8 error bad-flux-source spec.url',
      'b.yaml:7:8 error bad-flux-source spec.url',
      'c.yaml:9:13 error bad-flux-source spec.ref.commit',
      'c.yaml:10:13 error bad-flux-source spec.interval',
      'd.yaml:6:1 error bad-flux-source spec.url',
    ]);
    assert.match(repo.diagnostics[0]!.message, /SSH URLs are not supported/);
    assert.doesNotMatch(repo.diagnostics[1]!.message, /pw/, 'the password is never repeated');
    assert.deepEqual(repo.fluxSources, [], 'a source with an error is not used');
  });

  test('fields that change what Flux fetches and gitset does not honour are warnings', () => {
    const repo = load({ 'src.yaml': gitRepo('  url: https://git.example.com/apps.git\n  recurseSubmodules: true\n') });
    assert.deepEqual(repo.diagnostics.map(where), ['src.yaml:8:3 warning bad-flux-source spec.recurseSubmodules']);
  });
});

describe('kustomizationRefs against the repository', () => {
  const source = gitRepo('  url: https://git.example.com/apps.git\n');
  test('an entry naming a GitRepository of the repository is clean; one naming none is dangling at the entry', () => {
    const repo = load({
      'src.yaml': source,
      'p.yaml': profile('  - {kind: GitRepository, namespace: flux-system, name: apps, path: ./web, targetNamespace: eng}\n  - kind: GitRepository\n    namespace: flux-system\n    name: gone\n  - {kind: GitRepository, namespace: flux-system, name: maybe, optional: true}\n'),
    });
    assert.deepEqual(repo.diagnostics.map(where), ['p.yaml:10:5 error dangling-kustomization-ref spec.kustomizationRefs[1]']);
    assert.match(repo.diagnostics[0]!.message, /GitRepository\/flux-system\/gone, which is not defined in the repository/);
  });

  test('a path or component leading out of the source, and bad field types, are errors at the field', () => {
    const repo = load({
      'src.yaml': source,
      'p.yaml': profile('  - kind: GitRepository\n    namespace: flux-system\n    name: apps\n    path: ../../etc\n  - kind: GitRepository\n    namespace: flux-system\n    name: apps\n    path: web\n    components: [../../..]\n    values: {a: 1}\n'),
    });
    assert.deepEqual(repo.diagnostics.map(where), [
      'p.yaml:12:11 error bad-kustomization-ref spec.kustomizationRefs[0].path',
      'p.yaml:17:17 error bad-kustomization-ref spec.kustomizationRefs[1].components[0]',
      'p.yaml:18:13 error bad-kustomization-ref spec.kustomizationRefs[1].values',
    ]);
  });

  test('a ConfigMap source must carry kustomize.tar.gz in binaryData; OCIRepository and Local are warnings', () => {
    const repo = load({
      'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain, namespace: default}\ndata: {a: b}\n',
      'p.yaml': profile('  - {kind: ConfigMap, namespace: default, name: plain}\n  - {kind: OCIRepository, namespace: default, name: oci}\n  - {kind: GitRepository, namespace: flux-system, name: apps, deploymentType: Local}\n'),
    });
    assert.deepEqual(repo.diagnostics.map(where), [
      'p.yaml:9:5 error bad-kustomization-ref spec.kustomizationRefs[0]',
      'p.yaml:10:5 info unsupported-field spec.kustomizationRefs[1]',
      'p.yaml:10:12 warning unsupported-field spec.kustomizationRefs[1].kind',
      'p.yaml:11:5 info unsupported-field spec.kustomizationRefs[2]',
      'p.yaml:11:79 warning unsupported-field spec.kustomizationRefs[2].deploymentType',
    ]);
  });

  test('a policyRefs entry naming a GitRepository is acted on; one the repository lacks is dangling', () => {
    const policy = (name: string) => `apiVersion: config.projectsveltos.io/v1beta1\nkind: ClusterProfile\nmetadata: {name: raw}\nspec:\n  clusterSelector: {matchLabels: {env: prod}}\n  policyRefs:\n  - {kind: GitRepository, namespace: flux-system, name: ${name}, path: manifests}\n`;
    assert.deepEqual(load({ 'src.yaml': source, 'p.yaml': policy('apps') }).diagnostics.map(where), []);
    assert.deepEqual(load({ 'src.yaml': source, 'p.yaml': policy('gone') }).diagnostics.map(where), ['p.yaml:7:5 error dangling-policy-ref spec.policyRefs[0]']);
  });
});
