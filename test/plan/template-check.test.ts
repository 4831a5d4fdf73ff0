// The template check of `validate` and `plan` renders a template once per cluster for all the
// profiles that share it: what it reports must be what each profile alone would get, at its own
// field and for its own clusters, whether the planner's prepared revision is passed in or not.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests, type LoadedRepository } from '../../src/load/index.ts';
import type { ClusterKey } from '../../src/model/objects.ts';
import type { ClusterStatus } from '../../src/model/status.ts';
import { computeCycle, prepareRevision } from '../../src/plan/cycle.ts';
import { templateProblems } from '../../src/plan/template-check.ts';
import { emptySnapshot } from '../../src/status/snapshot.ts';

const cluster = (name: string, labels: string) => `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: ${name}, namespace: civo, labels: {${labels}}}\nspec: {}\n`;

/** A ClusterProfile with one chart whose `field` is `text`; `extra` goes into its spec. */
function profile(name: string, selector: string, field: 'values' | 'releaseName', text: string, extra = ''): string {
  const releaseName = field === 'releaseName' ? JSON.stringify(text) : name;
  const values = field === 'values' ? `    values: ${JSON.stringify(text)}\n` : '';
  return `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata: {name: ${name}}
spec:
  clusterSelector: {matchLabels: {${selector}}}
${extra}  helmCharts:
  - repositoryURL: https://charts.example.com
    repositoryName: example
    chartName: example/web
    chartVersion: 1.0.0
    releaseName: ${releaseName}
    releaseNamespace: web
${values}`;
}

const REGION = 'region: {{ .Cluster.metadata.labels.region }}';
/** Valid in values; as a release name, not where it renders upper case (helm refuses it). */
const TIER = '{{ .Cluster.metadata.labels.tier }}';
const STATUS = 'version: {{ .Cluster.status.version }}';

const files: Record<string, string> = {
  'clusters.yaml': [cluster('c1', 'env: prod, region: fra, tier: Gold'), cluster('c2', 'env: prod, tier: silver'), cluster('c3', 'env: dev, region: ams'), cluster('c4', 'env: dev')].join('---\n'),
  'p-a.yaml': profile('a', 'env: prod', 'values', REGION),
  'p-b.yaml': profile('b', 'env: dev', 'values', REGION),
  'p-c.yaml': profile('c', 'env: prod', 'values', TIER),
  'p-d.yaml': profile('d', 'env: prod', 'releaseName', TIER),
  'p-e.yaml': profile('e', 'env: dev', 'values', STATUS),
  'p-f.yaml': profile('f', 'env: prod', 'values', REGION, '  templateResourceRefs:\n  - resource: {apiVersion: v1, kind: ConfigMap, namespace: default, name: shared}\n    identifier: Shared\n'),
  'cm.yaml': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: 'default' }, data: { a: 'b' } }),
};

const load = (f: Record<string, string>): LoadedRepository => parseManifests(Object.entries(f).map(([path, text]) => ({ path, text })));
const shown = (repo: LoadedRepository, ...args: Parameters<typeof templateProblems> extends [unknown, ...infer R] ? R : never) =>
  templateProblems(repo, ...args).map((d) => `${d.file}:${d.line} ${d.field}: ${d.message}`);

/** c3 has a status with a version, c4 none: `.Cluster.status` fails on c4 without counting (never probed). */
const statuses = new Map<ClusterKey, ClusterStatus>([['civo/c3', { ready: true, version: 'v1.30.1' } as ClusterStatus]]);
const statusOf = (k: ClusterKey) => statuses.get(k);

describe('template check', () => {
  test('profiles sharing a template text each get what they would alone, at their own field', () => {
    const repo = load(files);
    const alone = Object.keys(files)
      .filter((f) => f.startsWith('p-'))
      .flatMap((f) => shown(load({ 'clusters.yaml': files['clusters.yaml']!, 'cm.yaml': files['cm.yaml']!, [f]: files[f]! }), statusOf));
    const together = shown(repo, statusOf);
    assert.deepEqual(together, alone);
    // What the fixture is about, so that the comparison above cannot pass by reporting nothing.
    const gist = (line: string) => `${line.split(' ')[0]} ${line.split(' ')[1]} ${/for (\d+ of the \d+)/.exec(line)?.[1]}: ${[...new Set(line.match(/civo\/c\d/g))].join(' ')}`;
    assert.deepEqual(together.map(gist), [
      'p-a.yaml:13 spec.helmCharts[0].values: 1 of the 2: civo/c2',
      'p-b.yaml:13 spec.helmCharts[0].values: 1 of the 2: civo/c4',
      'p-d.yaml:11 spec.helmCharts[0].releaseName: 1 of the 2: civo/c1',
      'p-f.yaml:16 spec.helmCharts[0].values: 1 of the 2: civo/c2',
    ]);
    assert.equal(repo.diagnostics.length, 0);
  });

  test('the planner\'s prepared revision, after a cycle used its index, gives the same problems', () => {
    const repo = load(files);
    const revision = prepareRevision(repo);
    computeCycle({ revision, previous: emptySnapshot(), now: new Date(0) });
    assert.deepEqual(shown(repo, statusOf, revision), shown(repo, statusOf));
  });
});
