// patches, patchesFrom and reloader on policyRefs objects: what planPolicies applies, per cluster,
// and that a change of a patch (or of a mounted ConfigMap, with the reloader) applies again.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests } from '../../src/load/index.ts';
import { clusterKey, objectId } from '../../src/model/objects.ts';
import type { ProfileStatus } from '../../src/model/status.ts';
import { RELOAD_ANNOTATION } from '../../src/patch/reloader.ts';
import { planPolicies, type PolicyPlan } from '../../src/plan/policies.ts';
import { recordPolicyOutcomes } from '../../src/plan/policy-status.ts';

const cluster = (name: string) => `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: ${name}, namespace: civo, labels: {tier: production}}\nspec: {}\n`;
const configMap = (name: string, data: Record<string, string>, annotations?: Record<string, string>) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) }, data });

const NGINX = `apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx-deployment, namespace: web, labels: {app: nginx}}
spec:
  replicas: 1
  template:
    spec:
      containers:
      - {name: nginx, image: "nginx:latest", ports: [{containerPort: 80}]}
      volumes:
      - {name: cfg, configMap: {name: nginx-config}}
`;
const NGINX_CONFIG = (conf: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nginx-config', namespace: 'web' }, data: { 'nginx.conf': conf } });

const profile = (spec: string) =>
  `apiVersion: config.projectsveltos.io/v1beta1\nkind: ClusterProfile\nmetadata: {name: nginx}\nspec:\n  clusterSelector: {matchLabels: {tier: production}}\n  policyRefs:\n  - {kind: ConfigMap, namespace: default, name: nginx-base-config}\n${spec}`;

function plan(files: Record<string, string>, previous = new Map<string, { status: ProfileStatus }>()): PolicyPlan {
  const repo = parseManifests(Object.entries(files).map(([path, text]) => ({ path, text })));
  assert.deepEqual(repo.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  const clusters = new Map(repo.clusters.map((c) => [clusterKey(c.metadata), c]));
  const profiles = repo.profiles.map((p) => ({ id: objectId(p), profile: p, matched: repo.clusters.map((c) => clusterKey(c.metadata)) }));
  return planPolicies({ profiles, previous, clusters, sources: repo.sources, workable: () => true });
}

function afterSuccess(p: PolicyPlan): Map<string, { status: ProfileStatus }> {
  const outcomes = p.work.map((work) => ({ work, applied: new Set(work.apply.map((o) => o.key)), withdrawn: new Set<string>() }));
  const records = recordPolicyOutcomes(p, outcomes, '2026-01-01T00:00:00Z');
  return new Map([...records].map(([id, byCluster]) => [id, { status: { matchingClusters: [], clusters: [...byCluster].map(([c, policies]) => ({ cluster: c, releases: [], policies })) } }]));
}

const applied = (p: PolicyPlan, cluster: string, name: string): Record<string, any> => p.work.find((w) => w.cluster === cluster)!.apply.find((o) => o.name === name)!.manifest;

const base = {
  'c1.yaml': cluster('edge-node-01'),
  'c2.yaml': cluster('plain'),
  'base.yaml': configMap('nginx-base-config', { 'nginx.yaml': NGINX, 'config.yaml': NGINX_CONFIG('a') }),
};

describe('patches on policyRefs objects', () => {
  test('inline patches: strategic merge and JSON 6902, templated per cluster', () => {
    const spec = `  patches:
  - target: {kind: Deployment, name: nginx-deployment}
    patch: |
      - op: replace
        path: /spec/replicas
        value: 3
  - patch: |
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: nginx-deployment, namespace: web}
      spec:
        template:
          spec:
            containers:
            - name: nginx
              env: [{name: CLUSTER, value: "{{ .Cluster.metadata.name }}"}]
`;
    const p = plan({ ...base, 'profile.yaml': profile(spec) });
    const d = applied(p, 'civo/edge-node-01', 'nginx-deployment');
    assert.equal(d.spec.replicas, 3);
    assert.deepEqual(d.spec.template.spec.containers[0].env, [{ name: 'CLUSTER', value: 'edge-node-01' }]);
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:latest');
    assert.equal(applied(p, 'civo/plain', 'nginx-deployment').spec.template.spec.containers[0].env[0].value, 'plain');
  });

  test('patchesFrom: a per-cluster ConfigMap (optional) patches that cluster only (Sveltos docs: edge-node-01-hardening)', () => {
    const hardening = `patch: |
  apiVersion: apps/v1
  kind: Deployment
  metadata: {name: not-important}
  spec:
    template:
      spec:
        securityContext: {runAsNonRoot: true, runAsUser: 1000}
        nodeSelector: {location: edge-facility}
target: {kind: Deployment, name: nginx-deployment}
`;
    const spec = `  patchesFrom:\n  - {kind: ConfigMap, name: "{{ .Cluster.metadata.name }}-hardening", namespace: default, optional: true}\n`;
    const p = plan({ ...base, 'h.yaml': configMap('edge-node-01-hardening', { 'nginx-deployment-patch': hardening }), 'profile.yaml': profile(spec) });
    const edge = applied(p, 'civo/edge-node-01', 'nginx-deployment');
    assert.deepEqual(edge.spec.template.spec.nodeSelector, { location: 'edge-facility' });
    assert.equal(edge.metadata.name, 'nginx-deployment');
    assert.equal(applied(p, 'civo/plain', 'nginx-deployment').spec.template.spec.nodeSelector, undefined, 'no override ConfigMap: the base as it is');
    assert.deepEqual(p.errors, new Map());
  });

  test('a templated patchesFrom source is rendered per cluster', () => {
    const key = `patch: |\n  - {op: replace, path: /spec/replicas, value: {{ len .Cluster.metadata.name }}}\ntarget: {kind: Deployment}\n`;
    const spec = `  patchesFrom:\n  - {kind: ConfigMap, name: replicas, namespace: default}\n`;
    const p = plan({ ...base, 'r.yaml': configMap('replicas', { k: key }, { 'projectsveltos.io/template': 'ok' }), 'profile.yaml': profile(spec) });
    assert.equal(applied(p, 'civo/edge-node-01', 'nginx-deployment').spec.replicas, 12);
    assert.equal(applied(p, 'civo/plain', 'nginx-deployment').spec.replicas, 5);
  });

  test('a patch change applies the patched object again, and only it', () => {
    const spec = (n: number) => `  patches:\n  - target: {kind: Deployment}\n    patch: '[{"op": "replace", "path": "/spec/replicas", "value": ${n}}]'\n`;
    const first = plan({ ...base, 'profile.yaml': profile(spec(2)) });
    const prev = afterSuccess(first);
    assert.deepEqual(plan({ ...base, 'profile.yaml': profile(spec(2)) }, prev).work, []);
    const again = plan({ ...base, 'profile.yaml': profile(spec(4)) }, prev);
    assert.deepEqual(again.work.map((w) => w.apply.map((o) => o.name)), [['nginx-deployment'], ['nginx-deployment']]);
    assert.equal(applied(again, 'civo/plain', 'nginx-deployment').spec.replicas, 4);
  });

  test('a patch that fails holds the object: Failed with the reason, neither applied nor withdrawn', () => {
    const ok = plan({ ...base, 'profile.yaml': profile(`  patches:\n  - {target: {kind: Deployment}, patch: '[{"op": "replace", "path": "/spec/replicas", "value": 2}]'}\n`) });
    const prev = afterSuccess(ok);
    const bad = plan({ ...base, 'profile.yaml': profile(`  patches:\n  - {target: {kind: Deployment}, patch: '[{"op": "replace", "path": "/spec/nope/x", "value": 2}]'}\n`) }, prev);
    assert.deepEqual(bad.work, [], 'nothing applied, nothing withdrawn');
    const rec = bad.records.get('ClusterProfile/nginx')!.get('civo/plain')!.find((r) => r.name === 'nginx-deployment')!;
    assert.equal(rec.state, 'Failed');
    assert.match(rec.error!, /^patch 0 on Deployment web\/nginx-deployment: operation 0 \(replace \/spec\/nope\/x\)/);
    assert.equal(bad.records.get('ClusterProfile/nginx')!.get('civo/plain')!.find((r) => r.name === 'nginx-config')!.state, 'Applied');
  });

  test('a missing patchesFrom source (not optional) holds every object of the profile on that cluster', () => {
    const p = plan({ ...base, 'profile.yaml': profile(`  patchesFrom:\n  - {kind: ConfigMap, name: "{{ .Cluster.metadata.name }}-x", namespace: default}\n`) });
    assert.deepEqual(p.work, []);
    assert.deepEqual(p.errors.get('ClusterProfile/nginx'), [
      'civo/edge-node-01: patchesFrom[0]: ConfigMap/default/edge-node-01-x is not in the repository',
      'civo/plain: patchesFrom[0]: ConfigMap/default/plain-x is not in the repository',
    ]);
  });
});

describe('reloader', () => {
  const files = (conf: string, reloader = true) => ({ ...base, 'base.yaml': configMap('nginx-base-config', { 'nginx.yaml': NGINX, 'config.yaml': NGINX_CONFIG(conf) }), 'profile.yaml': profile(reloader ? '  reloader: true\n' : '') });

  test('a workload mounting a ConfigMap of the profile carries its hash; without reloader it does not', () => {
    const d = applied(plan(files('a')), 'civo/plain', 'nginx-deployment');
    assert.match(d.spec.template.metadata.annotations[RELOAD_ANNOTATION], /^sha256:[0-9a-f]{64}$/);
    assert.equal(applied(plan(files('a', false)), 'civo/plain', 'nginx-deployment').spec.template.metadata, undefined);
  });

  test('a change of the mounted ConfigMap applies the workload again (a rolling restart)', () => {
    const prev = afterSuccess(plan(files('a')));
    assert.deepEqual(plan(files('a'), prev).work, []);
    const changed = plan(files('b'), prev);
    assert.deepEqual(changed.work.map((w) => w.apply.map((o) => o.name).sort()), [['nginx-config', 'nginx-deployment'], ['nginx-config', 'nginx-deployment']]);
  });
});
