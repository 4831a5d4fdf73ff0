// planPolicies: what to apply and withdraw per (cluster, profile), decided from the repository's
// ConfigMaps and the previous status alone; the executor checks gitset's mark before deleting.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests } from '../../src/load/index.ts';
import { clusterKey, objectId, type ClusterKey } from '../../src/model/objects.ts';
import type { ProfileStatus } from '../../src/model/status.ts';
import { planPolicies, type PolicyPlan } from '../../src/plan/policies.ts';
import { recordPolicyOutcomes } from '../../src/plan/policy-status.ts';

const cluster = (name: string) => `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: ${name}, namespace: civo}\nspec: {}\n`;
const cm = (name: string, ns: string, data: Record<string, string>) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data });
const source = (name: string, data: Record<string, string>) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });
const profile = (name: string, tier: number, src: string, clusters: string[], extra = '') =>
  `apiVersion: config.projectsveltos.io/v1beta1\nkind: ClusterProfile\nmetadata: {name: ${name}}\nspec:\n  tier: ${tier}\n${extra}  clusterRefs:\n${clusters.map((c) => `  - {kind: SveltosCluster, namespace: civo, name: ${c}}\n`).join('')}  policyRefs:\n  - {kind: ConfigMap, namespace: default, name: ${src}}\n`;

function plan(files: Record<string, string>, previous = new Map<string, { status: ProfileStatus }>(), workable = (_: ClusterKey, _p?: string) => true): PolicyPlan {
  const repo = parseManifests(Object.entries(files).map(([path, text]) => ({ path, text })));
  assert.deepEqual(repo.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  const clusters = new Map(repo.clusters.map((c) => [clusterKey(c.metadata), c]));
  const profiles = repo.profiles.map((p) => ({ id: objectId(p), profile: p, matched: (p.spec.clusterRefs ?? []).map((r) => clusterKey(r)) }));
  return planPolicies({ profiles, previous, clusters, sources: repo.sources, workable });
}

/** The status a plan leaves once kubectl did everything it asked. */
function afterSuccess(p: PolicyPlan): Map<string, { status: ProfileStatus }> {
  const outcomes = p.work.map((work) => ({ work, applied: new Set(work.apply.map((o) => o.key)), withdrawn: new Set(work.withdraw.map((o) => `/${o.kind}/${o.namespace ?? ''}/${o.name}`)) }));
  const records = recordPolicyOutcomes(p, outcomes, '2026-01-01T00:00:00Z');
  return new Map([...records].map(([id, byCluster]) => [id, { status: { matchingClusters: [], clusters: [...byCluster].map(([c, policies]) => ({ cluster: c, releases: [], policies })) } }]));
}

const NS_AND_INNER = `${cm('inner', 'web', { x: '1' })}\n---\n{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"web"}}`;
const webSource = (t: string) => source('web', { 'a.yaml': NS_AND_INNER, 'b.yaml': cm('tmp', 'default', { t }) });

const base = {
  'c1.yaml': cluster('c1'),
  'c2.yaml': cluster('c2'),
  'src.yaml': webSource('1'),
  'web.yaml': profile('web', 100, 'web', ['c1']),
};

describe('planPolicies', () => {
  test('applies Namespaces first, each object marked with gitset, its profile and hash', () => {
    const p = plan(base);
    assert.equal(p.work.length, 1);
    assert.deepEqual(p.work[0]!.apply.map((o) => `${o.kind}/${o.name}`), ['Namespace/web', 'ConfigMap/inner', 'ConfigMap/tmp']);
    assert.deepEqual(p.work[0]!.namespaces, ['default'], 'namespaces used but not declared are created when missing');
    const labels = (p.work[0]!.apply[1]!.manifest.metadata as { labels: Record<string, string> }).labels;
    assert.equal(labels['gitset.dev/managed-by'], 'gitset');
    assert.equal(labels['gitset.dev/profile'], 'clusterprofile.web');
    assert.equal(labels['gitset.dev/hash'], p.work[0]!.apply[1]!.hash.slice(7, 39));
  });

  test('nothing to do when the status holds the same hashes; a content change applies that object only', () => {
    const prev = afterSuccess(plan(base));
    assert.deepEqual(plan(base, prev).work, []);
    const changed = { ...base, 'src.yaml': webSource('2') };
    assert.deepEqual(plan(changed, prev).work.map((w) => w.apply.map((o) => o.name)), [['tmp']]);
  });

  test('an object that leaves the ConfigMap is withdrawn', () => {
    const prev = afterSuccess(plan(base));
    const p = plan({ ...base, 'src.yaml': source('web', { 'a.yaml': NS_AND_INNER }) }, prev);
    assert.deepEqual(p.work.map((w) => [w.apply.length, w.withdraw.map((o) => o.name)]), [[0, ['tmp']]]);
  });

  test('a cluster that stops matching: withdrawn (Namespace last), unless LeavePolicies; kept while it does not answer', () => {
    const prev = afterSuccess(plan(base));
    const moved = { ...base, 'web.yaml': profile('web', 100, 'web', ['c2']) };
    const p = plan(moved, prev);
    assert.deepEqual(p.work.map((w) => [w.cluster, w.apply.length, w.withdraw.map((o) => o.name)]), [['civo/c1', 0, ['inner', 'tmp', 'web']], ['civo/c2', 3, []]]);
    const leave = plan({ ...base, 'web.yaml': profile('web', 100, 'web', ['c2'], '  stopMatchingBehavior: LeavePolicies\n') }, prev);
    assert.deepEqual(leave.work.map((w) => w.cluster), ['civo/c2']);
    const down = plan(moved, prev, (c) => c !== 'civo/c1');
    assert.deepEqual(down.work.map((w) => w.cluster), ['civo/c2']);
    assert.equal(down.records.get('ClusterProfile/web')?.get('civo/c1')?.length, 3, 'records kept until c1 answers');
  });

  test('two profiles claiming one object: the lower tier wins, the loser says so; no delete on hand-over', () => {
    const rival = { ...base, 'r.yaml': source('rival', { 'x.yaml': cm('tmp', 'default', { t: 'rival' }) }), 'rival.yaml': profile('rival', 50, 'rival', ['c1']) };
    const prev = afterSuccess(plan(base));
    const p = plan(rival, prev);
    assert.deepEqual(p.work.map((w) => [w.profile, w.apply.map((o) => o.name), w.withdraw.map((o) => o.name)]), [['ClusterProfile/rival', ['tmp'], []]]);
    const lost = p.records.get('ClusterProfile/web')?.get('civo/c1')?.find((r) => r.name === 'tmp');
    assert.equal(lost?.state, 'Conflict');
    assert.match(lost?.error ?? '', /claimed by ClusterProfile\/rival \(tier 50/);
  });

  test('a deleted profile withdraws what it applied', () => {
    const prev = afterSuccess(plan(base));
    const { 'web.yaml': _gone, ...rest } = base;
    assert.deepEqual(plan(rest, prev).work.map((w) => w.withdraw.map((o) => o.name)), [['inner', 'tmp', 'web']]);
  });

  test('templated content is rendered per cluster; a render error is reported per cluster and nothing of it applied', () => {
    const templated = (name: string, kind: string, text: string) =>
      JSON.stringify({ apiVersion: 'v1', kind, metadata: { name, namespace: 'default', annotations: { 'projectsveltos.io/template': 'true' } }, ...(kind === 'Secret' ? { type: 'addons.projectsveltos.io/cluster-profile', stringData: { 'a.yaml': text } } : { data: { 'a.yaml': text } }) });
    const files = { 'c1.yaml': cluster('c1'), 'c2.yaml': cluster('c2'), 'src.yaml': templated('web', 'ConfigMap', cm('hello-{{ .Cluster.metadata.name }}', 'default', { x: '1' })), 'web.yaml': profile('web', 100, 'web', ['c1', 'c2']) };
    assert.deepEqual(plan(files).work.map((w) => [w.cluster, w.apply.map((o) => o.name)]), [['civo/c1', ['hello-c1']], ['civo/c2', ['hello-c2']]]);
    const broken = plan({ ...files, 'src.yaml': templated('web', 'Secret', 'token: {{ .Cluster.metadata.labels.missing }} s3cret'), 'web.yaml': profile('web', 100, 'web', ['c1']).replace('kind: ConfigMap', 'kind: Secret') });
    assert.deepEqual(broken.work, []);
    assert.deepEqual(broken.errors.get('ClusterProfile/web'), ['civo/c1: Secret/default/web key "a.yaml": cannot be rendered or parsed']);
  });

  test('a source that cannot be rendered withdraws nothing: what was applied stays until its content is known again', () => {
    const templated = (text: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'default', annotations: { 'projectsveltos.io/template': 'true' } }, data: { 'a.yaml': text } });
    const files = { ...base, 'src.yaml': templated(cm('hello-{{ .Cluster.metadata.name }}', 'default', { x: '1' })) };
    const prev = afterSuccess(plan(files));
    const broken = plan({ ...files, 'src.yaml': templated(cm('hello-{{ .Cluster.metadata.labels.missing }}', 'default', { x: '1' })) }, prev);
    assert.deepEqual(broken.work, [], 'no withdrawal');
    assert.deepEqual(broken.records.get('ClusterProfile/web')?.get('civo/c1')?.map((r) => [r.name, r.state]), [['hello-c1', 'Applied']]);
    // Once the content is known again and no longer has the object, it is withdrawn.
    const fixed = plan({ ...files, 'src.yaml': templated(cm('bye-{{ .Cluster.metadata.name }}', 'default', { x: '1' })) }, prev);
    assert.deepEqual(fixed.work.map((w) => [w.apply.map((o) => o.name), w.withdraw.map((o) => o.name)]), [[['bye-c1'], ['hello-c1']]]);
  });

  test('DryRun records what it would apply and runs nothing, withdrawals included', () => {
    const dry = { ...base, 'web.yaml': profile('web', 100, 'web', ['c1'], '  syncMode: DryRun\n') };
    const p = plan(dry);
    assert.deepEqual(p.work, []);
    assert.deepEqual(p.records.get('ClusterProfile/web')?.get('civo/c1')?.map((r) => r.state), ['DryRun', 'DryRun', 'DryRun']);
    const prev = afterSuccess(plan(base));
    assert.deepEqual(plan({ ...dry, 'src.yaml': source('web', { 'a.yaml': NS_AND_INNER }) }, prev).work, []);
  });

  test("a ClusterProfile entry without a namespace reads the matched cluster's namespace; a templated name is rendered", () => {
    const inCivo = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'civo' }, data: { 'a.yaml': cm('from-civo', 'default', {}) } });
    const perCluster = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-c1', namespace: 'default' }, data: { 'a.yaml': cm('for-c1', 'default', {}) } });
    const p = plan({ 'c1.yaml': cluster('c1'), 'src.yaml': inCivo, 'pc.yaml': perCluster, 'web.yaml': profile('web', 100, 'web', ['c1']).replace('{kind: ConfigMap, namespace: default, name: web}', '{kind: ConfigMap, name: web}\n  - {kind: ConfigMap, namespace: default, name: "web-{{ .Cluster.metadata.name }}"}') });
    assert.deepEqual(p.work.map((w) => w.apply.map((o) => o.name)), [['from-civo', 'for-c1']]);
  });

  test('work that ended after a later plan: recorded with the hash kubectl applied, and an object no longer wanted is kept to be withdrawn', () => {
    const first = plan(base);
    const work = first.work[0]!;
    const outcome = { work, applied: new Set(work.apply.map((o) => o.key)), withdrawn: new Set<string>(), finishedAt: '2026-01-01T00:05:00Z' };
    // Meanwhile `tmp` left the ConfigMap and `settings`… the pair was in flight: not workable.
    const changed = { ...base, 'src.yaml': source('web', { 'a.yaml': NS_AND_INNER }) };
    const later = plan(changed, new Map(), () => false);
    const records = recordPolicyOutcomes(later, [outcome], '2026-01-01T00:06:00Z').get('ClusterProfile/web')!.get('civo/c1')!;
    const tmp = records.find((r) => r.name === 'tmp');
    assert.equal(tmp?.state, 'Applied', 'kubectl applied it: recorded, so that the next plan withdraws it');
    assert.equal(tmp?.lastAppliedTime, '2026-01-01T00:05:00Z', 'the time kubectl ended');
    const inner = records.find((r) => r.name === 'inner')!;
    assert.equal(inner.hash, work.apply.find((o) => o.name === 'inner')!.hash);
    const next = plan(changed, new Map([['ClusterProfile/web', { status: { matchingClusters: [], clusters: [{ cluster: 'civo/c1', releases: [], policies: records }] } }]]));
    assert.deepEqual(next.work.map((w) => w.withdraw.map((o) => o.name)), [['tmp']]);
    assert.deepEqual(next.work.map((w) => w.apply.length), [0], 'what kubectl applied is in sync');
  });
});
