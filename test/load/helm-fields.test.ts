// The helmCharts fields that reach helm's command line are validated as helm and Kubernetes
// would: what an attacker could smuggle in as a flag or a local path is an error at its place.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFile } from '../../src/load/index.ts';
import { staticText } from '../../src/load/helm-fields.ts';

const FIELDS = {
  repositoryURL: 'https://charts.example.com',
  repositoryName: 'example',
  chartName: 'example/hello',
  chartVersion: '0.1.0',
  releaseName: 'hello',
  releaseNamespace: 'hello',
};

/** A ClusterProfile with one chart entry; `releaseName` is on line 11, its value at column 18. */
function profile(overrides: Partial<Record<keyof typeof FIELDS, string>>): string {
  const fields = { ...FIELDS, ...overrides };
  const lines = Object.entries(fields).map(([k, v], i) => `${i === 0 ? '  - ' : '    '}${k}: ${JSON.stringify(v)}`);
  return [
    'apiVersion: config.projectsveltos.io/v1beta1',
    'kind: ClusterProfile',
    'metadata: {name: hello}',
    'spec:',
    '  clusterSelector: {matchLabels: {env: prod}}',
    '  helmCharts:',
    ...lines,
    '',
  ].join('\n');
}

const errors = (overrides: Partial<Record<keyof typeof FIELDS, string>>) =>
  parseFile('p.yaml', profile(overrides)).diagnostics.filter((d) => d.severity === 'error');

describe('helmCharts fields on helm command lines', () => {
  test('a release name that is a flag is an error at file:line:col naming the field', () => {
    const [e, ...rest] = errors({ releaseName: '--post-renderer=/bin/sh' });
    assert.deepEqual(rest, []);
    assert.deepEqual({ file: e?.file, line: e?.line, col: e?.col, code: e?.code, field: e?.field }, {
      file: 'p.yaml', line: 11, col: 18, code: 'schema', field: 'spec.helmCharts[0].releaseName',
    });
  });

  test('release names follow helm: a DNS-1123 subdomain of at most 53 characters', () => {
    for (const ok of ['hello', 'kyverno-latest', 'a.b-c', 'x'.repeat(53)]) assert.deepEqual(errors({ releaseName: ok }), [], ok);
    for (const bad of ['Hello', 'hello_world', '-hello', 'hello-', 'x'.repeat(54), 'a b']) {
      assert.deepEqual(errors({ releaseName: bad }).map((e) => e.field), ['spec.helmCharts[0].releaseName'], bad);
    }
  });

  test('release namespaces are DNS-1123 labels of at most 63 characters', () => {
    assert.deepEqual(errors({ releaseNamespace: 'x'.repeat(63) }), []);
    for (const bad of ['--kubeconfig=/etc/k', 'a.b', 'x'.repeat(64)]) {
      assert.deepEqual(errors({ releaseNamespace: bad }).map((e) => e.field), ['spec.helmCharts[0].releaseNamespace'], bad);
    }
  });

  test('chart names: no segment starting with "-", no "..", no absolute path, no backslash', () => {
    for (const ok of ['hello', 'example/hello', 'oci://ghcr.io/org/hello', 'a/b.c/d']) assert.deepEqual(errors({ chartName: ok }), [], ok);
    for (const bad of ['r/--post-renderer=/bin/sh', '--post-renderer=/bin/sh', 'r/../../etc/chart', '..', '/etc/chart', 'r\\hello', ' -x']) {
      assert.deepEqual(errors({ chartName: bad }).map((e) => e.field), ['spec.helmCharts[0].chartName'], bad);
    }
  });

  test('chart version, repository name and repository URL may not start with "-"', () => {
    assert.deepEqual(errors({ chartVersion: '--devel' }).map((e) => e.field), ['spec.helmCharts[0].chartVersion']);
    assert.deepEqual(errors({ repositoryName: '-r' }).map((e) => e.field), ['spec.helmCharts[0].repositoryName']);
    assert.deepEqual(errors({ repositoryURL: '--repo=x' }).map((e) => e.field), ['spec.helmCharts[0].repositoryURL']);
    assert.deepEqual(errors({ chartVersion: '>=1.0.0 <2.0.0' }), []);
  });

  test('a repository URL that is not https, http or oci is a warning (Sveltos accepts it; helm cannot fetch it)', () => {
    const r = parseFile('p.yaml', profile({ repositoryURL: 'gitrepository://flux-system/charts' }));
    assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.code, d.field]), [['warning', 'schema', 'spec.helmCharts[0].repositoryURL']]);
    assert.equal(r.objects.length, 1);
    const oci = parseFile('p.yaml', profile({ repositoryURL: 'OCI://ghcr.io/org' }));
    assert.deepEqual(oci.diagnostics, []);
  });

  test('templated fields: the static text is checked, each action standing for rendered text', () => {
    assert.deepEqual(errors({ releaseName: '{{ .Cluster.metadata.name }}-hello', releaseNamespace: 'ns-{{ .Cluster.metadata.labels.env }}' }), []);
    assert.deepEqual(errors({ chartVersion: '{{ index .Cluster.metadata.labels "version" }}' }), []);
    assert.deepEqual(errors({ releaseName: '--x{{ .Cluster.metadata.name }}' }).map((e) => e.field), ['spec.helmCharts[0].releaseName']);
    assert.deepEqual(errors({ releaseName: '{{/* note */}}-x' }).map((e) => e.field), ['spec.helmCharts[0].releaseName']);
    assert.deepEqual(errors({ chartVersion: '-{{ .Cluster.metadata.name }}' }).map((e) => e.field), ['spec.helmCharts[0].chartVersion']);
  });

  test('staticText follows the template trimming markers and keeps an unclosed action as text', () => {
    assert.deepEqual(staticText('a {{- .X -}} b'), { text: 'axb', templated: true });
    assert.deepEqual(staticText('{{/* c */}}v1'), { text: 'v1', templated: true });
    assert.deepEqual(staticText('a{{ b'), { text: 'a{{ b', templated: true });
    assert.deepEqual(staticText('plain'), { text: 'plain', templated: false });
  });
});
