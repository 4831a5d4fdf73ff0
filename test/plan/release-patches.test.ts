// patches, patchesFrom and reloader on helm releases, as the planner sees them: they travel with the
// release request to the post-renderer and are part of its hash, so a patch change upgrades once;
// a patch that cannot be had for a cluster fails that release there and runs no helm.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContentSource } from '../../src/model/sources.ts';
import type { RepositoryObjects } from '../../src/plan/cycle.ts';
import { chart, cluster, clusterProfile } from '../select/fleet.ts';
import { step, summary } from './cycle-helpers.ts';

const source = (name: string, data: Record<string, string>, templated = false): ContentSource => ({
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default' },
  data,
  templated,
  source: { file: 'cm.yaml', line: 1, col: 1 },
  keySources: {},
});

const repo = (spec: Record<string, unknown>, sources: ContentSource[] = []): RepositoryObjects => ({
  clusters: [cluster('civo/c1', { env: 'fv' }), cluster('civo/c2', { env: 'fv' })],
  sets: [],
  profiles: [clusterProfile('nginx', { clusterSelector: { matchLabels: { env: 'fv' } }, helmCharts: [chart('web')], ...spec })],
  sources,
});

const replicas = (n: number | string) => ({ patches: [{ target: { kind: 'Deployment' }, patch: `- {op: replace, path: /spec/replicas, value: ${n}}` }] });

describe('patches on helm releases', () => {
  test('the request carries the patches; a patch change upgrades every cluster once; the same patches do nothing', () => {
    const first = step(repo(replicas(2)));
    assert.deepEqual(first.cycle.actions.map((a) => a.release.patches), [replicas(2).patches, replicas(2).patches]);
    assert.deepEqual(summary(step(repo(replicas(2)), first.after).cycle), []);
    assert.deepEqual(summary(step(repo(replicas(3)), first.after).cycle), ['upgrade web on civo/c1 for ClusterProfile/nginx', 'upgrade web on civo/c2 for ClusterProfile/nginx']);
  });

  test('a templated patch is rendered per cluster', () => {
    const { cycle } = step(repo(replicas('{{ len .Cluster.metadata.name }}{{ len .Cluster.metadata.name }}')));
    assert.deepEqual(cycle.actions.map((a) => a.release.patches?.[0]?.patch), ['- {op: replace, path: /spec/replicas, value: 22}', '- {op: replace, path: /spec/replicas, value: 22}']);
  });

  test('patchesFrom a per-cluster ConfigMap: only that cluster is patched; turning reloader on upgrades', () => {
    const override = source('c1-overrides', { p: 'patch: |\n  - {op: replace, path: /spec/replicas, value: 5}\ntarget: {kind: Deployment, name: web-.*}\n' });
    const spec = { patchesFrom: [{ kind: 'ConfigMap', name: '{{ .Cluster.metadata.name }}-overrides', namespace: 'default', optional: true }] };
    const first = step(repo(spec, [override]));
    const byCluster = new Map(first.cycle.actions.map((a) => [a.cluster, a.release.patches]));
    assert.deepEqual(byCluster.get('civo/c1'), [{ patch: '- {op: replace, path: /spec/replicas, value: 5}\n', target: { kind: 'Deployment', name: 'web-.*' } }]);
    assert.equal(byCluster.get('civo/c2'), undefined);
    const reloading = step(repo({ ...spec, reloader: true }, [override]), first.after);
    assert.equal(reloading.cycle.actions.length, 2);
    assert.ok(reloading.cycle.actions.every((a) => a.release.reloader === true));
  });

  test('a missing patchesFrom source or a bad patch fails the release on that cluster, with the reason', () => {
    const spec = { patchesFrom: [{ kind: 'ConfigMap', name: '{{ .Cluster.metadata.name }}-overrides', namespace: 'default' }] };
    const { cycle, after } = step(repo(spec, [source('c1-overrides', { p: 'patch: "- {op: add, path: /a, value: 1}"\n' })]));
    assert.deepEqual(cycle.actions, []);
    const reason = (c: string) => {
      const r = after.profiles.get('ClusterProfile/nginx')?.status.clusters?.find((x) => x.cluster === c)?.releases[0];
      assert.equal(r?.state, 'Failed', c);
      return r?.lastError;
    };
    assert.equal(reason('civo/c1'), 'patches: patchesFrom[0] ConfigMap/default/c1-overrides key "p".target: a JSON 6902 patch needs a target (kustomize refuses one without)');
    assert.equal(reason('civo/c2'), 'patches: patchesFrom[0]: ConfigMap/default/c2-overrides is not in the repository');
  });
});
