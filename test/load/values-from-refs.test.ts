// `validate` on helmCharts[].valuesFrom: an entry naming a ConfigMap/Secret the repository does
// not define is an error at the entry (file:line:col, field), data that is not helm values is an
// error at the data key, and a Secret's content is never quoted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests } from '../../src/load/index.ts';
import { templateProblems } from '../../src/plan/template-check.ts';
import type { Diagnostic } from '../../src/model/diagnostics.ts';

const load = (files: Record<string, string>) => parseManifests(Object.entries(files).map(([path, text]) => ({ path, text })));
const where = (d: Diagnostic) => `${d.file}:${d.line}:${d.col} ${d.severity} ${d.code} ${d.field}`;

const profile = (entries: string) => `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: web
spec:
  clusterSelector:
    matchLabels: {env: prod}
  helmCharts:
  - repositoryURL: https://charts.example.com
    repositoryName: example
    chartName: example/web
    chartVersion: 1.0.0
    releaseName: web
    releaseNamespace: web
    valuesFrom:
${entries}`;

test('dangling valuesFrom entries are errors at the entry; optional and templated ones are not', () => {
  const repo = load({
    'p.yaml': profile(
      [
        '    - {kind: ConfigMap, namespace: default, name: there}',
        '    - {kind: ConfigMap, namespace: default, name: nowhere}',
        '    - {kind: Secret, namespace: default, name: maybe, optional: true}',
        '    - {kind: ConfigMap, name: "{{ .Cluster.metadata.name }}"}',
        '    - {kind: ConfigMap, name: in-cluster-namespace}',
        '',
      ].join('\n'),
    ),
    'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: there, namespace: default}\ndata:\n  values.yaml: "replicas: 2"\n',
  });
  assert.deepEqual(repo.diagnostics.map(where), [
    'p.yaml:17:7 error dangling-values-from spec.helmCharts[0].valuesFrom[1]',
    'p.yaml:20:7 error dangling-values-from spec.helmCharts[0].valuesFrom[4]',
  ]);
  assert.match(repo.diagnostics[0]!.message, /ConfigMap\/default\/nowhere, which is not defined in the repository/);
  assert.match(repo.diagnostics[1]!.message, /in each matched cluster's namespace/);
});

test('data that is not helm values is an error at the data key, a Secret\'s never quoted', () => {
  const secret = Buffer.from('- hunter2\n').toString('base64');
  const repo = load({
    'p.yaml': profile('    - {kind: ConfigMap, namespace: default, name: list}\n    - {kind: Secret, namespace: default, name: creds}\n'),
    'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: list, namespace: default}\ndata:\n  values.yaml: "- a\\n- b"\n',
    's.yaml': `apiVersion: v1\nkind: Secret\ntype: addons.projectsveltos.io/cluster-profile\nmetadata: {name: creds, namespace: default}\ndata:\n  values.yaml: ${secret}\n`,
  });
  assert.deepEqual(repo.diagnostics.map(where), ['cm.yaml:5:3 error bad-values-content data.values.yaml', 's.yaml:6:3 error bad-values-content data.values.yaml']);
  for (const d of repo.diagnostics) assert.match(d.message, /helm values must be a YAML mapping/);
  assert.doesNotMatch(JSON.stringify(repo.diagnostics), /hunter2/);
});

test('registryCredentialsConfig and provenanceVerification are typed; signatureVerification is a warning', () => {
  const bad = load({ 'p.yaml': profile('    []\n').replace('    valuesFrom:\n    []\n', '    registryCredentialsConfig:\n      key: ../../etc/passwd\n      credentials: {name: regcred}\n    provenanceVerification: {}\n') });
  assert.deepEqual(bad.diagnostics.filter((d) => d.severity === 'error').map((d) => d.field), ['spec.helmCharts[0].registryCredentialsConfig.key', 'spec.helmCharts[0].provenanceVerification.keyringSecretRef']);
  const cosign = load({ 'p.yaml': profile('    []\n').replace('    valuesFrom:\n    []\n', '    signatureVerification: {provider: Keyless}\n') });
  assert.deepEqual(cosign.diagnostics.map(where), ['p.yaml:15:5 warning unsupported-field spec.helmCharts[0].signatureVerification']);
  assert.match(cosign.diagnostics[0]!.message, /never installed unverified/);
  // A registry config serves oci:// charts; this entry's repository is https://.
  const https = load({ 'p.yaml': profile('    []\n').replace('    valuesFrom:\n    []\n', '    registryCredentialsConfig:\n      credentials: {name: regcred}\n') });
  assert.deepEqual(https.diagnostics.map(where), ['p.yaml:16:7 warning unsupported-field spec.helmCharts[0].registryCredentialsConfig.credentials']);
});

test('an entry resolved per cluster is checked for every cluster the profile can reach', () => {
  const cluster = (name: string) => `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: ${name}, namespace: civo, labels: {env: prod}}\nspec: {}\n`;
  const repo = load({
    'c1.yaml': cluster('cluster1'),
    'c2.yaml': cluster('cluster2'),
    'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: values-cluster1, namespace: civo}\ndata:\n  v.yaml: "a: 1"\n',
    'p.yaml': profile('    - {kind: ConfigMap, name: "values-{{ .Cluster.metadata.name }}"}\n    - {kind: ConfigMap, name: "opt-{{ .Cluster.metadata.name }}", optional: true}\n'),
  });
  assert.deepEqual(repo.diagnostics.map(where), []);
  const found = templateProblems(repo);
  assert.deepEqual(found.map(where), ['p.yaml:16:7 error dangling-values-from spec.helmCharts[0].valuesFrom[0]']);
  assert.match(found[0]!.message, /cannot be resolved for 1 of the 2 clusters the profile can reach: civo\/cluster2 \(ConfigMap\/civo\/values-cluster2 is not in the repository/);
});
