// templateResourceRefs at the plan level: a helm value, a chart version and a policyRefs
// ConfigMap read repository objects through getResource, per cluster; a changed object changes
// what is deployed; a missing one fails that cluster only (and withdraws nothing); a Secret's
// data never reaches an error; `.Cluster.status` follows what the probes saw.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests, type LoadedRepository } from '../../src/load/index.ts';
import { clusterKey, objectId, type ClusterKey } from '../../src/model/objects.ts';
import type { ProbeResult } from '../../src/model/ports.ts';
import type { ProfileStatus } from '../../src/model/status.ts';
import { computeCycle, prepareRevision, recordResults } from '../../src/plan/cycle.ts';
import { planPolicies } from '../../src/plan/policies.ts';
import { recordPolicyOutcomes } from '../../src/plan/policy-status.ts';
import { templateProblems } from '../../src/plan/template-check.ts';
import { emptySnapshot } from '../../src/status/snapshot.ts';
import { record, step, summary, T0 } from './cycle-helpers.ts';

const cluster = (name: string, labels = 'env: prod') => `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: ${name}, namespace: civo, labels: {${labels}}}\nspec: {}\n`;
const configMap = (name: string, namespace: string, data: Record<string, string>, annotations?: Record<string, string>) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, ...(annotations ? { annotations } : {}) }, data });

function load(files: Record<string, string>): LoadedRepository {
  const repo = parseManifests(Object.entries(files).map(([path, text]) => ({ path, text })));
  assert.deepEqual(repo.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  return repo;
}

/** Sveltos' template_generic example (087): the values of each cluster come from a ConfigMap named after it. */
const kyverno = (extra = '') => `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata: {name: deploy-kyverno}
spec:
  clusterSelector: {matchLabels: {env: prod}}
  templateResourceRefs:
  - resource: {apiVersion: v1, kind: ConfigMap, name: '{{ .Cluster.metadata.name }}'}
    identifier: ConfigData
  - resource: {apiVersion: v1, kind: ConfigMap, namespace: default, name: kyverno-version}
    identifier: Version
  helmCharts:
  - repositoryURL: '{{ (getResource "Version").data.url }}'
    repositoryName: kyverno
    chartName: '{{ (getResource "Version").data.chart }}'
    chartVersion: '{{- index (getResource "Version").data "chartVersion" -}}'
    releaseName: kyverno-latest
    releaseNamespace: kyverno
    values: |
      {{ (getResource "ConfigData").data.values }}
${extra}`;

const version = (chart = 'kyverno/kyverno', url = 'https://kyverno.github.io/kyverno/') => configMap('kyverno-version', 'default', { chartVersion: ' v3.3.3\n', chart, url });

const base = {
  'c1.yaml': cluster('cluster1'),
  'c2.yaml': cluster('cluster2'),
  'cm1.yaml': configMap('cluster1', 'civo', { values: 'replicas: 1' }),
  'cm2.yaml': configMap('cluster2', 'civo', { values: 'replicas: 2' }),
  'version.yaml': version(),
  'profile.yaml': kyverno(),
};

const ID = 'ClusterProfile/deploy-kyverno';

describe('helm entries reading templateResourceRefs', () => {
  test('every field is rendered per cluster from the repository\'s objects', () => {
    const { cycle } = step(load(base));
    assert.deepEqual(summary(cycle), [`install kyverno-latest on civo/cluster1 for ${ID}`, `install kyverno-latest on civo/cluster2 for ${ID}`]);
    const [a, b] = cycle.actions.map((x) => x.release);
    assert.deepEqual([a!.values, b!.values], ['replicas: 1\n', 'replicas: 2\n']);
    assert.deepEqual([a!.chartName, a!.chartVersion, a!.repositoryURL], ['kyverno/kyverno', 'v3.3.3', 'https://kyverno.github.io/kyverno/'], 'whitespace around a name or version is dropped');
  });

  test('a changed object upgrades the clusters that read it, and only those', () => {
    const first = step(load(base));
    const { cycle } = step(load({ ...base, 'cm1.yaml': configMap('cluster1', 'civo', { values: 'replicas: 3' }) }), first.after);
    assert.deepEqual(summary(cycle), [`upgrade kyverno-latest on civo/cluster1 for ${ID}`]);
    assert.equal(cycle.actions[0]!.release.values, 'replicas: 3\n');
  });

  test('an object missing for one cluster fails that cluster\'s release, with the object named; the others go on', () => {
    const { 'cm2.yaml': _gone, ...rest } = base;
    const { cycle, after } = step(load(rest));
    assert.deepEqual(summary(cycle), [`install kyverno-latest on civo/cluster1 for ${ID}`]);
    const r = record(after, ID, 'civo/cluster2', 'kyverno-latest');
    assert.equal(r?.state, 'Failed');
    assert.equal(r?.lastError, 'templateResourceRefs ConfigData: ConfigMap civo/cluster2 (v1) is not defined in the repository');
    // validate says so before it merges: the name is a template, so per cluster.
    const problems = templateProblems(load(rest)).map((d) => `${d.field}: ${d.message}`);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^spec\.templateResourceRefs: .*cannot be found for 1 of the 2 clusters the profile can reach: civo\/cluster2 \(templateResourceRefs ConfigData: ConfigMap civo\/cluster2/);
  });

  test('a rendered chart name or URL is held to the rules of plain ones: no path, no flag, no other scheme', () => {
    for (const [chart, url, message] of [
      ['../../etc/passwd', 'https://kyverno.github.io/kyverno/', /^chartName: rendered "..\/..\/etc\/passwd" is not a chart name/],
      ['kyverno/kyverno', '--kubeconfig=/etc/x', /^repositoryURL: rendered "--kubeconfig=\/etc\/x" starts with "-"/],
      ['kyverno/kyverno', 'file:///etc', /^repositoryURL: rendered "file:\/\/\/etc" is not an https:\/\/, http:\/\/ or oci:\/\/ URL/],
    ] as const) {
      const repo = load({ ...base, 'version.yaml': version(chart, url) });
      const { cycle, after } = step(repo);
      assert.deepEqual(cycle.actions, [], chart + url);
      assert.match(record(after, ID, 'civo/cluster1', 'kyverno-latest')?.lastError ?? '', message);
      assert.match(templateProblems(repo).map((d) => d.message).join('\n'), new RegExp(message.source.slice(1)));
    }
  });

  test('.Cluster.status is what the probes saw: a new Kubernetes version renders again and upgrades', () => {
    const files = { ...base, 'profile.yaml': kyverno().replace('values: |\n      {{ (getResource "ConfigData").data.values }}', 'values: |\n      k8s: {{ .Cluster.status.version }}') };
    const repo = load(files);
    const revision = prepareRevision(repo);
    const probes = (v: string, only?: ClusterKey) =>
      new Map<ClusterKey, ProbeResult>(repo.clusters.map((c) => [clusterKey(c.metadata), { cluster: clusterKey(c.metadata), ok: true, version: only && clusterKey(c.metadata) !== only ? 'v1.29.2' : v, durationMs: 1 }]));
    const one = computeCycle({ revision, previous: emptySnapshot(), probes: probes('v1.29.2'), now: T0 });
    assert.deepEqual(one.actions.map((a) => a.release.values), ['k8s: v1.29.2\n', 'k8s: v1.29.2\n']);
    const after = recordResults(one, one.actions.map((action, i) => ({ action, ok: true, result: { revision: i + 1, status: 'deployed' } })), T0);
    const same = computeCycle({ revision, previous: after, probes: probes('v1.29.2'), now: T0 });
    assert.deepEqual(same.actions, []);
    const one2 = computeCycle({ revision, previous: after, probes: probes('v1.30.0', 'civo/cluster2'), now: T0 });
    assert.deepEqual(one2.actions.map((a) => `${a.action} ${a.cluster} ${a.release.values}`), ['upgrade civo/cluster2 k8s: v1.30.0\n'], 'only the cluster whose version changed');
    const two = computeCycle({ revision, previous: after, probes: probes('v1.30.0'), now: T0 });
    assert.deepEqual(two.actions.map((a) => `${a.action} ${a.release.values}`), ['upgrade k8s: v1.30.0\n', 'upgrade k8s: v1.30.0\n']);
  });
});

describe('policyRefs content reading templateResourceRefs', () => {
  const secret = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'autoscaler', namespace: 'default' }, type: 'Opaque', stringData: { token: 'tok-3x4mpl3-s3cr3t' } });
  // Sveltos' additional_template_info example (083): the Secret copied to each cluster.
  const template = configMap('autoscaler-template', 'default', {
    'secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: autoscaler\n  namespace: {{ (getResource "AutoscalerSecret").metadata.namespace }}\ndata:\n  token: {{ (getResource "AutoscalerSecret").data.token }}\n',
  }, { 'projectsveltos.io/template': 'ok' });
  const profile = `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata: {name: deploy-resources}
spec:
  clusterSelector: {matchLabels: {env: prod}}
  templateResourceRefs:
  - resource: {apiVersion: v1, kind: Secret, name: autoscaler, namespace: default}
    identifier: AutoscalerSecret
  policyRefs:
  - {kind: ConfigMap, name: autoscaler-template, namespace: default}
`;
  const files = { 'c1.yaml': cluster('cluster1'), 's.yaml': secret, 't.yaml': template, 'p.yaml': profile };

  function plan(repo: LoadedRepository, previous = new Map<string, { status: ProfileStatus }>()) {
    const clusters = new Map(repo.clusters.map((c) => [clusterKey(c.metadata), c]));
    const profiles = repo.profiles.map((p) => ({ id: objectId(p), profile: p, matched: ['civo/cluster1'] }));
    return planPolicies({ profiles, previous, clusters, sources: repo.sources, objects: repo.objects, workable: () => true });
  }

  test('the rendered manifest carries the referenced Secret\'s data, as the API server returns it', () => {
    const p = plan(load(files));
    assert.equal(p.work.length, 1);
    const manifest = p.work[0]!.apply[0]!.manifest as { kind: string; data: Record<string, string> };
    assert.equal(manifest.kind, 'Secret');
    assert.equal(Buffer.from(manifest.data.token!, 'base64').toString(), 'tok-3x4mpl3-s3cr3t');
  });

  test('validate renders templated content for each cluster the profile reaches, quoting no Secret value', () => {
    assert.deepEqual(templateProblems(load(files)), []);
    const typo = configMap('autoscaler-template', 'default', { 'secret.yaml': 'token: {{ (getResource "AutoscalerSecret").data.tokn }}\n' }, { 'projectsveltos.io/template': 'ok' });
    const problems = templateProblems(load({ ...files, 't.yaml': typo }));
    assert.deepEqual(problems.map((d) => `${d.code} ${d.field}`), ['template spec.policyRefs']);
    assert.match(problems[0]!.message, /templated content fails for 1 of the 1 clusters the profile can reach: civo\/cluster1 \(ConfigMap\/default\/autoscaler-template key "secret.yaml": .*no entry for key "tokn"/);
  });

  test('a render error quotes no Secret value, and withdraws nothing applied before', () => {
    const p1 = plan(load(files));
    const outcomes = p1.work.map((work) => ({ work, applied: new Set(work.apply.map((o) => o.key)), withdrawn: new Set<string>() }));
    const records = recordPolicyOutcomes(p1, outcomes, '2026-01-01T00:00:00Z');
    const previous = new Map([...records].map(([id, byCluster]) => [id, { status: { matchingClusters: [], clusters: [...byCluster].map(([c, policies]) => ({ cluster: c, releases: [], policies })) } }]));
    const failing = configMap('autoscaler-template', 'default', { 'secret.yaml': 'token: {{ (getResource "AutoscalerSecret").data.token | fail }}\n' }, { 'projectsveltos.io/template': 'ok' });
    const p2 = plan(load({ ...files, 't.yaml': failing }), previous);
    assert.deepEqual(p2.work, [], 'nothing applied, nothing withdrawn');
    const errors = p2.errors.get('ClusterProfile/deploy-resources') ?? [];
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /<redacted>/);
    const encoded = Buffer.from('tok-3x4mpl3-s3cr3t').toString('base64');
    assert.ok(!errors[0]!.includes(encoded) && !errors[0]!.includes('tok-3x4mpl3-s3cr3t'), errors[0]);
    assert.deepEqual(p2.records.get('ClusterProfile/deploy-resources')?.get('civo/cluster1')?.map((r) => `${r.kind}/${r.name} ${r.state}`), ['Secret/autoscaler Applied']);
    // The Secret gone from the repository: the profile's content is held on that cluster, not withdrawn.
    const { 's.yaml': _gone, ...rest } = files;
    const repo = parseManifests(Object.entries(rest).map(([path, text]) => ({ path, text })));
    assert.deepEqual(repo.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code), ['dangling-resource-ref']);
    const p3 = plan(repo, previous);
    assert.deepEqual(p3.work, []);
    assert.deepEqual(p3.errors.get('ClusterProfile/deploy-resources'), ['civo/cluster1: templateResourceRefs AutoscalerSecret: Secret default/autoscaler (v1) is not defined in the repository']);
  });
});
