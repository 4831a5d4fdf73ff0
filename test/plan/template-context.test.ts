// templateResourceRefs resolved from the repository, as Sveltos resolves them on its management
// cluster: name and namespace rendered over the cluster, the namespace defaulting to the
// cluster's (a Profile: its own), the object as the API server would return it; `.Cluster`
// carries the status gitset records, in SveltosCluster's field names.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests } from '../../src/load/index.ts';
import { indexRepositoryObjects } from '../../src/load/repository-objects.ts';
import type { ProfileObject, SveltosCluster } from '../../src/model/objects.ts';
import { templateCluster, templateContext, type ContextResult } from '../../src/plan/template-context.ts';
import { renderTemplate } from '../../src/plan/template.ts';

const CLUSTER = `apiVersion: lib.projectsveltos.io/v1beta1
kind: SveltosCluster
metadata: {name: cluster1, namespace: civo, labels: {environment: prod}}
spec: {}
`;

const OBJECTS = [
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kyverno-prod-version, namespace: default}\ndata: {chartVersion: v3.3.3}\n`,
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster1, namespace: civo}\ndata: {values: "replicas: 3"}\n`,
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: no-namespace}\ndata: {a: "1"}\n`,
  `apiVersion: v1\nkind: Secret\nmetadata: {name: autoscaler, namespace: default}\nstringData: {token: s3cr3t-token-value}\n`,
  `apiVersion: cluster.x-k8s.io/v1beta1\nkind: Cluster\nmetadata: {name: cluster1, namespace: civo}\nspec: {clusterNetwork: {pods: {cidrBlocks: [192.168.0.0/16]}}}\nstatus: {phase: Provisioned}\n`,
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}\nrules: []\n`,
];

function load(profile: string) {
  const repo = parseManifests([
    { path: 'c.yaml', text: CLUSTER },
    { path: 'p.yaml', text: profile },
    ...OBJECTS.map((text, i) => ({ path: `o${i}.yaml`, text })),
  ]);
  return { repo, cluster: repo.clusters[0]! as SveltosCluster, profile: repo.profiles[0]! as ProfileObject, objects: indexRepositoryObjects(repo.objects) };
}

function refs(entries: string, kind = 'ClusterProfile', namespace = ''): string {
  return `apiVersion: config.projectsveltos.io/v1beta1\nkind: ${kind}\nmetadata: {name: p${namespace ? `, namespace: ${namespace}` : ''}}\nspec:\n  clusterSelector: {matchLabels: {environment: prod}}\n  templateResourceRefs:\n${entries}`;
}

function resolve(entries: string, kind?: string, namespace?: string): ContextResult {
  const { cluster, profile, objects } = load(refs(entries, kind, namespace));
  return templateContext(profile, cluster, undefined, objects);
}

function ok(r: ContextResult) {
  assert.equal(r.error, undefined);
  return r.context!;
}

describe('templateResourceRefs resolution', () => {
  test('a name rendered over the cluster, in the namespace written', () => {
    const c = ok(resolve(`  - resource: {apiVersion: v1, kind: ConfigMap, namespace: default, name: 'kyverno-{{ index .Cluster.metadata.labels "environment" }}-version'}\n    identifier: Version\n`));
    assert.equal(renderTemplate('{{ (getResource "Version").data.chartVersion }}', c.cluster, c.resources), 'v3.3.3');
  });

  test('without a namespace, a ClusterProfile reads the cluster\'s namespace (.ClusterName and .ClusterNamespace work in names)', () => {
    const c = ok(resolve(`  - resource: {apiVersion: v1, kind: ConfigMap, name: '{{ .ClusterName }}'}\n    identifier: ConfigData\n  - resource: {apiVersion: cluster.x-k8s.io/v1beta2, kind: Cluster, name: '{{ .Cluster.metadata.name }}', namespace: '{{ .ClusterNamespace }}'}\n    identifier: Cluster\n`));
    assert.equal(renderTemplate('{{ (getResource "ConfigData").data.values }}', c.cluster, c.resources), 'replicas: 3');
    // The API server serves every version of a group: v1beta2 finds the object written as v1beta1.
    assert.equal(renderTemplate('{{ index (getResource "Cluster").spec.clusterNetwork.pods.cidrBlocks 0 }}', c.cluster, c.resources), '192.168.0.0/16');
  });

  test('a Profile reads its own namespace, whatever the entry says', () => {
    const r = resolve(`  - resource: {apiVersion: v1, kind: ConfigMap, namespace: default, name: cluster1}\n    identifier: ConfigData\n`, 'Profile', 'civo');
    assert.equal(renderTemplate('{{ (getResource "ConfigData").metadata.namespace }}', ok(r).cluster, ok(r).resources), 'civo');
  });

  test('an object written without a namespace is in default; a cluster-scoped kind has none', () => {
    const c = ok(resolve(`  - resource: {apiVersion: v1, kind: ConfigMap, namespace: default, name: no-namespace}\n    identifier: A\n  - resource: {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, name: reader}\n    identifier: R\n`));
    assert.equal(renderTemplate('{{ (getResource "A").metadata.namespace }} {{ (getResource "R").metadata.name }}', c.cluster, c.resources), 'default reader');
    assert.equal(renderTemplate('{{ hasKey (getResource "R").metadata "namespace" }}', c.cluster, c.resources), 'false');
  });

  test('a missing object: an error naming it, unless optional (then getResource finds nothing)', () => {
    const r = resolve(`  - resource: {apiVersion: v1, kind: ConfigMap, name: '{{ .Cluster.metadata.name }}-extra'}\n    identifier: Extra\n`);
    assert.equal(r.error, 'templateResourceRefs Extra: ConfigMap civo/cluster1-extra (v1) is not defined in the repository');
    const opt = ok(resolve(`  - resource: {apiVersion: v1, kind: ConfigMap, name: nothing}\n    identifier: Extra\n    optional: true\n`));
    assert.deepEqual(opt.resources, {});
    assert.equal(renderTemplate('{{ len (getResource "Extra") }}', opt.cluster, opt.resources), '0');
  });

  test('another group of the same kind is another object', () => {
    const r = resolve(`  - resource: {apiVersion: example.com/v1, kind: ConfigMap, namespace: default, name: no-namespace}\n    identifier: X\n`);
    assert.match(r.error!, /ConfigMap default\/no-namespace \(example.com\/v1\) is not defined/);
  });

  test('a name that does not render is the error, at its line and column', () => {
    const r = resolve(`  - resource: {apiVersion: v1, kind: ConfigMap, name: '{{ .Cluster.metadata.labels.zone }}'}\n    identifier: Z\n`);
    assert.match(r.error!, /^templateResourceRefs Z: the name or namespace does not render: template line 1, column 4: .*no entry for key "zone"/);
  });

  test('watchFields shows only those fields; ignoreStatusChanges hides the status, as in Sveltos', () => {
    const c = ok(resolve(`  - resource: {apiVersion: cluster.x-k8s.io/v1beta1, kind: Cluster, name: cluster1}\n    identifier: W\n    watchFields: [spec.clusterNetwork.pods, metadata.name, spec.nothing]\n  - resource: {apiVersion: cluster.x-k8s.io/v1beta1, kind: Cluster, name: cluster1}\n    identifier: I\n    ignoreStatusChanges: true\n`));
    assert.equal(renderTemplate('{{ toJson (getResource "W") }}', c.cluster, c.resources), '{"metadata":{"name":"cluster1"},"spec":{"clusterNetwork":{"pods":{"cidrBlocks":["192.168.0.0/16"]}}}}');
    assert.equal(renderTemplate('{{ hasKey (getResource "I") "status" }} {{ (getResource "I").kind }}', c.cluster, c.resources), 'false Cluster');
  });

  test('a Secret reads as the API server returns it (stringData in base64 data), and its values are redacted from messages', () => {
    const c = ok(resolve(`  - resource: {apiVersion: v1, kind: Secret, namespace: default, name: autoscaler}\n    identifier: AutoscalerSecret\n`));
    const token = Buffer.from('s3cr3t-token-value').toString('base64');
    assert.equal(renderTemplate('{{ (getResource "AutoscalerSecret").data.token }} {{ (getResource "AutoscalerSecret").type }} {{ hasKey (getResource "AutoscalerSecret") "stringData" }}', c.cluster, c.resources), `${token} Opaque false`);
    assert.equal(c.redact(`bad value "${token}" or s3cr3t-token-value`), 'bad value "<redacted>" or <redacted>');
  });
});

describe('.Cluster', () => {
  test('is the whole SveltosCluster, with status in SveltosCluster\'s field names', () => {
    const { cluster } = load(refs(''));
    const c = templateCluster(cluster, { ready: true, version: 'v1.29.2', connectionStatus: 'Healthy', lastTransitionTime: '2026-01-01T00:00:00Z' });
    assert.equal(renderTemplate('{{ .Cluster.kind }} {{ .Cluster.metadata.namespace }}/{{ .Cluster.metadata.name }} {{ .Cluster.status.version }} {{ .Cluster.status.ready }} {{ .Cluster.status.connectionStatus }}', c), 'SveltosCluster civo/cluster1 v1.29.2 true Healthy');
    assert.equal(renderTemplate('{{ toJson .Cluster.status }}', c), '{"connectionStatus":"Healthy","ready":true,"version":"v1.29.2"}', 'gitset\'s own fields are not shown');
    const down = templateCluster(cluster, { ready: false, connectionStatus: 'Down', connectionFailures: 3, failureMessage: 'timeout after 5s' });
    assert.equal(renderTemplate('{{ .Cluster.status.connectionFailures }} {{ .Cluster.status.failureMessage }}', down), '3 timeout after 5s');
  });
});

describe('templateResourceRefs in validate (loader)', () => {
  const errors = (entries: string) => load(refs(entries)).repo.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.col} ${d.code} ${d.field}`);
  test('a plain reference to an object the repository lacks is an error at the entry; optional and templated ones are not', () => {
    assert.deepEqual(errors(`  - resource: {apiVersion: v1, kind: Secret, namespace: default, name: nowhere}\n    identifier: S\n`), ['7:5 dangling-resource-ref spec.templateResourceRefs[0]']);
    assert.deepEqual(errors(`  - resource: {apiVersion: v1, kind: Secret, namespace: default, name: nowhere}\n    identifier: S\n    optional: true\n`), []);
    assert.deepEqual(errors(`  - resource: {apiVersion: v1, kind: Secret, name: '{{ .ClusterName }}-x'}\n    identifier: S\n`), []);
    assert.deepEqual(errors(`  - resource: {apiVersion: v1, kind: Secret, namespace: default, name: autoscaler}\n    identifier: S\n`), []);
  });

  test('a Secret of any type read by templateResourceRefs is no warning; other kinds are kept, said so', () => {
    const { repo } = load(refs(`  - resource: {apiVersion: v1, kind: Secret, namespace: default, name: autoscaler}\n    identifier: S\n`));
    assert.deepEqual(repo.diagnostics.filter((d) => d.severity !== 'info').map((d) => d.message), []);
    const kinds = repo.diagnostics.filter((d) => d.code === 'unknown-kind').map((d) => d.message);
    assert.deepEqual(kinds, ['kind Cluster (cluster.x-k8s.io/v1beta1) is not one gitset reads: not deployed; templateResourceRefs can name it', 'kind ClusterRole (rbac.authorization.k8s.io/v1) is not one gitset reads: not deployed; templateResourceRefs can name it']);
  });

  test('each entry needs apiVersion, kind, name and a unique identifier', () => {
    assert.deepEqual(errors(`  - resource: {kind: Secret, name: autoscaler}\n    identifier: S\n  - resource: {apiVersion: v1, kind: Secret, namespace: default, name: autoscaler}\n  - resource: {apiVersion: v1, kind: Secret, namespace: default, name: autoscaler}\n    identifier: T\n  - resource: {apiVersion: v1, kind: ConfigMap, namespace: default, name: no-namespace}\n    identifier: T\n`), [
      '7:5 schema spec.templateResourceRefs[0]',
      '9:5 schema spec.templateResourceRefs[1]',
      '12:5 schema spec.templateResourceRefs[3]',
    ]);
  });
});
