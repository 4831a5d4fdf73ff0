import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManifestCache, parseManifests, unsupportedFields, type ManifestFile } from '../../src/load/index.ts';
import { annotationProblems } from '../../src/load/annotations.ts';
import { compileSelector } from '../../src/select/selector.ts';
import type { Diagnostic } from '../../src/model/diagnostics.ts';

const cluster = (name: string, ns?: string, labels = 'env: prod'): string =>
  `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}  labels: {${labels}}\n`;

const chart = `  helmCharts:
  - repositoryURL: https://kyverno.github.io/kyverno/
    repositoryName: kyverno
    chartName: kyverno/kyverno
    chartVersion: v3.3.3
    releaseName: kyverno
    releaseNamespace: kyverno
`;

const load = (files: Record<string, string>, opts?: Parameters<typeof parseManifests>[1]) =>
  parseManifests(Object.entries(files).map(([path, text]) => ({ path, text })), opts);

const where = (d: Diagnostic): string => `${d.file}:${d.line}:${d.col} ${d.severity} ${d.code}`;

describe('parseManifests', () => {
  test('multi-document files, sorted objects, namespaces as kubectl defaults them', () => {
    const repo = load({
      'b.yaml': `${cluster('c2', 'civo')}---\n${cluster('c1')}---\n${cluster('c1', 'civo')}`,
      'a.yaml': `apiVersion: lib.projectsveltos.io/v1beta1
kind: Set
metadata: {name: blue, namespace: civo}
spec: {clusterSelector: {matchLabels: {env: prod}}, maxReplicas: 1}
---
apiVersion: lib.projectsveltos.io/v1beta1
kind: ClusterSet
metadata: {name: prod, namespace: ignored}
spec: {clusterSelector: {matchLabels: {env: prod}}, maxReplicas: 1}
`,
    });
    assert.deepEqual(repo.diagnostics, []);
    assert.deepEqual(repo.clusters.map((c) => `${c.metadata.namespace}/${c.metadata.name}`), ['civo/c1', 'civo/c2', 'default/c1']);
    assert.deepEqual(repo.sets.map((s) => `${s.kind}/${s.metadata.namespace ?? '-'}/${s.metadata.name}`), ['ClusterSet/-/prod', 'Set/civo/blue']);
    assert.deepEqual(repo.clusters[0]!.source, { file: 'b.yaml', line: 15, col: 1 });
    assert.deepEqual(repo.sets[1]!.fieldSources?.['spec.maxReplicas'], { file: 'a.yaml', line: 4, col: 66 });
  });

  test('v1alpha1 keeps its selector string; v1beta1 refuses one and says why', () => {
    const repo = load({
      'set.yaml': 'apiVersion: lib.projectsveltos.io/v1alpha1\nkind: ClusterSet\nmetadata: {name: prod}\nspec:\n  clusterSelector: env=prod\n  maxReplicas: 1\n',
      'bad.yaml': 'apiVersion: lib.projectsveltos.io/v1beta1\nkind: ClusterSet\nmetadata: {name: other}\nspec:\n  clusterSelector: env=prod\n  maxReplicas: 1\n',
    });
    assert.equal(repo.sets.length, 1);
    assert.equal(repo.sets[0]!.spec.clusterSelector, 'env=prod');
    assert.equal(compileSelector(repo.sets[0]!.spec.clusterSelector).matches({ env: 'prod' }), true);
    const [d] = repo.diagnostics;
    assert.equal(where(d!), 'bad.yaml:5:20 error schema');
    assert.equal(d!.field, 'spec.clusterSelector');
    assert.match(d!.message, /needs apiVersion \.\.\.\/v1alpha1/);
  });

  test('unknown kinds are info and ignored; a Profile of another API group is not ours', () => {
    const repo = load({
      'x.yaml': 'apiVersion: v1\nkind: Service\nmetadata: {name: x}\n---\napiVersion: example.com/v1\nkind: Profile\nmetadata: {name: Not_Ours}\n---\n- a list\n---\n',
    });
    assert.deepEqual(repo.diagnostics.map(where), ['x.yaml:2:1 info unknown-kind', 'x.yaml:6:1 info unknown-kind', 'x.yaml:9:1 info unknown-kind']);
    assert.equal(repo.profiles.length, 0);
  });

  test('a YAML syntax error is reported where it is; the other documents still load', () => {
    const repo = load({ 'c.yaml': `${cluster('c1', 'civo')}---\nkind: ClusterSet: x\n---\n${cluster('c2', 'civo')}` });
    assert.deepEqual(repo.diagnostics.map(where), ['c.yaml:8:7 error yaml-syntax']);
    assert.match(repo.diagnostics[0]!.message, /^YAML syntax error: /);
    assert.deepEqual(repo.clusters.map((c) => c.metadata.name), ['c1', 'c2']);
  });

  test('schema errors point at the offending value, deep in the document', () => {
    const repo = load({
      'p.yaml': `apiVersion: config.projectsveltos.io/v1beta1\nkind: ClusterProfile\nmetadata: {name: p}\nspec:\n  clusterSelector: {matchLabels: {env: prod}}\n  tier: "high"\n${chart}  - repositoryURL: x\n    repositoryName: x\n    chartName: 12\n    chartVersion: "1"\n    releaseName: x\n    releaseNamespace: x\n    helmChartAction: Remove\n`,
    });
    assert.deepEqual(
      repo.diagnostics.map((d) => `${where(d)} ${d.field}`),
      [
        'p.yaml:6:9 error schema spec.tier',
        'p.yaml:16:16 error schema spec.helmCharts[1].chartName',
        'p.yaml:20:22 error schema spec.helmCharts[1].helmChartAction',
      ],
    );
    assert.match(repo.diagnostics[0]!.message, /spec\.tier must be an integer \(got "high"\)/);
    assert.equal(repo.profiles.length, 0);
  });

  test('spec: null is an absent spec (Kubernetes prunes nulls); metadata: null misses the name', () => {
    const repo = load({
      'a.yaml': 'apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: c1}\nspec: null\n',
      'b.yaml': 'apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: null\n',
    });
    assert.equal(repo.clusters.length, 1);
    assert.deepEqual(repo.clusters[0]!.spec, {});
    assert.deepEqual(repo.diagnostics.map((d) => `${where(d)} ${d.field}`), ['b.yaml:3:1 error schema metadata']);
  });

  test('selector syntax errors point at the character, quoted or not, string or object form', () => {
    const set = (sel: string): string =>
      `apiVersion: lib.projectsveltos.io/v1alpha1\nkind: ClusterSet\nmetadata: {name: s}\nspec:\n  maxReplicas: 1\n  clusterSelector: ${sel}\n`;
    const plain = load({ 's.yaml': set('env in (a,,b c)') }).diagnostics[0]!;
    assert.equal(`${where(plain)}`, 's.yaml:6:33 error selector-syntax'); // the "c" of "b c"
    const quoted = load({ 's.yaml': set('"env=prod, !"') }).diagnostics[0]!;
    assert.equal(`${where(quoted)}`, 's.yaml:6:32 error selector-syntax'); // just after the "!"
    const obj = load({
      'o.yaml': 'apiVersion: lib.projectsveltos.io/v1beta1\nkind: ClusterSet\nmetadata: {name: s}\nspec:\n  maxReplicas: 1\n  clusterSelector:\n    matchExpressions:\n    - key: env\n      operator: In\n      values: []\n',
    }).diagnostics[0]!;
    assert.equal(`${where(obj)} ${obj.field}`, 'o.yaml:10:15 error selector-syntax spec.clusterSelector.matchExpressions[0].values');
  });

  test('sets without a cap, and sets or profiles that select nothing, are warnings', () => {
    const repo = load({
      's.yaml': `apiVersion: lib.projectsveltos.io/v1beta1\nkind: ClusterSet\nmetadata: {name: zero}\nspec:\n  clusterSelector: {matchLabels: {env: prod}}\n  maxReplicas: 0\n---\napiVersion: config.projectsveltos.io/v1beta1\nkind: ClusterProfile\nmetadata: {name: nothing}\nspec:\n  clusterSelector: {}\n${chart}`,
    });
    assert.deepEqual(repo.diagnostics.map((d) => `${where(d)} ${d.field}`), [
      's.yaml:6:16 warning max-replicas-zero spec.maxReplicas',
      's.yaml:11:1 warning empty-selector spec.clusterSelector',
    ]);
    assert.equal(repo.sets.length + repo.profiles.length, 2, 'warnings do not remove objects');
  });

  test('references: dangling, wrong kind and other namespace', () => {
    const repo = load({
      'c.yaml': cluster('c1', 'eng'),
      's.yaml': 'apiVersion: lib.projectsveltos.io/v1beta1\nkind: Set\nmetadata: {name: blue, namespace: eng}\nspec: {clusterRefs: [{name: c1}], maxReplicas: 1}\n',
      'p.yaml': `apiVersion: config.projectsveltos.io/v1beta1\nkind: ClusterProfile\nmetadata: {name: cp}\nspec:\n  setRefs: [blue]\n  clusterRefs: [{kind: SveltosCluster, name: c1, namespace: eng}, {kind: Cluster, name: capi, namespace: eng}]\n${chart}---\napiVersion: config.projectsveltos.io/v1beta1\nkind: Profile\nmetadata: {name: p, namespace: ops}\nspec:\n  setRefs: [eng/blue]\n${chart}`,
    });
    assert.deepEqual(
      repo.diagnostics.map((d) => `${where(d)} ${d.field}`),
      [
        'p.yaml:5:13 error dangling-set-ref spec.setRefs[0]',
        'p.yaml:6:67 error dangling-cluster-ref spec.clusterRefs[1]',
        'p.yaml:19:13 error cross-namespace-ref spec.setRefs[0]',
      ],
    );
    assert.match(repo.diagnostics[0]!.message, /Set\/eng\/blue is a Set; a ClusterProfile refers to ClusterSets/);
    assert.equal(repo.profiles.length, 2, 'reference errors do not remove the profile (its status says what is wrong)');
  });

  test('the status folder, hidden folders and files and node_modules are not manifests', () => {
    const broken = 'a: [\n';
    const repo = load(
      { 'status/x.yaml': broken, '.git/x.yaml': broken, 'sub/node_modules/x.yml': broken, 'notes.txt': broken, 'out/status/x.yaml': broken, '.gitlab-ci.yml': broken, 'sub/.pre-commit-config.yaml': broken },
      { statusDir: 'status' },
    );
    assert.deepEqual(repo.diagnostics.map((d) => d.file), ['out/status/x.yaml']);
  });

  test('a cache returns the earlier parse for unchanged text and forgets removed files', () => {
    const cache = new ManifestCache();
    const files: ManifestFile[] = [
      { path: 'a.yaml', text: cluster('a', 'x') },
      { path: 'b.yaml', text: cluster('b', 'x') },
    ];
    const first = parseManifests(files, { cache });
    const again = parseManifests(files, { cache });
    assert.equal(again.clusters[0], first.clusters[0], 'same object: not parsed again');
    const changed = parseManifests([{ path: 'a.yaml', text: cluster('a', 'x', 'env: dev') }], { cache });
    assert.notEqual(changed.clusters[0], first.clusters[0]);
    assert.deepEqual(changed.clusters[0]!.metadata.labels, { env: 'dev' });
    assert.equal(cache.size, 1);
  });

  test('never throws, whatever the text; every diagnostic has a position', () => {
    const fragments = fc.constantFrom('apiVersion: lib.projectsveltos.io/v1beta1\n', 'kind: ClusterSet\n', 'kind: Profile\n', 'metadata:\n', '  name: x\n', 'spec:\n', '  clusterSelector: "a in ("\n', '---\n', ': :\n', '[', '{', '"', '  - ', 'null\n', '*a\n', '&a x\n', '\t');
    fc.assert(
      fc.property(fc.array(fc.oneof(fragments, fc.string({ maxLength: 5 })), { maxLength: 25 }), (parts) => {
        const repo = load({ 'f.yaml': parts.join('') });
        for (const d of repo.diagnostics) assert.ok(d.line >= 1 && d.col >= 1 && d.message.length > 0 && !d.message.includes('    at '));
      }),
      { numRuns: 300 },
    );
  });
});

describe('unsupportedFields', () => {
  test('lists the fields gitset does not act on, not the ones that ask for nothing', () => {
    const fields = unsupportedFields({
      spec: {
        clusterSelector: { matchLabels: { env: 'prod' } },
        policyRefs: [{ kind: 'ConfigMap', name: 'x' }, { kind: 'OCIRepository', name: 'flux' }, { kind: 'ConfigMap', name: 'y', deploymentType: 'Local' }],
        reloader: false,
        dependsOn: [],
        syncMode: 'ContinuousWithDriftDetection',
        helmCharts: [
          { repositoryURL: 'u', repositoryName: 'r', chartName: 'c', chartVersion: '1', releaseName: 'n', releaseNamespace: 'ns', valuesFrom: [{ kind: 'ConfigMap' }], signatureVerification: { provider: 'Keyless' }, options: { wait: true, enableClientCache: true } },
        ],
      },
    });
    assert.deepEqual(fields, ['spec.policyRefs[1]', 'spec.policyRefs[2]', 'spec.helmCharts[0].signatureVerification', 'spec.helmCharts[0].options.enableClientCache']);
  });
});

describe('gitset.dev/ annotation checks', () => {
  test('run from one list; other annotations are left alone', () => {
    const checks = [{ key: 'gitset.dev/probe-timeout', problem: (v: string) => (/^\d+s$/.test(v) ? undefined : 'must be a number of seconds such as 5s') }];
    assert.deepEqual(annotationProblems({ 'gitset.dev/probe-timeout': 'soon', 'example.com/x': 'soon' }, checks), [
      { key: 'gitset.dev/probe-timeout', message: 'annotation gitset.dev/probe-timeout: must be a number of seconds such as 5s' },
    ]);
    assert.deepEqual(annotationProblems({ 'gitset.dev/probe-timeout': '5s' }, checks), []);
  });
});
