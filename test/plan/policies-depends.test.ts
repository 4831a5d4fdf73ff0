// planPolicies and dependsOn, the paused annotation and continueOnConflict: what waits, and why.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests } from '../../src/load/index.ts';
import { clusterKey, objectId, type ClusterKey } from '../../src/model/objects.ts';
import type { PolicyStatus, ProfileStatus } from '../../src/model/status.ts';
import { planPolicies, type PolicyPlan } from '../../src/plan/policies.ts';
import { recordPolicyOutcomes } from '../../src/plan/policy-status.ts';

const cluster = (name: string) => `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: ${name}, namespace: civo}\nspec: {}\n`;
const cm = (name: string, data: Record<string, string>) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });
const source = (name: string, objects: string[]) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: Object.fromEntries(objects.map((o, i) => [`${i}.yaml`, o])) });
const profile = (name: string, src: string, extra = '', meta = '') =>
  `apiVersion: config.projectsveltos.io/v1beta1\nkind: ClusterProfile\nmetadata: {name: ${name}${meta}}\nspec:\n${extra}  clusterRefs:\n  - {kind: SveltosCluster, namespace: civo, name: c1}\n  policyRefs:\n  - {kind: ConfigMap, namespace: default, name: ${src}}\n`;

type Previous = Map<string, { status: ProfileStatus }>;

function plan(files: Record<string, string>, previous: Previous = new Map()): PolicyPlan {
  const repo = parseManifests(Object.entries(files).map(([path, text]) => ({ path, text })));
  assert.deepEqual(repo.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  const clusters = new Map(repo.clusters.map((c) => [clusterKey(c.metadata), c]));
  const profiles = repo.profiles.map((p) => ({ id: objectId(p), profile: p, matched: (p.spec.clusterRefs ?? []).map((r) => clusterKey(r)) }));
  return planPolicies({ profiles, previous, clusters, sources: repo.sources, workable: (_: ClusterKey) => true });
}

function afterSuccess(p: PolicyPlan, before: Previous = new Map()): Previous {
  const outcomes = p.work.map((work) => ({ work, applied: new Set(work.apply.map((o) => o.key)), withdrawn: new Set(work.withdraw.map((o) => `/${o.kind}/${o.namespace ?? ''}/${o.name}`)) }));
  const records = recordPolicyOutcomes(p, outcomes, '2026-01-01T00:00:00Z');
  const out = new Map(before);
  for (const [id, byCluster] of records) out.set(id, { status: { matchingClusters: [], clusters: [...byCluster].map(([c, policies]) => ({ cluster: c, releases: [], policies })) } });
  return out;
}

const record = (p: PolicyPlan, profile: string, name: string): PolicyStatus | undefined => p.records.get(profile)?.get('civo/c1')?.find((r) => r.name === name);
const work = (p: PolicyPlan) => p.work.map((w) => `${w.profile}: ${w.apply.map((o) => `+${o.name}`).concat(w.withdraw.map((o) => `-${o.name}`)).join(' ')}`);

const files = {
  'c1.yaml': cluster('c1'),
  'crds.yaml': source('crds', [cm('crd', { x: '1' })]),
  'rules.yaml': source('rules', [cm('rule', { x: '1' })]),
  'base.yaml': profile('base', 'crds'),
  'rules-profile.yaml': profile('rules', 'rules', '  dependsOn: [base]\n'),
};

describe('policyRefs and dependsOn', () => {
  test('a dependent applies nothing until its prerequisite is recorded applied on the cluster', () => {
    const first = plan(files);
    assert.deepEqual(work(first), ['ClusterProfile/base: +crd']);
    assert.equal(record(first, 'ClusterProfile/rules', 'rule')?.state, 'Pending');
    assert.match(record(first, 'ClusterProfile/rules', 'rule')!.error!, /waiting for profile ClusterProfile\/base to be deployed on civo\/c1 \(dependsOn\)/);
    const second = plan(files, afterSuccess(first));
    assert.deepEqual(work(second), ['ClusterProfile/rules: +rule']);
  });

  test('a prerequisite leaves a cluster only after its dependents have', () => {
    let prev = afterSuccess(plan(files));
    prev = afterSuccess(plan(files, prev), prev);
    const { 'base.yaml': _b, 'rules-profile.yaml': _r, ...none } = files;
    const withPrevObjects: Previous = new Map([...prev].map(([id, e]) => [id, { ...e, object: parseManifests([{ path: 'x.yaml', text: id.endsWith('rules') ? files['rules-profile.yaml'] : files['base.yaml'] }]).profiles[0]! }]));
    const first = plan(none, withPrevObjects);
    assert.deepEqual(work(first), ['ClusterProfile/rules: -rule']);
    const next = afterSuccess(first, withPrevObjects);
    next.set('ClusterProfile/rules', { ...next.get('ClusterProfile/rules')!, status: { matchingClusters: [] } });
    assert.deepEqual(work(plan(none, next)), ['ClusterProfile/base: -crd']);
  });
});

describe('policyRefs of a paused profile, and continueOnConflict', () => {
  test('a paused profile applies and withdraws nothing', () => {
    const paused = { ...files, 'base.yaml': profile('base', 'crds', '', ', annotations: {profile.projectsveltos.io/paused: "true"}') };
    const p = plan(paused);
    assert.deepEqual(work(p), []);
    assert.match(record(p, 'ClusterProfile/base', 'crd')!.error!, /profile paused/);
  });

  test('a lost conflict stops the objects after it unless continueOnConflict is true', () => {
    const rival = { 'c1.yaml': cluster('c1'), 'owner.yaml': source('owner', [cm('b', { x: 'owner' })]), 'o.yaml': profile('owner', 'owner', '  tier: 10\n'), 'mine.yaml': source('mine', [cm('a', { x: '1' }), cm('b', { x: '1' }), cm('c', { x: '1' })]) };
    const stop = plan({ ...rival, 'm.yaml': profile('mine', 'mine') });
    assert.deepEqual(work(stop), ['ClusterProfile/mine: +a', 'ClusterProfile/owner: +b']);
    assert.match(record(stop, 'ClusterProfile/mine', 'c')!.error!, /ConfigMap b lost a conflict on civo\/c1 and continueOnConflict is false/);
    const go = plan({ ...rival, 'm.yaml': profile('mine', 'mine', '  continueOnConflict: true\n') });
    assert.deepEqual(work(go), ['ClusterProfile/mine: +a +c', 'ClusterProfile/owner: +b']);
  });
});
