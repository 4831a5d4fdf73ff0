// ConfigMaps and Secrets as policyRefs content: decoded, checked where a profile names them, and
// a Secret's content never quoted in a diagnostic.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests } from '../../src/load/index.ts';
import type { Diagnostic } from '../../src/model/diagnostics.ts';

const load = (files: Record<string, string>) => parseManifests(Object.entries(files).map(([path, text]) => ({ path, text })));
const where = (d: Diagnostic) => `${d.file}:${d.line}:${d.col} ${d.severity} ${d.code}`;
const b64 = (s: string) => Buffer.from(s).toString('base64');

const profile = (refs: string) => `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: web
spec:
  clusterSelector:
    matchLabels: {env: prod}
  policyRefs:
${refs}`;

const SECRET_MANIFEST = 'apiVersion: v1\nkind: Secret\nmetadata: {name: token, namespace: apps}\nstringData: {token: hunter2}\n';

describe('policyRefs content in the repository', () => {
  test('a ConfigMap and a Secret of Sveltos type load, Secret data decoded and stringData laid over it', () => {
    const repo = load({
      'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: default}\ndata:\n  ns.yaml: |\n    apiVersion: v1\n    kind: Namespace\n    metadata: {name: web}\n',
      'secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: default}\ntype: addons.projectsveltos.io/cluster-profile\ndata:\n  a.yaml: ${b64(SECRET_MANIFEST)}\nstringData:\n  b.json: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"}}'\n`,
      'p.yaml': profile('  - {kind: ConfigMap, namespace: default, name: web}\n  - {kind: Secret, namespace: default, name: creds}\n'),
    });
    assert.deepEqual(repo.diagnostics.map(where), []);
    assert.deepEqual(repo.sources.map((s) => `${s.kind}/${s.metadata.namespace}/${s.metadata.name}`), ['ConfigMap/default/web', 'Secret/default/creds']);
    assert.deepEqual(repo.sources[1]!.data, { 'a.yaml': SECRET_MANIFEST, 'b.json': '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"}}' });
  });

  test('a policyRefs entry naming a missing ConfigMap is an error at the entry; Local is a warning; optional may be missing', () => {
    const repo = load({ 'p.yaml': profile('  - kind: ConfigMap\n    namespace: default\n    name: nowhere\n  - {kind: ConfigMap, namespace: default, name: there, deploymentType: Local}\n  - {kind: Secret, namespace: default, name: maybe, optional: true}\n') });
    const found = repo.diagnostics.filter((d) => d.code !== 'unsupported-field' || d.severity !== 'info');
    assert.deepEqual(found.map((d) => `${where(d)} ${d.field}`), ['p.yaml:9:5 error dangling-policy-ref spec.policyRefs[0]', 'p.yaml:12:5 warning unsupported-field spec.policyRefs[1].deploymentType']);
    assert.match(found[0]!.message, /ConfigMap\/default\/nowhere, which is not defined in the repository/);
    assert.match(found[1]!.message, /no management cluster/);
  });

  test('a Secret of another type is a warning and not used; its reference is then dangling', () => {
    const repo = load({
      's.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: default}\ntype: Opaque\ndata:\n  a.yaml: ${b64(SECRET_MANIFEST)}\n`,
      'p.yaml': profile('  - {kind: Secret, namespace: default, name: creds}\n'),
    });
    assert.deepEqual(repo.diagnostics.map(where), ['p.yaml:9:5 error dangling-policy-ref', 's.yaml:4:7 warning bad-policy-content']);
    assert.match(repo.diagnostics[1]!.message, /addons\.projectsveltos\.io\/cluster-profile/);
    assert.equal(repo.sources.length, 0);
  });

  test('content that is not manifests is an error at its data key, only once a profile names it, and quotes nothing', () => {
    const files = {
      's.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: default}\ntype: addons.projectsveltos.io/cluster-profile\nstringData:\n  ok.yaml: |\n    apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: x}\n  bad.yaml: "password: hunter2"\n`,
    };
    assert.deepEqual(load(files).diagnostics, [], 'not named by any profile: not checked');
    const repo = load({ ...files, 'p.yaml': profile('  - {kind: Secret, namespace: default, name: creds}\n') });
    assert.deepEqual(repo.diagnostics.map((d) => `${where(d)} ${d.field}`), ['s.yaml:10:3 error bad-policy-content data.bad.yaml']);
    assert.match(repo.diagnostics[0]!.message, /data key "bad\.yaml": a manifest has no apiVersion/);
    assert.doesNotMatch(repo.diagnostics[0]!.message, /hunter2/);
  });

  test('templated content is not parsed before it is rendered', () => {
    const repo = load({
      'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: default\n  annotations: {projectsveltos.io/template: "true"}\ndata:\n  a.yaml: "{{ .Cluster.metadata.name }}"\n',
      'p.yaml': profile('  - {kind: ConfigMap, namespace: default, name: web}\n'),
    });
    assert.deepEqual(repo.diagnostics, []);
    assert.equal(repo.sources[0]!.templated, true);
  });
});
