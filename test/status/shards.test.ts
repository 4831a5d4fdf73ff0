// Status files of several shards: each file has exactly one writer, the union of every shard's
// files reads back as the fleet's whole status (a profile's records merged from its owner's file
// and the other shards' parts), and a shard's view of the fleet is its own part plus what the
// others committed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RepositoryObjects } from '../../src/plan/cycle.ts';
import { readStatusFiles } from '../../src/status/read.ts';
import { statusFileDiagnostics } from '../../src/status/check-files.ts';
import { objectId } from '../../src/model/objects.ts';
import { renderStatusFiles } from '../../src/status/render.ts';
import { ownerOfPath, ownPart, profileParts, withOthersCommitted } from '../../src/status/shards.ts';
import { withStaleHealth } from '../../src/status/shard-health.ts';
import { clusterShard, type Shard } from '../../src/select/shard.ts';
import type { StatusSnapshot } from '../../src/status/snapshot.ts';
import { chart, cluster, clusterProfile, clusterSet } from '../select/fleet.ts';
import { step } from '../plan/cycle-helpers.ts';

const names = Array.from({ length: 9 }, (_, i) => `fleet/c${i}`);
const repo: RepositoryObjects = {
  clusters: names.map((n) => cluster(n, { env: 'prod' })),
  sets: [clusterSet('prod', { clusterSelector: 'env=prod', maxReplicas: 6 }), clusterSet('canary', { clusterSelector: 'env=prod', maxReplicas: 2 })],
  profiles: [
    clusterProfile('web', { setRefs: ['prod'], helmCharts: [chart('web')] }),
    clusterProfile('all', { clusterSelector: 'env=prod', helmCharts: [chart('agent')] }),
  ],
};
const full = step(repo).after;
const shardsOf = (count: number): Shard[] => Array.from({ length: count }, (_, index) => ({ index, count }));
const filesOf = (s: Shard, snap: StatusSnapshot) => new Map([...renderStatusFiles(ownPart(snap, s)), ...profileParts(snap, s)]);

test('with 3 shards every status file has exactly one writer, the one its path names', () => {
  const writers = new Map<string, number[]>();
  for (const s of shardsOf(3)) for (const path of filesOf(s, full).keys()) writers.set(path, [...(writers.get(path) ?? []), s.index]);
  assert.ok([...writers.keys()].some((p) => p.startsWith('shards/')), 'some profile records are written beside their profile by another shard');
  for (const [path, who] of writers) {
    assert.equal(who.length, 1, `${path} written by ${who.join(', ')}`);
    assert.equal(ownerOfPath(path, 3), who[0], `${path}: its path names its writer`);
  }
  for (const c of names) assert.ok(writers.get(`SveltosCluster/${c}.yaml`)?.[0] === clusterShard(c, 3));
});

test('the union of every shard\'s files reads back as the whole fleet\'s status', () => {
  for (const count of [1, 2, 3, 5]) {
    const union = new Map<string, string>();
    for (const s of shardsOf(count)) for (const [p, t] of filesOf(s, full)) union.set(p, t);
    const back = readStatusFiles([...union].map(([path, text]) => ({ path, text })));
    assert.equal(back.problems, undefined);
    assert.deepEqual(back.clusters, full.clusters);
    assert.deepEqual(back.sets, full.sets);
    assert.deepEqual(back.profiles, full.profiles, `profiles with ${count} shards`);
    assert.deepEqual(renderStatusFiles(back), renderStatusFiles(full), 'one replica would write the same files');
  }
});

test('a shard goes by its own part and by what the others committed for theirs', () => {
  const me: Shard = { index: 1, count: 3 };
  const committed = step(repo).after;
  const mine = names.find((n) => clusterShard(n, 3) === 1)!;
  const theirs = names.find((n) => clusterShard(n, 3) !== 1)!;
  const own = structuredClone(full);
  own.clusters.get(mine)!.status = { ...own.clusters.get(mine)!.status, ready: false, connectionStatus: 'Down' };
  own.clusters.get(theirs)!.status = { ...own.clusters.get(theirs)!.status, ready: false, connectionStatus: 'Down' };
  const view = withOthersCommitted(own, committed, me);
  assert.equal(view.clusters.get(mine)!.status.ready, false, 'its own probe result');
  assert.equal(view.clusters.get(theirs)!.status.ready, true, 'the owner\'s committed word, not a guess');
  const web = view.profiles.get('ClusterProfile/web')!.status.clusters!.map((c) => c.cluster);
  assert.deepEqual(web, full.profiles.get('ClusterProfile/web')!.status.clusters!.map((c) => c.cluster), 'records of every cluster, each from its owner');
});

test('a set whose clusters belong to a silent shard says so, with a text that does not tick', () => {
  const silentShard = clusterShard('fleet/c0', 3);
  const owner = [0, 1, 2].find((k) => ownPart(full, { index: k, count: 3 }).sets.has('ClusterSet/prod'))!;
  const shown = withStaleHealth(full, { index: owner, count: 3 }, [{ shard: silentShard, lastHeartbeat: '2026-12-05T17:00:00.000Z' }], '3m');
  const notes = shown.sets.get('ClusterSet/prod')!.status.staleHealth ?? [];
  assert.ok(notes.includes(`fleet/c0: health as shard ${silentShard} last committed it; shard ${silentShard} silent since 2026-12-05T17:00:00.000Z (no heartbeat for over 3m): waiting for it`), notes.join('\n'));
  const back = readStatusFiles([...renderStatusFiles(shown)].map(([path, text]) => ({ path, text })));
  assert.deepEqual(back.sets.get('ClusterSet/prod')!.status.staleHealth, notes, 'read back as written');
});

test('gitset validate finds every shard\'s files where gitset writes them', () => {
  const union = new Map<string, string>();
  for (const s of shardsOf(3)) for (const [p, t] of filesOf(s, full)) union.set(p, t);
  const known = new Set([...full.clusters.values(), ...full.sets.values(), ...full.profiles.values()].map((e) => objectId(e.object)));
  assert.deepEqual(statusFileDiagnostics([...union].map(([path, text]) => ({ path, text })), known, 'status'), []);
  const misplaced = statusFileDiagnostics([{ path: 'shards/1/ClusterSet/prod.yaml', text: union.get('ClusterSet/prod.yaml')! }], known, 'status');
  assert.deepEqual(misplaced.map((d) => d.code), ['status-misplaced'], 'only profiles have parts');
});

test('a ClusterPromotion\'s status file is written by exactly one shard, the one its path names', () => {
  const entry = {
    object: { apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterPromotion' as const, metadata: { name: 'kyverno' } },
    status: { contentHash: 'abc123abc123', currentStage: 'qa', stages: [{ name: 'qa', state: 'Deploying', clusters: [] }] },
  };
  const snap: StatusSnapshot = { ...full, promotions: new Map([['ClusterPromotion/kyverno', entry as never]]) };
  const writers = shardsOf(3).filter((s) => filesOf(s, snap).has('ClusterPromotion/kyverno.yaml')).map((s) => s.index);
  assert.equal(writers.length, 1, `written by ${writers.join(', ') || 'nobody'}`);
  assert.equal(ownerOfPath('ClusterPromotion/kyverno.yaml', 3), writers[0]);
});
