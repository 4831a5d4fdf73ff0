// Sealed status across shards: a replica takes another shard's committed files only when they
// carry that shard's seal (HMAC under the replicas' shared key). A file forged, added, removed or
// brought back from an older commit by anyone who can push to the status folder is refused, and
// the reader goes by that shard's last sealed status, so the forgery cannot drive a failover.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from 'pino';
import type { RepositoryObjects } from '../../src/plan/cycle.ts';
import { readStatusFiles } from '../../src/status/read.ts';
import { renderStatusFiles } from '../../src/status/render.ts';
import { checkSeal, filesOfShard, sealOf } from '../../src/status/shard-seal.ts';
import { mixByShard, ownPart, profileParts, revisionFileOf } from '../../src/status/shards.ts';
import { clusterShard, objectShard, type Shard } from '../../src/select/shard.ts';
import type { StatusSnapshot } from '../../src/status/snapshot.ts';
import { renderRevisionStatus } from '../../src/daemon/revision-status.ts';
import { createShardView, previousWithOthers, refreshOthers, withShardRecord } from '../../src/daemon/shard-view.ts';
import type { StatusWriter } from '../../src/daemon/status-writer.ts';
import type { GitLane } from '../../src/daemon/git-work.ts';
import { statusCodec } from '../../src/daemon/wiring.ts';
import { chart, cluster, clusterProfile, clusterSet } from '../select/fleet.ts';
import { step } from '../plan/cycle-helpers.ts';

const COUNT = 3;
const KEY = 'the-replicas-shared-key';
const names = Array.from({ length: 9 }, (_, i) => `fleet/c${i}`);
const repo: RepositoryObjects = {
  clusters: names.map((n) => cluster(n, { env: 'prod' })),
  sets: [clusterSet('prod', { clusterSelector: 'env=prod', maxReplicas: 2 })],
  profiles: [clusterProfile('web', { setRefs: ['prod'], helmCharts: [chart('web')] }), clusterProfile('all', { clusterSelector: 'env=prod', helmCharts: [chart('agent')] })],
};
const full = step(repo).after;
const shards: Shard[] = [0, 1, 2].map((index) => ({ index, count: COUNT }));
const filesOf = (s: Shard, snap: StatusSnapshot) => new Map([...renderStatusFiles(ownPart(snap, s)), ...profileParts(snap, s)]);

/** Every shard's files and its sealed gitset.yaml, as the branch holds them after each committed. */
function committed(snap: StatusSnapshot, heartbeat = '2026-12-05T10:00:00.000Z'): Map<string, string> {
  const all = new Map<string, string>();
  for (const s of shards) {
    const files = filesOf(s, snap);
    for (const [p, t] of files) all.set(p, t);
    all.set(revisionFileOf(s.index), renderRevisionStatus({ shard: `${s.index} of ${COUNT}`, heartbeat, seal: sealOf(KEY, s.index, COUNT, heartbeat, files) }));
  }
  return all;
}
const recordOf = (files: ReadonlyMap<string, string>, k: number) => {
  const text = files.get(revisionFileOf(k))!;
  return { heartbeat: /heartbeat: (\S+)/.exec(text)?.[1]?.replace(/"/g, ''), seal: /seal: (\S+)/.exec(text)?.[1] };
};
const check = (files: ReadonlyMap<string, string>, k: number, key = KEY, lastBeat?: string) => checkSeal(key, k, COUNT, files, recordOf(files, k), lastBeat);

// A selected cluster of the set, owned by a shard other than the set's.
const setOwner = objectShard('ClusterSet/prod', COUNT);
const selected = full.sets.get('ClusterSet/prod')!.status.selectedClusterRefs.map((r) => `${r.namespace}/${r.name}`);
const victim = selected.find((c) => clusterShard(c, COUNT) !== setOwner) ?? selected[0]!;
const victimShard = clusterShard(victim, COUNT);
const victimFile = `SveltosCluster/${victim}.yaml`;

test('each shard\'s files hold its seal, and one shard\'s files do not touch another\'s seal', () => {
  const files = committed(full);
  for (const s of shards) assert.deepEqual(check(files, s.index), { ok: true });
  const forged = new Map(files).set(victimFile, files.get(victimFile)!.replace('ready: true', 'ready: false'));
  for (const s of shards) assert.equal(check(forged, s.index).ok, s.index !== victimShard, `shard ${s.index}`);
});

test('a forged, added, removed or moved file, a wrong key and a replayed heartbeat are refused', () => {
  const files = committed(full);
  const other = names.find((c) => clusterShard(c, COUNT) === victimShard && c !== victim)!;
  assert.ok(other, 'a second cluster of the victim\'s shard');
  const stranger = Array.from({ length: 50 }, (_, i) => `fleet/x${i}`).find((c) => clusterShard(c, COUNT) === victimShard)!;
  const cases: Array<[string, Map<string, string>]> = [
    ['edited', new Map(files).set(victimFile, files.get(victimFile)!.replace('ready: true', 'ready: false'))],
    ['added', new Map(files).set(`SveltosCluster/${stranger}.yaml`, files.get(victimFile)!.replace(`name: ${victim.split('/')[1]}`, `name: ${stranger.split('/')[1]}`))],
    ['removed', new Map([...files].filter(([p]) => p !== victimFile))],
    ['swapped', new Map(files).set(victimFile, files.get(`SveltosCluster/${other}.yaml`)!).set(`SveltosCluster/${other}.yaml`, files.get(victimFile)!)],
  ];
  for (const [what, forged] of cases) {
    const verdict = check(forged, victimShard);
    assert.equal(verdict.ok, false, what);
    if (!verdict.ok) assert.match(verdict.why, /do not match the seal in .*written by someone else/);
  }
  assert.equal(check(files, victimShard, 'another-key-of-length').ok, false, 'wrong key');
  const replay = check(files, victimShard, KEY, '2026-12-05T11:00:00.000Z');
  assert.equal(replay.ok, false);
  if (!replay.ok) assert.match(replay.why, /older than 2026-12-05T11:00:00.000Z, already seen/);
  const unsealed = new Map(files).set(revisionFileOf(victimShard), renderRevisionStatus({ heartbeat: '2026-12-05T12:00:00.000Z' }));
  assert.deepEqual(check(unsealed, victimShard), { ok: false, why: `${revisionFileOf(victimShard)} has no seal` });
});

test('each shard\'s own files, read apart and mixed, give the fleet\'s whole status', () => {
  const files = committed(full);
  const parts = new Map(shards.map((s) => [s.index, readStatusFiles([...filesOfShard(files, s.index, COUNT)].map(([path, text]) => ({ path, text })))]));
  const whole = readStatusFiles([...files].filter(([p]) => !p.endsWith('gitset.yaml')).map(([path, text]) => ({ path, text })));
  const mixed = mixByShard(parts, COUNT);
  assert.deepEqual(mixed.clusters, whole.clusters);
  assert.deepEqual(mixed.sets, whole.sets);
  assert.deepEqual(mixed.profiles, whole.profiles);
});

test('a replica goes by the last sealed health when another shard\'s file is forged, and says so', async () => {
  const reader = shards.find((s) => s.index !== victimShard)!;
  const view = createShardView(reader, 10_000, KEY, Date.parse('2026-12-05T10:00:00.000Z'));
  const errors: string[] = [];
  const log = { info: () => undefined, warn: () => undefined, error: (_: unknown, msg: string) => errors.push(msg) } as unknown as Logger;
  let files = committed(full);
  const io = {
    status: { readFiles: async () => files } as unknown as StatusWriter,
    codec: statusCodec,
    lane: { run: <T>(f: () => Promise<T>) => f() } as unknown as GitLane,
    log,
  };
  const own = ownPart(full, reader);
  await refreshOthers(view, io, 'tip1', true);
  assert.equal(previousWithOthers(view, own).clusters.get(victim)?.status.ready, true);

  files = new Map(files).set(victimFile, files.get(victimFile)!.replace('ready: true', 'ready: false'));
  await refreshOthers(view, io, 'tip2', true);
  assert.equal(previousWithOthers(view, own).clusters.get(victim)?.status.ready, true, 'the forged not-ready is not taken');
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, new RegExp(`shard ${victimShard}'s committed status is not taken: .*written by someone else; going by what it sealed at 2026-12-05T10:00:00.000Z`));
  await refreshOthers(view, io, 'tip3', true);
  assert.equal(errors.length, 1, 'the same refusal is logged once');

  // The shard's own next commit seals what it really saw: taken again, down as it now is.
  const down = new Map(full.clusters).set(victim, { ...full.clusters.get(victim)!, status: { ...full.clusters.get(victim)!.status, ready: false } });
  files = committed({ ...full, clusters: down }, '2026-12-05T10:00:10.000Z');
  await refreshOthers(view, io, 'tip4', true);
  assert.equal(previousWithOthers(view, own).clusters.get(victim)?.status.ready, false);
});

test('the record a shard commits seals exactly the files committed beside it', () => {
  const s = shards[1]!;
  const view = createShardView(s, 10_000, KEY, 0);
  const files = filesOf(s, full);
  const record = withShardRecord(view, {}, new Map([...files, ...filesOf(shards[0]!, full)]), Date.parse('2026-12-05T10:00:00.000Z'));
  assert.equal(record.seal, sealOf(KEY, 1, COUNT, record.heartbeat!, files));
  assert.throws(() => createShardView(s, 10_000, 'short', 0), /need a shared key of at least 16 characters/);
});
