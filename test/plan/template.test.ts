import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTemplate, renderTemplate, TemplateError, type TemplateCluster } from '../../src/plan/template.ts';

const c: TemplateCluster = {
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'SveltosCluster',
  metadata: { name: 'cluster1', namespace: 'civo', labels: { region: 'lon1', 'k8s.io/tier': 'gold', 'k8s-version': 'v1.29.0' }, annotations: { owner: 'ops' } },
  spec: {
    kubeconfigName: 'cluster1-kubeconfig',
    controlPlaneEndpoint: { host: '10.0.0.1', port: 6443 },
    clusterNetwork: { pods: { cidrBlocks: ['192.168.0.0/16'] } },
  },
  status: { ready: true },
};

test('the documented Sveltos forms render cluster metadata', () => {
  assert.equal(renderTemplate('{{ .Cluster.metadata.name }}', c), 'cluster1');
  assert.equal(renderTemplate('ns: {{.Cluster.metadata.namespace}}', c), 'ns: civo');
  assert.equal(renderTemplate(`Region: '{{ index .Cluster.metadata.labels "region" }}'`, c), "Region: 'lon1'");
  assert.equal(renderTemplate('{{ index .Cluster.metadata.labels `k8s.io/tier` }}', c), 'gold');
  assert.equal(renderTemplate('{{ .Cluster.metadata.labels.region }}-{{ .Cluster.metadata.annotations.owner }}', c), 'lon1-ops');
  assert.equal(renderTemplate('{{ .Cluster.kind }}', c), 'SveltosCluster');
  assert.equal(renderTemplate('a: 1\n{{/* note */}}b: 2', c), 'a: 1\nb: 2');
  assert.equal(renderTemplate('x   {{- .Cluster.metadata.name -}}   y', c), 'xcluster1y');
  assert.equal(renderTemplate('no actions at all', c), 'no actions at all');
});

test('.Cluster is the whole SveltosCluster: spec and status too', () => {
  assert.equal(renderTemplate('{{ .Cluster.spec.controlPlaneEndpoint.host }}:{{ .Cluster.spec.controlPlaneEndpoint.port }}', c), '10.0.0.1:6443');
  assert.equal(renderTemplate('{{ range $cidr := .Cluster.spec.clusterNetwork.pods.cidrBlocks }}- {{ $cidr }}\n{{ end }}', c), '- 192.168.0.0/16\n');
  assert.equal(renderTemplate('{{ if .Cluster.status.ready }}up{{ end }}', c), 'up');
  const { status: _s, ...withoutStatus } = c;
  assert.throws(() => renderTemplate('{{ .Cluster.status.ready }}', withoutStatus), (e: unknown) => e instanceof TemplateError && e.code === 'template-missing-key');
});

test('a missing label: index gives "<no value>" as in Sveltos, a dotted path is an error naming the cluster', () => {
  assert.equal(renderTemplate('[{{ index .Cluster.metadata.labels "zone" }}]', c), '[<no value>]');
  assert.equal(renderTemplate('[{{ index .Cluster.metadata.labels "zone" | default "eu" }}]', c), '[eu]');
  assert.throws(
    () => renderTemplate('{{ .Cluster.metadata.labels.zone }}', c),
    (e: unknown) => e instanceof TemplateError && e.code === 'template-missing-key' && e.offset === 3 && /map has no entry for key "zone" \(cluster civo\/cluster1\)/.test(e.message),
  );
});

test('getResource reads the objects of templateResourceRefs, without what the API server adds', () => {
  const resources = { ConfigData: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster1', uid: 'u-1', resourceVersion: '7' }, data: { values: 'replicas: 3' } } };
  assert.equal(renderTemplate('{{ (getResource "ConfigData").data.values }}', c, resources), 'replicas: 3');
  assert.equal(renderTemplate('{{ (getResource "ConfigData").metadata | toJson }}', c, resources), '{"name":"cluster1"}');
  assert.equal(compileTemplate('{{ copy "ConfigData" }}').usesCluster, true, 'resources are per cluster');
});

test('errors carry a code, the offset and the template line and column', () => {
  const cases: Array<[string, string, number]> = [
    ['x {{ .Cluster.metadata.name', 'template-syntax', 2],
    ['{{ index .Cluster.metadata.labels "unterminated }}', 'template-syntax', 34],
    ['a: 1\nb: {{ nope }}', 'template-syntax', 11],
    ['{{ if }}{{ end }}', 'template-syntax', 6],
  ];
  for (const [text, code, offset] of cases) {
    assert.throws(
      () => compileTemplate(text),
      (e: unknown) => e instanceof TemplateError && e.code === code && e.offset === offset,
      text,
    );
  }
  assert.throws(() => compileTemplate('a: 1\nb: {{ nope }}'), /^TemplateError: template line 2, column 7: function "nope" not defined$/);
  assert.throws(() => renderTemplate('{{ now }}', c), (e: unknown) => e instanceof TemplateError && e.code === 'template-unsupported');
  assert.throws(() => renderTemplate('{{ upper .Cluster.spec.controlPlaneEndpoint.port }}', c), (e: unknown) => e instanceof TemplateError && e.code === 'template-render');
});

test('a template that reads nothing of the cluster is rendered when compiled: its failure is a compile error', () => {
  assert.throws(() => compileTemplate('{{ fail "no" }}'), (e: unknown) => e instanceof TemplateError && e.code === 'template-render' && /error calling fail: no/.test(e.message));
  assert.throws(() => compileTemplate('{{ now }}'), (e: unknown) => e instanceof TemplateError && e.code === 'template-unsupported');
  const t = compileTemplate('replicas: {{ add 1 2 }}');
  assert.equal(t.render(c), 'replicas: 3');
});

test('a template that reads nothing of the cluster says so (rendered once for the whole fleet)', () => {
  assert.equal(compileTemplate('replicas: 2').usesCluster, false);
  assert.equal(compileTemplate('{{/* x */}}replicas: 2').usesCluster, false);
  assert.equal(compileTemplate('{{ $r := 2 }}replicas: {{ add $r 1 }}{{ range list "a" }}{{ . }}{{ end }}').usesCluster, false);
  assert.equal(compileTemplate('n: {{ .Cluster.metadata.name }}').usesCluster, true);
  assert.equal(compileTemplate('n: {{ $.Cluster.metadata.name }}').usesCluster, true);
  assert.equal(compileTemplate('{{ with .Cluster }}x{{ end }}').usesCluster, true);
});

test('the templated helm values of Sveltos\' documentation render', () => {
  const calico = 'installation:\n  calicoNetwork:\n    ipPools:\n    {{ range $cidr := .Cluster.spec.clusterNetwork.pods.cidrBlocks }}\n      - cidr: {{ $cidr }}\n        encapsulation: VXLAN\n    {{ end }}\n';
  assert.equal(renderTemplate(calico, c), 'installation:\n  calicoNetwork:\n    ipPools:\n    \n      - cidr: 192.168.0.0/16\n        encapsulation: VXLAN\n    \n');
  const kyverno = '{{$version := index .Cluster.metadata.labels "k8s-version" }}{{if eq $version "v1.29.0"}}v3.2.5\n{{else}}v3.2.6\n{{end}}';
  assert.equal(renderTemplate(kyverno, c), 'v3.2.5\n');
  assert.equal(renderTemplate(kyverno, { ...c, metadata: { name: 'c2', labels: {} } }), 'v3.2.6\n');
});
