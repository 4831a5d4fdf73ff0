// The policies recorded per cluster in a profile's status survive rendering and reading back,
// and a deleted profile keeps its status while objects are left to withdraw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyStatus } from '../../src/model/status.ts';
import { withPolicies } from '../../src/plan/policy-status.ts';
import { readStatusFiles } from '../../src/status/read.ts';
import { renderStatusFiles } from '../../src/status/render.ts';
import { emptySnapshot } from '../../src/status/snapshot.ts';

const object = { apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterProfile' as const, metadata: { name: 'web' }, spec: {} };
const applied: PolicyStatus = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'settings', hash: 'sha256:ab', state: 'Applied', source: 'ConfigMap/default/web', lastAppliedTime: '2026-01-01T00:00:00Z' };
const ns: PolicyStatus = { apiVersion: 'v1', kind: 'Namespace', name: 'web', state: 'Failed', hash: 'sha256:cd', error: 'kubectl: forbidden' };

test('policies per cluster are rendered beside releases and read back as they were', () => {
  const snapshot = emptySnapshot();
  snapshot.profiles.set('ClusterProfile/web', { object, status: { matchingClusters: [{ kind: 'SveltosCluster', namespace: 'civo', name: 'c1' }] } });
  const next = withPolicies(snapshot, emptySnapshot(), new Map([['ClusterProfile/web', new Map([['civo/c1', [applied, ns]]])]]), new Map());
  const files = renderStatusFiles(next);
  const text = files.get('ClusterProfile/web.yaml')!;
  assert.match(text, /policies:/);
  const back = readStatusFiles([...files].map(([path, t]) => ({ path, text: t })));
  assert.deepEqual(back.profiles.get('ClusterProfile/web')?.status.clusters, [{ cluster: 'civo/c1', releases: [], policies: [applied, ns] }]);
});

test('a deleted profile with objects left keeps a status that says it is withdrawing; with none left it goes', () => {
  const previous = emptySnapshot();
  previous.profiles.set('ClusterProfile/web', { object, status: { matchingClusters: [], clusters: [{ cluster: 'civo/c1', releases: [], policies: [applied] }] } });
  const kept = withPolicies(emptySnapshot(), previous, new Map([['ClusterProfile/web', new Map([['civo/c1', [applied]]])]]), new Map());
  assert.deepEqual(kept.profiles.get('ClusterProfile/web')?.status.errors, ['deleted from the repository; withdrawing its policies']);
  const gone = withPolicies(emptySnapshot(), previous, new Map([['ClusterProfile/web', new Map([['civo/c1', []]])]]), new Map());
  assert.equal(gone.profiles.size, 0);
});

test('the status commit says how many objects were applied, withdrawn or failed', async () => {
  const { describeChanges } = await import('../../src/status/describe.ts');
  const at = (policies: PolicyStatus[]) => {
    const s = emptySnapshot();
    s.profiles.set('ClusterProfile/web', { object, status: { matchingClusters: [], clusters: [{ cluster: 'civo/c1', releases: [], policies }] } });
    return s;
  };
  const other = { ...applied, name: 'other' };
  assert.equal(describeChanges(emptySnapshot(), at([applied, other])).subject, 'status: applied 2 objects of ClusterProfile/web on civo/c1');
  assert.equal(describeChanges(at([applied, other]), at([applied])).subject, 'status: withdrew 1 object of ClusterProfile/web from civo/c1');
  assert.equal(describeChanges(at([applied]), at([applied, ns])).subject, 'status: 1 object of ClusterProfile/web failed on civo/c1: kubectl: forbidden');
});
