import { test } from 'node:test';
import assert from 'node:assert/strict';
import { indexClusters } from '../../src/select/cluster-index.ts';
import { matchingClusters } from '../../src/select/profiles.ts';
import type { SetStatus } from '../../src/model/status.ts';
import { cluster, clusterProfile, nsProfile, refs } from './fleet.ts';

const fleet = indexClusters([
  cluster('civo/cluster1', { env: 'prod' }),
  cluster('civo/cluster2', { env: 'prod' }),
  cluster('civo/paused', { env: 'prod' }, { paused: true }),
  cluster('eng/dev1', { env: 'dev' }),
  cluster('eng/dev2', { env: 'dev' }),
]);
const sets = new Map<string, SetStatus>([
  ['ClusterSet/prod', { matchingClusterRefs: refs('civo/cluster1', 'civo/cluster2'), selectedClusterRefs: refs('civo/cluster2') }],
  ['Set/eng/blue', { matchingClusterRefs: refs('eng/dev2'), selectedClusterRefs: refs('eng/dev2') }],
]);
const keys = (m: ReturnType<typeof matchingClusters>) => m.clusters.map((c) => c.key);

test('a ClusterProfile matches selector ∪ clusterRefs ∪ the selection of its ClusterSets, in cluster order', () => {
  const m = matchingClusters(
    clusterProfile('p', { clusterSelector: 'env=dev', clusterRefs: refs('civo/cluster1'), setRefs: ['prod'] }),
    fleet,
    sets,
  );
  assert.deepEqual(keys(m), ['civo/cluster1', 'civo/cluster2', 'eng/dev1', 'eng/dev2']);
  assert.deepEqual(m.errors, []);
});

test('only the selected clusters of a set count, not all that match it', () => {
  assert.deepEqual(keys(matchingClusters(clusterProfile('kyverno', { setRefs: ['prod'] }), fleet, sets)), ['civo/cluster2']);
});

test('a paused cluster still matches (its work waits until it is unpaused)', () => {
  const m = matchingClusters(clusterProfile('p', { clusterSelector: 'env=prod' }), fleet, sets);
  assert.deepEqual(keys(m), ['civo/cluster1', 'civo/cluster2', 'civo/paused']);
});

test('a Profile reaches only its own namespace and Sets of that namespace', () => {
  const m = matchingClusters(nsProfile('eng', 'p', { clusterSelector: 'env', clusterRefs: refs('civo/cluster1'), setRefs: ['blue'] }), fleet, sets);
  assert.deepEqual(keys(m), ['eng/dev1', 'eng/dev2']);
  assert.equal(m.errors.length, 1);
  assert.match(m.errors[0]!, /civo\/cluster1: a Profile only reaches clusters of its own namespace eng/);
});

test('unknown setRefs and a bad selector are errors in the result, not exceptions', () => {
  const m = matchingClusters(clusterProfile('p', { clusterSelector: 'env in (', setRefs: ['nope', 'prod'] }), fleet, sets);
  assert.deepEqual(keys(m), ['civo/cluster2']);
  assert.equal(m.errors.length, 2);
  assert.ok(m.errors.some((e) => /setRefs names ClusterSet nope, which does not exist/.test(e)));
  assert.ok(m.errors.some((e) => /clusterSelector is invalid/.test(e)));
  const p = matchingClusters(nsProfile('eng', 'p', { setRefs: ['prod'] }), fleet, sets);
  assert.match(p.errors[0]!, /Set prod in namespace eng/);
});

test('health does not change what a profile matches directly', () => {
  // matchingClusters takes no health at all: only sets fail over. This pins the signature's intent.
  assert.equal(matchingClusters.length, 3);
  assert.deepEqual(keys(matchingClusters(clusterProfile('p', { clusterRefs: refs('civo/cluster1') }), fleet, sets)), ['civo/cluster1']);
});
