import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { indexClusters } from '../../src/select/cluster-index.ts';
import { selectClusters } from '../../src/select/sets.ts';
import type { ClusterStatus, SetStatus } from '../../src/model/status.ts';
import { refKey } from '../../src/status/snapshot.ts';
import { cluster, clusterSet, nsSet, refs } from './fleet.ts';

const keys = (r: SetStatus['selectedClusterRefs']) => r.map(refKey);
const down = (message = 'timeout after 5s'): ClusterStatus => ({
  ready: false,
  connectionStatus: 'Down',
  connectionFailures: 3,
  failureMessage: message,
});

describe('ClusterSet selection: the seed scenario (civo, env=prod, maxReplicas 1)', () => {
  const fleet = indexClusters([cluster('civo/cluster2', { env: 'prod' }), cluster('civo/cluster1', { env: 'prod' })]);
  const prod = clusterSet('prod', { clusterSelector: 'env=prod', maxReplicas: 1 });

  test('both match, the first in (namespace, name) order is selected, the other is over cap', () => {
    const s = selectClusters(prod, fleet, new Map(), undefined);
    assert.deepEqual(keys(s.matchingClusterRefs), ['civo/cluster1', 'civo/cluster2']);
    assert.deepEqual(keys(s.selectedClusterRefs), ['civo/cluster1']);
    assert.deepEqual(s.notSelected, [{ cluster: 'civo/cluster2', reason: 'over-cap', message: 'over cap (maxReplicas 1)' }]);
    assert.deepEqual(s.selectedClusterRefs[0], { apiVersion: 'lib.projectsveltos.io/v1beta1', kind: 'SveltosCluster', namespace: 'civo', name: 'cluster1' });
    assert.equal(s.message, undefined);
  });

  test('the selected cluster goes down: fails over to cluster2, and does not move back when cluster1 recovers', () => {
    const first = selectClusters(prod, fleet, new Map(), undefined);
    const failed = selectClusters(prod, fleet, new Map([['civo/cluster1', down()]]), first);
    assert.deepEqual(keys(failed.selectedClusterRefs), ['civo/cluster2']);
    assert.deepEqual(keys(failed.matchingClusterRefs), ['civo/cluster2']);
    assert.deepEqual(failed.notSelected, [
      { cluster: 'civo/cluster1', reason: 'not-ready', message: 'not ready (3 failed probes: timeout after 5s)' },
    ]);
    const recovered = selectClusters(prod, fleet, new Map([['civo/cluster1', { ready: true }]]), failed);
    assert.deepEqual(keys(recovered.selectedClusterRefs), ['civo/cluster2']);
    assert.deepEqual(recovered.notSelected?.map((n) => [n.cluster, n.reason]), [['civo/cluster1', 'over-cap']]);
  });

  test('nothing healthy left: selects nothing and says why', () => {
    const s = selectClusters(prod, fleet, new Map([['civo/cluster1', down()], ['civo/cluster2', down('401 Unauthorized')]]), undefined);
    assert.deepEqual(s.selectedClusterRefs, []);
    assert.match(s.message ?? '', /no healthy cluster left: civo\/cluster1 not ready .*civo\/cluster2 not ready \(3 failed probes: 401 Unauthorized\)/);
  });
});

describe('set selection rules', () => {
  test('maxReplicas 0 or absent selects nothing, with a message', () => {
    const fleet = indexClusters([cluster('a/c1', { env: 'prod' })]);
    for (const maxReplicas of [0, undefined]) {
      const s = selectClusters(clusterSet('x', { clusterSelector: { matchLabels: { env: 'prod' } }, maxReplicas }), fleet, new Map(), undefined);
      assert.deepEqual(keys(s.matchingClusterRefs), ['a/c1']);
      assert.deepEqual(s.selectedClusterRefs, []);
      assert.match(s.message ?? '', /maxReplicas is 0 or absent/);
    }
  });

  test('when the cap shrinks the longest-selected clusters are kept, exactly maxReplicas of them', () => {
    const fleet = indexClusters(['a/c1', 'a/c2', 'a/c3', 'a/c4'].map((k) => cluster(k, { env: 'prod' })));
    const previous: SetStatus = { matchingClusterRefs: refs('a/c1', 'a/c2', 'a/c3', 'a/c4'), selectedClusterRefs: refs('a/c3', 'a/c1', 'a/c4') };
    const s = selectClusters(clusterSet('x', { clusterSelector: 'env=prod', maxReplicas: 2 }), fleet, new Map(), previous);
    assert.deepEqual(keys(s.selectedClusterRefs), ['a/c3', 'a/c1']);
  });

  test('the cap grows: previous selection kept in order, the shortfall filled in (namespace, name) order', () => {
    const fleet = indexClusters(['b/c1', 'a/c2', 'a/c1'].map((k) => cluster(k, { env: 'prod' })));
    const previous: SetStatus = { matchingClusterRefs: [], selectedClusterRefs: refs('b/c1') };
    const s = selectClusters(clusterSet('x', { clusterSelector: 'env=prod', maxReplicas: 3 }), fleet, new Map(), previous);
    assert.deepEqual(keys(s.selectedClusterRefs), ['b/c1', 'a/c1', 'a/c2']);
  });

  test('a Set selects only in its own namespace; a clusterRef elsewhere is listed as other-namespace', () => {
    const fleet = indexClusters([cluster('eng/c1', { env: 'prod' }), cluster('ops/c1', { env: 'prod' }), cluster('ops/c2')]);
    const s = selectClusters(nsSet('eng', 'blue', { clusterSelector: 'env=prod', clusterRefs: refs('ops/c2'), maxReplicas: 5 }), fleet, new Map(), undefined);
    assert.deepEqual(keys(s.selectedClusterRefs), ['eng/c1']);
    assert.deepEqual(s.notSelected?.map((n) => [n.cluster, n.reason]), [['ops/c2', 'other-namespace']]);
  });

  test('a ClusterSet reaches every namespace, through the selector and clusterRefs', () => {
    const fleet = indexClusters([cluster('eng/c1', { env: 'prod' }), cluster('ops/c1', { env: 'prod' }), cluster('ops/c2')]);
    const s = selectClusters(clusterSet('all', { clusterSelector: 'env=prod', clusterRefs: refs('ops/c2'), maxReplicas: 5 }), fleet, new Map(), undefined);
    assert.deepEqual(keys(s.selectedClusterRefs), ['eng/c1', 'ops/c1', 'ops/c2']);
  });

  test('a paused cluster keeps its place in the selection and counts toward maxReplicas', () => {
    const fleet = indexClusters([cluster('a/c1', { env: 'prod' }, { paused: true }), cluster('a/c2', { env: 'prod' })]);
    const previous: SetStatus = { matchingClusterRefs: refs('a/c1'), selectedClusterRefs: refs('a/c1') };
    const s = selectClusters(clusterSet('x', { clusterSelector: 'env=prod', maxReplicas: 1 }), fleet, new Map(), previous);
    assert.deepEqual(keys(s.selectedClusterRefs), ['a/c1']);
    assert.deepEqual(s.notSelected?.map((n) => [n.cluster, n.reason]), [['a/c2', 'over-cap']]);
  });

  test('a paused cluster is never newly selected, and is listed as paused', () => {
    const fleet = indexClusters([cluster('a/c1', { env: 'prod' }, { paused: true }), cluster('a/c2', { env: 'prod' })]);
    const s = selectClusters(clusterSet('x', { clusterSelector: 'env=prod', maxReplicas: 2 }), fleet, new Map(), undefined);
    assert.deepEqual(keys(s.selectedClusterRefs), ['a/c2']);
    assert.deepEqual(s.notSelected?.map((n) => [n.cluster, n.reason]), [['a/c1', 'paused']]);
  });

  test('a paused selected cluster that stops answering fails over like any other', () => {
    const fleet = indexClusters([cluster('a/c1', { env: 'prod' }, { paused: true }), cluster('a/c2', { env: 'prod' })]);
    const previous: SetStatus = { matchingClusterRefs: refs('a/c1'), selectedClusterRefs: refs('a/c1') };
    const health = new Map([['a/c1', { ready: false, failureMessage: 'connection refused' }]]);
    const s = selectClusters(clusterSet('x', { clusterSelector: 'env=prod', maxReplicas: 1 }), fleet, health, previous);
    assert.deepEqual(keys(s.selectedClusterRefs), ['a/c2']);
    assert.deepEqual(s.notSelected?.map((n) => n.reason), ['not-ready']);
  });

  test('an empty selector matches nothing; a bad one is reported and clusterRefs still count', () => {
    const fleet = indexClusters([cluster('a/c1', { env: 'prod' }), cluster('a/c2')]);
    const empty = selectClusters(clusterSet('x', { clusterSelector: {}, maxReplicas: 3 }), fleet, new Map(), undefined);
    assert.deepEqual(empty.matchingClusterRefs, []);
    assert.match(empty.message ?? '', /no cluster matches/);
    const bad = selectClusters(clusterSet('x', { clusterSelector: 'env in (prod', clusterRefs: refs('a/c2'), maxReplicas: 3 }), fleet, new Map(), undefined);
    assert.deepEqual(keys(bad.selectedClusterRefs), ['a/c2']);
    assert.match(bad.message ?? '', /clusterSelector is invalid/);
  });

  test('a plain list of clusters works as well as an index', () => {
    const s = selectClusters(clusterSet('x', { clusterSelector: 'env=prod', maxReplicas: 1 }), [cluster('b/c1', { env: 'prod' }), cluster('a/c9', { env: 'prod' })], new Map(), undefined);
    assert.deepEqual(keys(s.selectedClusterRefs), ['a/c9']);
  });

  test('matchExpressions, and a label index that agrees with a full scan', () => {
    const fleet = indexClusters([
      cluster('a/c1', { env: 'prod', region: 'eu' }),
      cluster('a/c2', { env: 'prod', region: 'us' }),
      cluster('a/c3', { env: 'dev', region: 'eu' }),
      cluster('a/c4', { env: 'prod', region: 'eu', maintenance: 'yes' }),
    ]);
    const s = selectClusters(
      clusterSet('x', {
        clusterSelector: {
          matchLabels: { env: 'prod' },
          matchExpressions: [
            { key: 'region', operator: 'In', values: ['eu', 'ap'] },
            { key: 'maintenance', operator: 'DoesNotExist' },
          ],
        },
        maxReplicas: 9,
      }),
      fleet,
      new Map(),
      undefined,
    );
    assert.deepEqual(keys(s.selectedClusterRefs), ['a/c1']);
  });
});
