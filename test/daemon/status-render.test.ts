// Status files rendered entry by entry, and after status is read back taken from Git for the
// objects whose status did not change, but only when Git holds exactly what gitset writes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createStatusRenderer, type StatusRenderer } from '../../src/daemon/status-render.ts';
import type { CertifiedFile } from '../../src/status/certified.ts';
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

/** The real codec, counting the documents it writes. */
function counting(): { codec: typeof statusCodec; written: () => number } {
  let written = 0;
  return {
    codec: { ...statusCodec, writeDocument: (doc) => (written++, statusCodec.writeDocument(doc)) },
    written: () => written,
  };
}

/** The committed files read back as a start does, the reader's certificates handed to `renderer`. */
function readBack(renderer: StatusRenderer, committed: ReadonlyMap<string, string>): StatusSnapshot {
  const certified = new Map<string, CertifiedFile>();
  const previous = statusCodec.read([...committed].map(([path, text]) => ({ path, text })), certified);
  renderer.certify(certified);
  return previous;
}

test('files are the codec\'s, and a cycle renders again only the objects that changed', () => {
  const { codec, written } = counting();
  const renderer = createStatusRenderer(codec);
  const first = fleet(cluster('c1', true), cluster('c2', true));
  assert.deepEqual(renderer.render(first, new Map()), statusCodec.render(first));
  const second = fleet(cluster('c1', true), cluster('c2', false));
  assert.deepEqual(renderer.render(second, new Map()), statusCodec.render(second));
  // An entry made anew with the same content is compared, not rendered.
  const third = fleet(cluster('c1', true), cluster('c2', false));
  assert.deepEqual(renderer.render(third, new Map()), statusCodec.render(third));
  assert.equal(written(), 3);
});

const names = Array.from({ length: 20 }, (_, i) => `c${String(i).padStart(2, '0')}`);

test('after status is read back, unchanged objects take their committed files as they are; a hand-edited one is rendered and written back', () => {
  const before = fleet(...names.map((n) => cluster(n, true)));
  const committed = statusCodec.render(before);
  // Restarted: someone added a comment to c01's file (what it reads back is unchanged), and c02 went down.
  const c01 = 'SveltosCluster/civo/c01.yaml';
  const edited = new Map(committed).set(c01, `${committed.get(c01)!}# looked at by hand\n`);
  const { codec, written } = counting();
  const restarted = createStatusRenderer(codec);
  readBack(restarted, edited);
  const now = fleet(...names.map((n) => cluster(n, n !== 'c02')));
  const files = restarted.render(now, edited);
  assert.deepEqual(files, statusCodec.render(now), 'the same files as a full render');
  assert.notEqual(files.get(c01), edited.get(c01), 'the hand edit is written back');
  assert.equal(files.get('SveltosCluster/civo/c03.yaml'), edited.get('SveltosCluster/civo/c03.yaml'));
  assert.equal(written(), 2, 'c01 (edited) and c02 (changed) rendered; 18 taken from Git');
});

test('files another writer made (an older gitset\'s rules) are rendered anew, and certificates serve one render', () => {
  const before = fleet(...names.map((n) => cluster(n, true)));
  const other = new Map([...statusCodec.render(before)].map(([p, t]) => [p, t.replace('ready: true', 'ready: yes')]));
  const { codec, written } = counting();
  const restarted = createStatusRenderer(codec);
  readBack(restarted, other);
  assert.deepEqual(restarted.render(before, other), statusCodec.render(before));
  assert.equal(written(), 20);
  // Certified files not taken by the render after their read are not taken by a later one.
  const again = createStatusRenderer(codec);
  readBack(again, statusCodec.render(before));
  again.render(emptySnapshot(), new Map());
  again.render(before, statusCodec.render(before));
  assert.equal(written(), 40);
});

describe('a restart after helm calls: the committed files serve the first render', () => {
  // The 5 profiles' records were written from helm's outcomes.
  const repo: RepositoryObjects = {
    clusters: names.map((n) => fleetCluster(`civo/${n}`, { env: 'prod' })),
    sets: [],
    profiles: ['a', 'b', 'c', 'd', 'e'].map((p) => clusterProfile(p, { clusterSelector: 'env=prod', helmCharts: [chart(`app-${p}`)] })),
  };

  /** Commits `before` as the stopped daemon did; then the restarted one's first render of what `restart` plans from the files. */
  function restartAfter(before: StatusSnapshot, restart: (previous: StatusSnapshot) => StatusSnapshot): void {
    const committed = statusCodec.render(before);
    const { codec, written } = counting();
    const restarted = createStatusRenderer(codec);
    const now = restart(readBack(restarted, committed));
    const files = restarted.render(now, committed);
    assert.deepEqual(files, committed, 'nothing changed');
    assert.equal(written(), 0, 'every object, profiles recorded from helm included, is taken from Git');
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
