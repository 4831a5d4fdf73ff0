import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTemplate, renderTemplate, TemplateError, type TemplateCluster } from '../../src/plan/template.ts';

const c: TemplateCluster = {
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'SveltosCluster',
  metadata: { name: 'cluster1', namespace: 'civo', labels: { region: 'lon1', 'k8s.io/tier': 'gold' }, annotations: { owner: 'ops' } },
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

test('index of a missing label is empty; a dotted path to one is an error naming the cluster', () => {
  assert.equal(renderTemplate('[{{ index .Cluster.metadata.labels "zone" }}]', c), '[]');
  assert.throws(
    () => renderTemplate('{{ .Cluster.metadata.labels.zone }}', c),
    (e: unknown) => e instanceof TemplateError && e.code === 'template-missing-key' && /civo\/cluster1 has no label "zone"/.test(e.message),
  );
});

test('anything outside the subset is rejected at compile time with a code and an offset', () => {
  const cases: Array<[string, string, number]> = [
    ['{{ if .Cluster.metadata.labels }}x{{ end }}', 'template-unsupported', 0],
    ['a: {{ .Cluster.spec.controlPlaneEndpoint.host }}', 'template-unsupported', 3],
    ['{{ (getResource "ConfigData").data.values }}', 'template-unsupported', 0],
    ['{{ .Cluster.metadata.name | upper }}', 'template-unsupported', 0],
    ['{{ .Values.x }}', 'template-unsupported', 0],
    ['x {{ .Cluster.metadata.name', 'template-syntax', 2],
    ['{{ index .Cluster.metadata.labels "unterminated }}', 'template-syntax', 0],
  ];
  for (const [text, code, offset] of cases) {
    assert.throws(
      () => compileTemplate(text),
      (e: unknown) => e instanceof TemplateError && e.code === code && e.offset === offset,
      text,
    );
  }
});

test('a template that reads nothing of the cluster says so (rendered once for the whole fleet)', () => {
  assert.equal(compileTemplate('replicas: 2').usesCluster, false);
  assert.equal(compileTemplate('{{/* x */}}replicas: 2').usesCluster, false);
  assert.equal(compileTemplate('n: {{ .Cluster.metadata.name }}').usesCluster, true);
});
