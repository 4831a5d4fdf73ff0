// valuesFrom resolved as Sveltos does, from the repository's ConfigMaps and Secrets: merge order
// (values, then sources that are not templates, then templates), names and content rendered per
// cluster, optional entries, dangling ones failing the release there, and a Secret's content in
// no error and no status.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests } from '../../src/load/index.ts';
import type { ProfileObject } from '../../src/model/objects.ts';
import type { ContentSource } from '../../src/model/sources.ts';
import type { RepositoryObjects } from '../../src/plan/cycle.ts';
import { helmValuesFrom, resolveValuesFrom, sourcesById, valuesFromData, ValuesFromError, type ValueFromRef } from '../../src/plan/values-from.ts';
import { chart, cluster, clusterProfile, nsProfile } from '../select/fleet.ts';
import { record, step, summary } from './cycle-helpers.ts';

const SECRET = 'hunter2-never-shown';
const b64 = (s: string) => Buffer.from(s).toString('base64');

function configMap(ns: string, name: string, data: Record<string, string>, templated = false): string {
  const annotations = templated ? { 'projectsveltos.io/template': 'ok' } : undefined;
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) }, data });
}

function secret(ns: string, name: string, data: Record<string, string>, templated = false): string {
  const annotations = templated ? { 'projectsveltos.io/template': 'ok' } : undefined;
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)]));
  return JSON.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'addons.projectsveltos.io/cluster-profile', metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) }, data: encoded });
}

function sourcesOf(files: Record<string, string>): ContentSource[] {
  const repo = parseManifests(Object.entries(files).map(([path, text]) => ({ path, text })));
  return repo.sources;
}

const SOURCES = sourcesOf({
  'a.yaml': configMap('default', 'a', { '2.yaml': 'x: a2\n', '1.yaml': 'x: a1\nonlyA: 1\n' }),
  'b.yaml': configMap('default', 'b', { 'v.yaml': 'x: b\nnested: {keep: 1, over: 1}\n' }),
  't.yaml': configMap('default', 't', { 'v.yaml': 'x: "t-{{ .Cluster.metadata.name }}"\n' }, true),
  'c1.yaml': configMap('civo', 'per-cluster1', { 'v.yaml': 'who: one\n' }),
  'c2.yaml': configMap('civo', 'per-cluster2', { 'v.yaml': 'who: two\n' }),
  's.yaml': secret('default', 's', { 'v.yaml': `password: ${SECRET}\n` }),
  'bad.yaml': secret('default', 'bad', { 'v.yaml': `- ${SECRET}\n` }),
  'badtpl.yaml': secret('default', 'badtpl', { 'v.yaml': `p: {{ .Cluster.${SECRET} }}\n` }, true),
});
const BY_ID = sourcesById(SOURCES);
const C1 = cluster('civo/cluster1', { env: 'prod' });
const C2 = cluster('civo/cluster2', { env: 'prod' });
const PROFILE = clusterProfile('web', {});

const cm = (name: string, extra: Partial<ValueFromRef> = {}): ValueFromRef => ({ kind: 'ConfigMap', name, namespace: 'default', ...extra });

describe('helmValuesFrom', () => {
  test('sources that are not templates come first, in entry order and key order; templates after them', () => {
    const texts = helmValuesFrom([cm('t'), cm('b'), cm('a')], PROFILE, C1, BY_ID);
    assert.deepEqual(texts, ['x: b\nnested: {keep: 1, over: 1}\n', 'x: a1\nonlyA: 1\n', 'x: a2\n', 'x: "t-cluster1"\n']);
  });

  test('a templated name and a missing namespace resolve per cluster (the cluster\'s namespace for a ClusterProfile)', () => {
    const entries: ValueFromRef[] = [{ kind: 'ConfigMap', name: 'per-{{ .Cluster.metadata.name }}' }];
    assert.deepEqual(helmValuesFrom(entries, PROFILE, C1, BY_ID), ['who: one\n']);
    assert.deepEqual(helmValuesFrom(entries, PROFILE, C2, BY_ID), ['who: two\n']);
  });

  test('a Profile reads its own namespace, whatever the entry says', () => {
    const profile: ProfileObject = nsProfile('civo', 'web', {});
    assert.deepEqual(helmValuesFrom([cm('per-cluster1', { namespace: 'default' })], profile, C1, BY_ID), ['who: one\n']);
    assert.throws(() => helmValuesFrom([cm('a')], profile, C1, BY_ID), { code: 'values-from-missing' });
  });

  test('an optional entry may be missing; any other missing one fails with the entry and what was looked for', () => {
    assert.deepEqual(helmValuesFrom([cm('gone', { optional: true }), cm('b')], PROFILE, C1, BY_ID), ['x: b\nnested: {keep: 1, over: 1}\n']);
    assert.throws(() => helmValuesFrom([cm('b'), cm('gone')], PROFILE, C1, BY_ID), (err: unknown) => {
      assert.ok(err instanceof ValuesFromError);
      assert.equal(err.code, 'values-from-missing');
      assert.match(err.message, /^valuesFrom\[1\]: ConfigMap\/default\/gone is not in the repository/);
      return true;
    });
  });

  test('a Secret that is not a mapping, or whose template fails, is an error that never quotes it', () => {
    for (const [name, code] of [['bad', 'values-from-yaml'], ['badtpl', 'values-from-render']] as const) {
      assert.throws(() => helmValuesFrom([{ kind: 'Secret', name, namespace: 'default' }], PROFILE, C1, BY_ID), (err: unknown) => {
        assert.ok(err instanceof ValuesFromError);
        assert.equal(err.code, code);
        assert.match(err.message, new RegExp(`Secret/default/${name} key "v.yaml"`));
        assert.doesNotMatch(err.message, new RegExp(SECRET));
        return true;
      });
    }
  });

  test('the general form merges keys, a later source overriding an earlier one', () => {
    const data = valuesFromData([cm('a'), cm('b'), cm('missing', { optional: true })], PROFILE, C1, BY_ID);
    assert.deepEqual(data, { '1.yaml': 'x: a1\nonlyA: 1\n', '2.yaml': 'x: a2\n', 'v.yaml': 'x: b\nnested: {keep: 1, over: 1}\n' });
    assert.deepEqual(resolveValuesFrom([cm('t')], PROFILE, C2, BY_ID).map((s) => [s.id, s.templated, s.data['v.yaml']]), [['ConfigMap/default/t', true, 'x: "t-cluster2"\n']]);
  });
});

describe('valuesFrom in the plan', () => {
  const repoWith = (valuesFrom: ValueFromRef[], sources: ContentSource[] = SOURCES): RepositoryObjects => ({
    clusters: [C1, C2],
    sets: [],
    profiles: [clusterProfile('web', { clusterSelector: { matchLabels: { env: 'prod' } }, helmCharts: [chart('web', { values: 'x: own\n', valuesFrom })] })],
    sources,
  });

  test('the resolved texts reach the release request, per cluster when they differ', () => {
    const { cycle } = step(repoWith([cm('b'), { kind: 'ConfigMap', name: 'per-{{ .Cluster.metadata.name }}' }]));
    const byCluster = Object.fromEntries(cycle.actions.map((a) => [a.cluster, a.release]));
    assert.equal(byCluster['civo/cluster1']?.values, 'x: own\n');
    assert.deepEqual(byCluster['civo/cluster1']?.valuesFrom, ['x: b\nnested: {keep: 1, over: 1}\n', 'who: one\n']);
    assert.deepEqual(byCluster['civo/cluster2']?.valuesFrom, ['x: b\nnested: {keep: 1, over: 1}\n', 'who: two\n']);
  });

  test('a change to a referenced ConfigMap changes the hash: the release is upgraded', () => {
    const first = step(repoWith([cm('b')]));
    const changed = sourcesOf({ 'b.yaml': configMap('default', 'b', { 'v.yaml': 'x: changed\n' }) });
    const again = step(repoWith([cm('b')]), first.after);
    assert.deepEqual(summary(again.cycle), [], 'nothing changed, nothing to do');
    const next = step(repoWith([cm('b')], changed), first.after);
    assert.deepEqual(summary(next.cycle), ['upgrade web on civo/cluster1 for ClusterProfile/web', 'upgrade web on civo/cluster2 for ClusterProfile/web']);
  });

  test('a dangling entry fails the release on that cluster, and a Secret\'s values stay out of status', () => {
    const { cycle, after } = step(repoWith([{ kind: 'Secret', name: 's', namespace: 'default' }, { kind: 'ConfigMap', name: 'per-{{ .Cluster.metadata.name }}' }]));
    assert.equal(cycle.actions.length, 2);
    assert.deepEqual(cycle.actions[0]!.release.valuesFrom, [`password: ${SECRET}\n`, 'who: one\n']);
    assert.doesNotMatch(JSON.stringify([...after.profiles.values()].map((e) => e.status)), new RegExp(SECRET));
    const broken = step(repoWith([{ kind: 'ConfigMap', name: 'per-{{ .Cluster.metadata.name }}' }], SOURCES.filter((s) => s.metadata.name !== 'per-cluster2')));
    assert.deepEqual(summary(broken.cycle), ['install web on civo/cluster1 for ClusterProfile/web']);
    const failed = record(broken.after, 'ClusterProfile/web', 'civo/cluster2', 'web');
    assert.equal(failed?.state, 'Failed');
    assert.match(failed?.lastError ?? '', /^valuesFrom\[0\]: ConfigMap\/civo\/per-cluster2 is not in the repository/);
  });
});
