// The benchmark fleet generator: the same seed gives the same repository, and what it writes is a
// valid repository for the loader (a benchmark of an error path would measure the wrong thing).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateFleet } from '../../bench/generate.ts';
import { median, summarize } from '../../bench/report.ts';
import { parseManifests } from '../../src/load/index.ts';
import { clusterKey } from '../../src/model/objects.ts';
import { computeCycle, prepareRevision } from '../../src/plan/cycle.ts';
import { emptySnapshot } from '../../src/status/snapshot.ts';

describe('generateFleet', () => {
  const fleet = generateFleet({ clusters: 300, sets: 40, profiles: 40, seed: 1 });

  test('is deterministic for a seed and differs between seeds', () => {
    assert.deepEqual(generateFleet({ clusters: 300, sets: 40, profiles: 40, seed: 1 }).files, fleet.files);
    assert.notDeepEqual(generateFleet({ clusters: 300, sets: 40, profiles: 40, seed: 2 }).files, fleet.files);
  });

  test('one file per object; the loader reads every object without an error', () => {
    assert.equal(fleet.files.length, 380);
    const repo = parseManifests(fleet.files);
    assert.deepEqual(repo.diagnostics.filter((d) => d.severity === 'error'), []);
    assert.equal(repo.clusters.length, 300);
    assert.deepEqual([repo.sets.filter((s) => s.kind === 'ClusterSet').length, repo.sets.filter((s) => s.kind === 'Set').length], [20, 20]);
    assert.deepEqual(
      [repo.profiles.filter((p) => p.kind === 'ClusterProfile').length, repo.profiles.filter((p) => p.kind === 'Profile').length],
      [20, 20],
    );
    assert.ok(repo.profiles.every((p) => p.spec.helmCharts?.length === 2), 'two charts per profile');
    assert.ok(fleet.counts.setRefProfiles > 0, 'some profiles reach clusters through setRefs');
  });

  test('labels are realistic and selectors select: a healthy first plan installs on some clusters, not all', () => {
    const repo = parseManifests(fleet.files);
    for (const c of repo.clusters) assert.deepEqual(Object.keys(c.metadata.labels ?? {}).sort(), ['env', 'provider', 'region', 'team', 'tier', 'zone']);
    const probes = new Map(repo.clusters.map((c) => [clusterKey(c.metadata), { cluster: clusterKey(c.metadata), ok: true, version: 'v1.29.2', durationMs: 1 }]));
    const cycle = computeCycle({ revision: prepareRevision(repo), previous: emptySnapshot(), probes, now: new Date('2026-01-01T00:00:00Z') });
    const targets = new Set(cycle.actions.map((a) => a.cluster));
    assert.ok(cycle.actions.length > 0);
    assert.ok(targets.size > 10 && targets.size < 300, `releases land on a part of the fleet (${targets.size} of 300 clusters)`);
    const selected = [...cycle.snapshot.sets.values()].filter((s) => s.status.selectedClusterRefs.length > 0);
    assert.ok(selected.length > 0, 'some sets select clusters');
  });
});

describe('report statistics', () => {
  test('median of odd and even counts; summarize judges the target', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    const m = summarize('b', 'x', 'ms', [10, 30, 20], { target: { op: '<', value: 25 } });
    assert.deepEqual([m.median, m.min, m.max, m.runs, m.pass], [20, 10, 30, 3, true]);
    assert.equal(summarize('b', 'x', 'ms', [30, 40, 50], { target: { op: '<', value: 25 } }).pass, false);
  });
});
