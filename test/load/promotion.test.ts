// ClusterPromotion as the loader reads it: one ClusterProfile per stage, and every mistake in its
// stages or profileSpec reported at file:line with the field, as for any other kind.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests } from '../../src/load/index.ts';

const CHART = '{repositoryURL: https://charts.example.com, repositoryName: r, chartName: r/hello, chartVersion: 0.1.0, releaseName: hello, releaseNamespace: web}';

function load(stages: string, profileSpec = `helmCharts:\n    - ${CHART}`, extra = '') {
  const text = `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterPromotion
metadata:
  name: web
spec:
  profileSpec:
    ${profileSpec}
  stages:
${stages}`;
  return parseManifests([{ path: 'promo.yaml', text }, ...(extra ? [{ path: 'clusters.yaml', text: extra }] : [])]);
}

const found = (r: ReturnType<typeof load>) => r.diagnostics.map((d) => `${d.file}:${d.line} ${d.severity} ${d.code} ${d.field}`);

describe('ClusterPromotion loading', () => {
  test('each stage becomes a ClusterProfile with the shared spec and its own selector', () => {
    const r = load(`  - name: qa
    clusterSelector: {matchLabels: {env: qa}}
    trigger: {auto: {delay: 5m}}
  - name: prod
    clusterSelector: {matchLabels: {env: prod}}
`);
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.promotions?.map((p) => p.profiles), [['ClusterProfile/web-qa', 'ClusterProfile/web-prod']]);
    const prod = r.profiles.find((p) => p.metadata.name === 'web-prod')!;
    assert.deepEqual(prod.spec.clusterSelector, { matchLabels: { env: 'prod' } });
    assert.equal(prod.spec.helmCharts?.[0]?.releaseName, 'hello');
    assert.equal(prod.metadata.labels?.['config.projectsveltos.io/promotionname'], 'web');
    assert.deepEqual(prod.fieldSources?.['spec.helmCharts[0]'], { file: 'promo.yaml', line: 8, col: 7 }, 'positions point into the promotion');
  });

  test('bad stages: duplicate name, empty selector, bad delay, both triggers, selector syntax', () => {
    const r = load(`  - name: qa
    clusterSelector: {matchLabels: {env: qa}}
    trigger: {auto: {delay: soon}}
  - name: qa
    clusterSelector: {}
    trigger: {auto: {}, manual: {}}
  - name: prod
    clusterSelector: {matchExpressions: [{key: env, operator: Near, values: [x]}]}
`);
    assert.deepEqual(found(r), [
      'promo.yaml:12 error schema spec.stages[0].trigger.auto.delay',
      'promo.yaml:13 error schema spec.stages[1].name',
      'promo.yaml:14 error empty-selector spec.stages[1].clusterSelector',
      'promo.yaml:15 error schema spec.stages[1].trigger',
      'promo.yaml:17 error selector-syntax spec.stages[2].clusterSelector.matchExpressions[0].operator',
    ].sort());
    assert.deepEqual(r.profiles, [], 'a promotion with errors deploys nothing');
    assert.match(r.diagnostics.find((d) => d.field === 'spec.stages[1].name')!.message, /^ClusterPromotion\/web: spec\.stages\[1\]\.name: duplicate stage name "qa" \(also spec\.stages\[0\]\)$/);
  });

  test('no stages, and profileSpec fields that choose clusters, are errors', () => {
    const none = load('    []\n');
    assert.deepEqual(found(none), ['promo.yaml:10 error schema spec.stages']);
    const chooses = load('  - {name: qa, clusterSelector: {matchLabels: {env: qa}}}\n', `clusterSelector: {matchLabels: {env: x}}\n    helmCharts:\n    - ${CHART}`);
    assert.deepEqual(found(chooses), ['promo.yaml:7 error schema spec.profileSpec.clusterSelector']);
  });

  test('a profileSpec mistake is said once, of the promotion, at its line', () => {
    const r = load('  - {name: qa, clusterSelector: {matchLabels: {env: qa}}}\n  - {name: prod, clusterSelector: {matchLabels: {env: prod}}}\n', `helmCharts:\n    - {repositoryURL: https://charts.example.com, repositoryName: r, chartName: r/hello, chartVersion: 0.1.0, releaseName: hello}`);
    assert.equal(r.diagnostics.length, 1, JSON.stringify(r.diagnostics));
    const d = r.diagnostics[0]!;
    assert.deepEqual([d.line, d.severity, d.code, d.object], [8, 'error', 'schema', 'ClusterPromotion/web']);
    assert.match(d.message, /^ClusterPromotion\/web: spec\.profileSpec\.helmCharts\[0\]/);
  });

  test('a stage ClusterProfile named like a ClusterProfile of the repository is a duplicate; preserveClusterProfilesOnDelete is a warning', () => {
    const clash = 'apiVersion: config.projectsveltos.io/v1beta1\nkind: ClusterProfile\nmetadata: {name: web-qa}\nspec: {clusterSelector: {matchLabels: {env: qa}}}\n';
    const r = load('  - {name: qa, clusterSelector: {matchLabels: {env: qa}}}\n', undefined, clash);
    assert.deepEqual(found(r), ['clusters.yaml:3 error duplicate-object metadata.name', 'promo.yaml:10 error duplicate-object metadata.name']);
    const text = `apiVersion: config.projectsveltos.io/v1beta1\nkind: ClusterPromotion\nmetadata: {name: web}\nspec:\n  preserveClusterProfilesOnDelete: true\n  profileSpec: {}\n  stages:\n  - {name: qa, clusterSelector: {matchLabels: {env: qa}}}\n`;
    assert.deepEqual(found(parseManifests([{ path: 'promo.yaml', text }])), ['promo.yaml:5 warning unsupported-field spec.preserveClusterProfilesOnDelete']);
  });

  test('a cluster in two stages belongs to the first: a warning names it', () => {
    const clusters = 'apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: c1, namespace: civo, labels: {env: qa, tier: prod}}\nspec: {}\n';
    const r = load('  - {name: qa, clusterSelector: {matchLabels: {env: qa}}}\n  - {name: prod, clusterSelector: {matchLabels: {tier: prod}}}\n', undefined, clusters);
    assert.deepEqual(r.diagnostics.map((d) => `${d.severity} ${d.code} ${d.message}`), ['warning stage-overlap ClusterPromotion/web: cluster civo/c1 matches stages qa, prod: it belongs to the first (qa) only']);
  });
});
