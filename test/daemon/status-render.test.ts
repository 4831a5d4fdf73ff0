// Status files rendered entry by entry, and after a restart taken from Git for the objects whose
// status did not change, but only when Git holds exactly what gitset wrote.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStatusRenderer } from '../../src/daemon/status-render.ts';
import { silentLogger } from '../../src/daemon/logger.ts';
import { statusCodec } from '../../src/daemon/wiring.ts';
import { emptySnapshot, type ClusterEntry, type StatusSnapshot } from '../../src/status/snapshot.ts';
import type { ClusterKey } from '../../src/model/objects.ts';
import type { ClusterObservation } from '../../src/observe/fleet.ts';
import type { ObservedRelease } from '../../src/observe/inventory.ts';
import { computeCycle, recordResults, type RepositoryObjects } from '../../src/plan/cycle.ts';
import { chart, cluster as fleetCluster, clusterProfile } from '../select/fleet.ts';
import { helmInWorld, later, probes, revisionOf, step, type World } from '../plan/cycle-helpers.ts';

function cluster(name: string, ready: boolean): [string, ClusterEntry] {
  return [`civo/${name}`, { object: { apiVersion: 'lib.projectsveltos.io/v1beta1', kind: 'SveltosCluster', metadata: { name, namespace: 'civo' }, spec: {} }, status: { ready, version: 'v1.29.2' } }];
}

function fleet(...clusters: Array<[string, ClusterEntry]>): StatusSnapshot {
  return { ...emptySnapshot(), clusters: new Map(clusters) };
}

/** The real codec, counting the entries it renders. */
function counting(): { render: (s: StatusSnapshot) => Map<string, string>; entries: () => number } {
  let entries = 0;
  return {
    render: (s) => {
      entries += s.clusters.size + s.sets.size + s.profiles.size;
      return statusCodec.render(s);
    },
    entries: () => entries,
  };
}

function withSeedDir(fn: (seed: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'gitset-render-'));
  try {
    fn(join(dir, 'seed'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('files are the codec\'s, and a cycle renders again only the objects that changed', () => {
  const codec = counting();
  const renderer = createStatusRenderer(codec.render, undefined);
  const first = fleet(cluster('c1', true), cluster('c2', true));
  assert.deepEqual(renderer.render(first, new Map()), statusCodec.render(first));
  const second = fleet(cluster('c1', true), cluster('c2', false));
  assert.deepEqual(renderer.render(second, new Map()), statusCodec.render(second));
  assert.equal(codec.entries(), 3);
});

const names = Array.from({ length: 20 }, (_, i) => `c${String(i).padStart(2, '0')}`);

test('after a restart the committed files of unchanged objects are taken as they are; a hand-edited one is rendered and written back', () => {
  withSeedDir((seed) => {
    const before = fleet(...names.map((n) => cluster(n, true)));
    const committed = statusCodec.render(before);
    const running = createStatusRenderer(statusCodec.render, seed);
    running.render(before, committed);
    running.keep(committed, silentLogger());

    // Restarted: someone added a comment to c01's file (what it reads back is unchanged), and c02 went down.
    const c01 = 'SveltosCluster/civo/c01.yaml';
    const edited = new Map(committed).set(c01, `${committed.get(c01)!}# looked at by hand\n`);
    const codec = counting();
    const restarted = createStatusRenderer(codec.render, seed);
    const now = fleet(...names.map((n) => cluster(n, n !== 'c02')));
    const files = restarted.render(now, edited);
    assert.deepEqual(files, statusCodec.render(now), 'the same files as a full render');
    assert.notEqual(files.get(c01), edited.get(c01), 'the hand edit is written back');
    // 16 unchanged ones rendered to check the seed, c01 (edited) and c02 (changed): two taken from Git.
    assert.equal(codec.entries(), 18);
  });
});

test('a seed another renderer wrote is not trusted: its texts are rendered anew', () => {
  withSeedDir((seed) => {
    const before = fleet(...names.map((n) => cluster(n, true)));
    // Another gitset rendered differently and committed that; its seed says those texts are the entries'.
    const otherRender = (s: StatusSnapshot): Map<string, string> => new Map([...statusCodec.render(s)].map(([p, t]) => [p, t.replace('ready: true', 'ready: yes')]));
    const other = otherRender(before);
    const older = createStatusRenderer(otherRender, seed);
    older.render(before, other);
    older.keep(other, silentLogger());

    const codec = counting();
    const restarted = createStatusRenderer(codec.render, seed);
    assert.deepEqual(restarted.render(before, other), statusCodec.render(before));
    assert.equal(codec.entries(), 20);
  });
});

describe('a restart after helm calls: the seed of the daemon that made them serves the first render', () => {
  // 20 clusters take the 16 checked entries; the 5 profiles' records were written from helm's outcomes.
  const repo: RepositoryObjects = {
    clusters: names.map((n) => fleetCluster(`civo/${n}`, { env: 'prod' })),
    sets: [],
    profiles: ['a', 'b', 'c', 'd', 'e'].map((p) => clusterProfile(p, { clusterSelector: 'env=prod', helmCharts: [chart(`app-${p}`)] })),
  };

  /** Renders `before` as the stopped daemon did (its files committed, its seed kept); then the restarted one's first render of what `restart` plans from the files. */
  function restartAfter(before: StatusSnapshot, restart: (previous: StatusSnapshot) => StatusSnapshot): void {
    withSeedDir((seed) => {
      const running = createStatusRenderer(statusCodec.render, seed);
      const committed = running.render(before, new Map());
      running.keep(committed, silentLogger());
      const now = restart(statusCodec.read([...committed].map(([path, text]) => ({ path, text }))));
      const codec = counting();
      const files = createStatusRenderer(codec.render, seed).render(now, committed);
      assert.deepEqual(files, committed, 'nothing changed');
      assert.equal(codec.entries(), 16, 'only the 16 checked entries are rendered; every profile is taken from Git');
    });
  }

  test('without observing', () => {
    const installed = step(repo, emptySnapshot(), { now: later(0) }).after;
    restartAfter(installed, (previous) => {
      const cycle = computeCycle({ revision: revisionOf(repo), previous, probes: probes(repo), now: later(60) });
      assert.deepEqual(cycle.actions, []);
      return cycle.snapshot;
    });
  });

  test('observing the clusters, once the releases were seen healthy', () => {
    const world: World = new Map(repo.clusters.map((c) => [`civo/${c.metadata.name}`, new Map<string, ObservedRelease>()]));
    const observed = (healthy: boolean): Map<ClusterKey, ClusterObservation> =>
      new Map([...world].map(([c, rs]) => [c, { releases: new Map(rs), looks: new Map(healthy ? [...rs].map(([k, r]) => [k, { revision: r.revision, health: { state: 'Healthy' as const } }]) : []) }]));
    const cycle = (previous: StatusSnapshot, at: number, healthy: boolean) => computeCycle({ revision: revisionOf(repo), previous, probes: probes(repo), now: later(at), observed: observed(healthy) });
    const first = cycle(emptySnapshot(), 0, false);
    const installed = recordResults(first, helmInWorld(world, first.actions), later(0));
    const seen = cycle(installed, 30, true);
    assert.deepEqual(seen.actions, []);
    restartAfter(seen.snapshot, (previous) => cycle(previous, 60, true).snapshot);
  });
});
