// A ClusterPromotion's policyRefs wait with its helm work: the stage not yet promoted gets no
// kubectl apply, and what it has is not withdrawn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planPolicyStep } from '../../src/daemon/policies.ts';
import { parseManifests } from '../../src/load/index.ts';
import type { ClusterKey } from '../../src/model/objects.ts';
import type { ProbeResult } from '../../src/model/ports.ts';
import { computeCycle, prepareRevision } from '../../src/plan/cycle.ts';
import { emptySnapshot } from '../../src/status/snapshot.ts';

const cluster = (name: string, env: string) => `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: ${name}, namespace: civo, labels: {env: ${env}}}\nspec: {}\n`;
const repo = parseManifests([
  { path: 'c1.yaml', text: cluster('q1', 'qa') },
  { path: 'c2.yaml', text: cluster('p1', 'prod') },
  { path: 'src.yaml', text: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'default' }, data: { 'a.yaml': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { a: '1' } }) } }) },
  {
    path: 'promotion.yaml',
    text: `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterPromotion
metadata: {name: web}
spec:
  profileSpec:
    policyRefs:
    - {kind: ConfigMap, namespace: default, name: web}
  stages:
  - {name: qa, clusterSelector: {matchLabels: {env: qa}}, trigger: {manual: {}}}
  - {name: prod, clusterSelector: {matchLabels: {env: prod}}}
`,
  },
]);

test('policyRefs of a stage that waits for its promotion are not applied', () => {
  assert.deepEqual(repo.diagnostics.filter((d) => d.severity === 'error'), []);
  const now = new Date('2026-03-13T10:00:00Z');
  const cycle = computeCycle({ revision: prepareRevision(repo), previous: emptySnapshot(), now });
  assert.equal(cycle.snapshot.promotions?.get('ClusterPromotion/web')?.status.stages[1]?.state, 'Waiting');
  const probes = new Map<ClusterKey, ProbeResult>(['civo/q1', 'civo/p1'].map((k) => [k, { cluster: k, ok: true, durationMs: 1 }]));
  const step = planPolicyStep({ repo, snapshot: cycle.snapshot, previous: emptySnapshot(), probes, taken: { keys: new Map(), finished: [] }, now: () => now }, []);
  assert.deepEqual(step.work.map((w) => `${w.profile} ${w.cluster} ${w.apply.length}`), ['ClusterProfile/web-qa civo/q1 1']);
});
