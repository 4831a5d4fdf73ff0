// kustomizationRefs in the plan, from builds made beforehand: Sveltos' values substitution
// (values rendered for the cluster, then each object rendered over them), targetNamespace on
// namespaced objects, a path templated per cluster, and per-cluster errors that say why.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests } from '../../src/load/index.ts';
import { clusterKey, objectId } from '../../src/model/objects.ts';
import type { KustomizeOutput } from '../../src/model/ports.ts';
import { sourceBuildRequests } from '../../src/plan/kustomize-objects.ts';
import { planPolicies } from '../../src/plan/policies.ts';

const cluster = (name: string, labels: string, annotations = '{}') =>
  `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: ${name}, namespace: civo, labels: ${labels}, annotations: ${annotations}}\nspec: {}\n`;
const SOURCE = 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: flux2, namespace: flux2}\nspec: {url: "https://git.example.com/apps.git", ref: {branch: main}}\n';
const profile = (entry: string) => `apiVersion: config.projectsveltos.io/v1beta1\nkind: ClusterProfile\nmetadata: {name: hello}\nspec:\n  clusterSelector: {matchLabels: {env: fv}}\n  kustomizationRefs:\n  - kind: GitRepository\n    namespace: flux2\n    name: flux2\n${entry}`;

const DEPLOY = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hello\n  labels:\n    region: '{{ .Region }}'\nspec:\n  template:\n    spec:\n      containers:\n      - image: nginx:{{ .Version }}\n";
const ROLE = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\n';

/** Plans the repository with `build` standing in for kubectl kustomize (what each request's path built to). */
function plan(files: Record<string, string>, build: (path: string) => KustomizeOutput) {
  const repo = parseManifests(Object.entries(files).map(([path, text]) => ({ path, text })));
  assert.deepEqual(repo.diagnostics.filter((d) => d.severity === 'error' && d.code !== 'dangling-values-from').map((d) => d.message), []);
  const clusters = new Map(repo.clusters.map((c) => [clusterKey(c.metadata), c]));
  const profiles = repo.profiles.map((p) => ({ id: objectId(p), profile: p, matched: [...clusters.keys()] }));
  const requests = sourceBuildRequests(profiles, clusters, { sources: repo.sources, fluxSources: repo.fluxSources ?? [] });
  const builds = new Map(requests.map((r) => [r.key, build(r.path)]));
  return { requests, plan: planPolicies({ profiles, previous: new Map(), clusters, sources: repo.sources, fluxSources: repo.fluxSources ?? [], builds, workable: () => true }) };
}
const built = (...documents: string[]): KustomizeOutput => ({ ok: true, revision: 'abc', documents });
const applied = (p: ReturnType<typeof plan>['plan'], c: string) => p.work.find((w) => w.cluster === c)?.apply ?? [];

describe('kustomizationRefs in the plan', () => {
  test('values are rendered for each cluster, then substituted into every object; targetNamespace lands on namespaced objects only', () => {
    const { requests, plan: p } = plan(
      {
        'src.yaml': SOURCE,
        'east.yaml': cluster('east', '{env: fv, region: east}'),
        'west.yaml': cluster('west', '{env: fv, region: west}'),
        'p.yaml': profile(`    path: ./template/helloWorld/\n    targetNamespace: eng\n    values:\n      Region: '{{ index .Cluster.metadata.labels "region" }}'\n      Version: v1.2.0\n`),
      },
      () => built(DEPLOY, ROLE),
    );
    assert.equal(requests.length, 1, 'one build serves every cluster');
    for (const region of ['east', 'west']) {
      const objects = applied(p, `civo/${region}`);
      assert.deepEqual(objects.map((o) => `${o.kind} ${o.namespace ?? ''}/${o.name}`), ['Deployment eng/hello', 'ClusterRole /reader']);
      const deploy = objects[0]!.manifest as any;
      assert.equal(deploy.metadata.labels.region, region);
      assert.equal(deploy.spec.template.spec.containers[0].image, 'nginx:v1.2.0');
      assert.equal(objects[0]!.source, 'GitRepository/flux2/flux2:./template/helloWorld/');
      assert.equal(deploy.metadata.labels['gitset.dev/profile'], 'clusterprofile.hello');
    }
  });

  test('valuesFrom: the data of the ConfigMaps named is laid over values (a key there wins), per cluster when templated', () => {
    const cm = (name: string, data: Record<string, string>, templated = false) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', ...(templated ? { annotations: { 'projectsveltos.io/template': 'true' } } : {}) }, data });
    const { plan: p } = plan(
      {
        'src.yaml': SOURCE,
        'east.yaml': cluster('east', '{env: fv, region: east}'),
        'west.yaml': cluster('west', '{env: fv, region: west}'),
        'cm.yaml': cm('versions', { Version: 'v2.0.0' }),
        'region.yaml': cm('region', { Region: '{{ index .Cluster.metadata.labels "region" }}-from-cm' }, true),
        'p.yaml': profile(`    path: web\n    values: {Region: none, Version: v1}\n    valuesFrom:\n    - {kind: ConfigMap, namespace: default, name: versions}\n    - {kind: ConfigMap, namespace: default, name: region}\n`),
      },
      () => built(DEPLOY),
    );
    for (const region of ['east', 'west']) {
      const deploy = applied(p, `civo/${region}`)[0]!.manifest as any;
      assert.equal(deploy.spec.template.spec.containers[0].image, 'nginx:v2.0.0');
      assert.equal(deploy.metadata.labels.region, `${region}-from-cm`);
    }
    const missing = plan({ 'src.yaml': SOURCE, 'c.yaml': cluster('c', '{env: fv}'), 'p.yaml': profile('    path: web\n    valuesFrom:\n    - {kind: ConfigMap, namespace: default, name: gone}\n') }, () => built(DEPLOY));
    assert.deepEqual(applied(missing.plan, 'civo/c'), [], 'a missing source applies nothing');
    assert.match(missing.plan.errors.get('ClusterProfile/hello')?.join('\n') ?? '', /gone/);
    const loaded = parseManifests([{ path: 'p.yaml', text: profile('    path: web\n    valuesFrom:\n    - {kind: ConfigMap, namespace: default, name: gone}\n') }, { path: 'src.yaml', text: SOURCE }]);
    assert.deepEqual(loaded.diagnostics.filter((d) => d.code === 'dangling-values-from').map((d) => `${d.file}:${d.line} ${d.field}`), ['p.yaml:7 spec.kustomizationRefs[0].valuesFrom[0]'], 'validate says so first');
  });

  test("the profile's patches apply to what kustomize built, as to policyRefs objects", () => {
    const patch = `  patches:\n  - target: {kind: Deployment, name: hello}\n    patch: |\n      - {op: add, path: /spec/replicas, value: 3}\n`;
    const { plan: p } = plan({ 'src.yaml': SOURCE, 'c.yaml': cluster('c', '{env: fv}'), 'p.yaml': profile(`    path: web\n${patch}`) }, () => built(DEPLOY, ROLE));
    const [deploy, role] = applied(p, 'civo/c');
    assert.equal((deploy!.manifest as any).spec.replicas, 3);
    assert.equal((role!.manifest as any).spec, undefined, 'the target decides');
    const unpatched = plan({ 'src.yaml': SOURCE, 'c.yaml': cluster('c', '{env: fv}'), 'p.yaml': profile('    path: web\n') }, () => built(DEPLOY, ROLE));
    assert.notEqual(applied(unpatched.plan, 'civo/c')[0]!.hash, deploy!.hash, 'a patch change applies again');
  });

  test('without values the output is not a template; a value the output uses but nobody gives is a per-cluster error', () => {
    const plain = plan({ 'src.yaml': SOURCE, 'c.yaml': cluster('c', '{env: fv}'), 'p.yaml': profile('    path: web\n') }, () => built(DEPLOY));
    assert.equal((applied(plain.plan, 'civo/c')[0]!.manifest as any).metadata.labels.region, '{{ .Region }}');
    const missing = plan({ 'src.yaml': SOURCE, 'c.yaml': cluster('c', '{env: fv}'), 'p.yaml': profile('    path: web\n    values: {Version: v1}\n') }, () => built(DEPLOY));
    assert.deepEqual(applied(missing.plan, 'civo/c'), []);
    assert.match(missing.plan.errors.get('ClusterProfile/hello')![0]!, /^civo\/c: GitRepository\/flux2\/flux2:web: object 1 of the kustomize output, line 6, column \d+: .*Region/);
  });

  test('a path templated on the cluster builds a folder per cluster; one that fails or leads out is an error for that cluster only', () => {
    const { requests, plan: p } = plan(
      {
        'src.yaml': SOURCE,
        'a.yaml': cluster('a', '{env: fv}', '{environment: staging}'),
        'b.yaml': cluster('b', '{env: fv}', '{environment: production}'),
        'd.yaml': cluster('d', '{env: fv}', "{environment: '..'}"),
        'e.yaml': cluster('e', '{env: fv}', "{environment: '/etc'}"),
        'p.yaml': profile(`    path: '{{ index .Cluster.metadata.annotations "environment" }}/helloWorld'\n`),
      },
      (path) => built(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-${path.split('/')[0]}\n`),
    );
    assert.deepEqual(requests.map((r) => r.path).sort(), ['production/helloWorld', 'staging/helloWorld']);
    assert.equal(applied(p, 'civo/a')[0]!.name, 'from-staging');
    assert.equal(applied(p, 'civo/b')[0]!.name, 'from-production');
    const errors = p.errors.get('ClusterProfile/hello')!;
    assert.ok(errors.some((e) => /^civo\/e: path "\/etc\/helloWorld" must be relative/.test(e)), errors.join('\n'));
    assert.ok(errors.some((e) => /^civo\/d: path "\.\.\/helloWorld" leads out of the source/.test(e)), errors.join('\n'));
  });

  test('a failed build and getResource without templateResourceRefs are errors in the profile status, naming the cluster', () => {
    const failed = plan({ 'src.yaml': SOURCE, 'c.yaml': cluster('c', '{env: fv}'), 'p.yaml': profile('    path: web\n') }, () => ({ ok: false, error: 'GitRepository/flux2/flux2: branch main does not exist' }));
    assert.deepEqual(failed.plan.errors.get('ClusterProfile/hello'), ['civo/c: GitRepository/flux2/flux2: branch main does not exist']);
    const overlay = plan({ 'src.yaml': SOURCE, 'c.yaml': cluster('c', '{env: fv}'), 'p.yaml': profile(`    path: overlays/{{ (getResource "OverlaySelector").data.overlay }}\n`) }, () => built(ROLE));
    assert.equal(overlay.requests.length, 0);
    assert.match(overlay.plan.errors.get('ClusterProfile/hello')![0]!, /^civo\/c: kustomizationRefs GitRepository flux2: template .*data/);
  });

  test('a policyRefs entry naming a GitRepository applies its folder\'s files, rendered per cluster when the source is a template', () => {
    const templated = SOURCE.replace('metadata: {name: flux2, namespace: flux2}', 'metadata: {name: flux2, namespace: flux2, annotations: {projectsveltos.io/template: "ok"}}');
    const entry = `apiVersion: config.projectsveltos.io/v1beta1\nkind: ClusterProfile\nmetadata: {name: raw}\nspec:\n  clusterSelector: {matchLabels: {env: fv}}\n  policyRefs:\n  - {kind: GitRepository, namespace: flux2, name: flux2, path: manifests}\n`;
    const file = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: for-{{ .Cluster.metadata.name }}\n  namespace: default\n';
    const { requests, plan: p } = plan({ 'src.yaml': templated, 'a.yaml': cluster('a', '{env: fv}'), 'p.yaml': entry }, () => built(file, ROLE));
    assert.deepEqual(requests.map((r) => [r.mode, r.path]), [['files', 'manifests']]);
    assert.deepEqual(applied(p, 'civo/a').map((o) => `${o.kind} ${o.name} ${o.source}`), ['ConfigMap for-a GitRepository/flux2/flux2:manifests', 'ClusterRole reader GitRepository/flux2/flux2:manifests']);
  });

  test('a kustomization and another profile\'s ConfigMap claiming one object: the lower tier wins, the other records the conflict', () => {
    const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: 'default' }, data: { 'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: reader-config, namespace: eng}\n' } });
    const rival = 'apiVersion: config.projectsveltos.io/v1beta1\nkind: ClusterProfile\nmetadata: {name: rival}\nspec:\n  tier: 200\n  clusterSelector: {matchLabels: {env: fv}}\n  policyRefs:\n  - {kind: ConfigMap, namespace: default, name: shared}\n';
    const { plan: p } = plan(
      { 'src.yaml': SOURCE, 'cm.yaml': cm, 'rival.yaml': rival, 'c.yaml': cluster('c', '{env: fv}'), 'p.yaml': profile('    path: web\n    targetNamespace: eng\n') },
      () => built('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: reader-config\n'),
    );
    assert.deepEqual(p.work.map((w) => `${w.profile}: ${w.apply.map((o) => `${o.namespace}/${o.name}`).join(',')}`), ['ClusterProfile/hello: eng/reader-config']);
    const lost = p.records.get('ClusterProfile/rival')!.get('civo/c')!;
    assert.deepEqual(lost.map((r) => [r.name, r.state]), [['reader-config', 'Conflict']]);
  });
});
