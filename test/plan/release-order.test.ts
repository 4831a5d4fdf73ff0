// Releases and actions are listed in release-key order (`namespace/name`) in every status file and
// plan, including namespaces that are prefixes of each other or hold characters below '/'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeCycle, prepareRevision } from '../../src/plan/cycle.ts';
import fc from 'fast-check';
import { compareReleaseKeys, releaseKey, sortByReleaseKey } from '../../src/plan/desired.ts';
import { emptySnapshot } from '../../src/status/snapshot.ts';
import { chart, cluster, clusterProfile } from '../select/fleet.ts';
import { probes, T0 } from './cycle-helpers.ts';

test('a namespace that is a prefix of another sorts by the character after it', () => {
  const list = [
    { releaseNamespace: 'a-b', releaseName: 'z' },
    { releaseNamespace: 'a', releaseName: 'z' },
    { releaseNamespace: 'a', releaseName: 'b' },
    { releaseNamespace: 'ab', releaseName: 'a' },
  ];
  assert.deepEqual(list.sort(compareReleaseKeys).map(releaseKey), ['a-b/z', 'a/b', 'a/z', 'ab/a']);
});

test('a cycle lists its actions in key order even when namespaces are prefixes of each other', () => {
  // Namespace order puts a before a-b; key order puts a-b/… before a/… ('-' sorts below '/').
  const repo = {
    clusters: ['a/c2', 'a-b/c1', 'a/c1', 'b/c1'].map((k) => cluster(k, { env: 'prod' })),
    sets: [],
    profiles: [
      clusterProfile('z', { clusterSelector: 'env=prod', helmCharts: [chart('one'), chart('two', { releaseNamespace: 'aaa' })] }),
      clusterProfile('m', { clusterSelector: 'env=prod', helmCharts: [chart('three')] }),
    ],
  };
  const cycle = computeCycle({ revision: prepareRevision(repo), previous: emptySnapshot(), probes: probes(repo), now: T0 });
  assert.deepEqual(
    cycle.actions.map((a) => `${a.cluster} ${a.profile} ${releaseKey(a.release)}`),
    ['a-b/c1', 'a/c1', 'a/c2', 'b/c1'].flatMap((c) => [
      `${c} ClusterProfile/m apps/three`,
      `${c} ClusterProfile/z aaa/two`,
      `${c} ClusterProfile/z apps/one`,
    ]),
  );
});

test('any list of releases sorts into the order of their keys as text, ties kept in place', () => {
  const part = fc.string({ unit: fc.constantFrom('a', 'b', '-', '.', '/', '0', 'é'), maxLength: 4 });
  const release = fc.record({ releaseNamespace: part, releaseName: part, n: fc.nat() });
  fc.assert(
    fc.property(fc.array(release, { maxLength: 12 }), (list) => {
      const expected = list.map((r, i) => ({ key: releaseKey(r), i })).sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : x.i - y.i)).map((x) => list[x.i]);
      assert.deepEqual(sortByReleaseKey([...list], (r) => r), expected);
    }),
  );
});
