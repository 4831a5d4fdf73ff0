// Status files when several replicas share the fleet (`--shards M`): each file has exactly one
// writer. A cluster's file is its owner's; a set's and a profile's are written by the replica
// that owns the object (by the same hash). A profile's per-cluster records are the one place
// where shards meet in one object: the owner writes the profile's own fields and the records of
// its clusters, and every other shard writes the records of its clusters beside it, in
// `shards/<K>/<Kind>/…`, which readers merge back in. Each replica's `gitset.yaml` is
// `shards/<K>/gitset.yaml` (shard 0 keeps `gitset.yaml`). Pure.
import { compareClusterKeys } from '../model/objects.ts';
import type { ProfileClusterStatus } from '../model/status.ts';
import { clusterShard, objectShard, ownsCluster, ownsObject, type Shard } from '../select/shard.ts';
import { renderDocument, statusPath } from './render.ts';
import { emptySnapshot, type ProfileEntry, type StatusSnapshot } from './snapshot.ts';

/** Where one shard's files that belong to no single object live. */
export const SHARDS_FOLDER = 'shards';

/** The daemon's own record of a shard: `gitset.yaml` for shard 0 (and a single replica). */
export function revisionFileOf(index: number): string {
  return index === 0 ? 'gitset.yaml' : `${SHARDS_FOLDER}/${index}/gitset.yaml`;
}

/**
 * The shard that writes a status file, from its path alone; undefined for a path no shard owns by
 * name (a shortened long name, a file gitset does not write): such a file is kept as it is unless
 * its writer renders it.
 */
export function ownerOfPath(path: string, count: number): number | undefined {
  const segs = path.split('/');
  if (segs[0] === SHARDS_FOLDER) {
    const k = /^\d{1,6}$/.test(segs[1] ?? '') ? Number(segs[1]) : undefined;
    return k !== undefined && k < count ? k : undefined;
  }
  if (path === 'gitset.yaml') return 0;
  const file = segs[segs.length - 1] ?? '';
  // A shortened name (`prefix_hash.yaml`) cannot be read back from the path: `_` is in no object name.
  if (!file.endsWith('.yaml') || file.includes('_')) return undefined;
  const name = file.slice(0, -'.yaml'.length);
  const [kind] = segs;
  if (kind === 'SveltosCluster' && segs.length === 3) return clusterShard(`${segs[1]}/${name}`, count);
  if ((kind === 'Set' || kind === 'Profile') && segs.length === 3) return objectShard(`${kind}/${segs[1]}/${name}`, count);
  if ((kind === 'ClusterSet' || kind === 'ClusterProfile' || kind === 'ClusterPromotion') && segs.length === 2) return objectShard(`${kind}/${name}`, count);
  return undefined;
}

/** What one shard writes of the fleet's snapshot: its clusters, its sets and profiles (with its clusters' records). */
export function ownPart(full: StatusSnapshot, shard: Shard): StatusSnapshot {
  if (shard.count <= 1) return full;
  const out = emptySnapshot();
  for (const [key, entry] of full.clusters) if (ownsCluster(shard, key)) out.clusters.set(key, entry);
  for (const [id, entry] of full.sets) if (ownsObject(shard, id)) out.sets.set(id, entry);
  for (const [id, entry] of full.profiles) if (ownsObject(shard, id)) out.profiles.set(id, withClusters(entry, (c) => ownsCluster(shard, c.cluster)));
  for (const [id, entry] of full.promotions ?? []) {
    if (ownsObject(shard, id)) (out.promotions ??= new Map()).set(id, entry);
  }
  return out;
}

/** The records of this shard's clusters in profiles another shard owns: `shards/<K>/<Kind>/…` files. */
export function profileParts(full: StatusSnapshot, shard: Shard): Map<string, string> {
  const files = new Map<string, string>();
  if (shard.count <= 1) return files;
  for (const [id, { object, status }] of full.profiles) {
    if (ownsObject(shard, id)) continue;
    const clusters = (status.clusters ?? []).filter((c) => ownsCluster(shard, c.cluster));
    if (clusters.length === 0) continue;
    const doc = { apiVersion: object.apiVersion, kind: object.kind, metadata: object.metadata, status: { clusters } };
    files.set(`${SHARDS_FOLDER}/${shard.index}/${statusPath(object.kind, object.metadata)}`, renderDocument(doc));
  }
  return files;
}

/** A profile's records written by other shards, as read from `shards/<K>/…`. */
export interface ProfilePart {
  id: string;
  entry: ProfileEntry;
}

/** Puts the parts' per-cluster records into their profiles (a part without its profile's file yet makes one). */
export function mergeProfileParts(snapshot: StatusSnapshot, parts: readonly ProfilePart[]): void {
  for (const { id, entry } of parts) {
    const main = snapshot.profiles.get(id);
    const extra = entry.status.clusters ?? [];
    if (!main) {
      snapshot.profiles.set(id, { object: entry.object, status: { matchingClusters: [], ...(extra.length > 0 ? { clusters: extra } : {}) } });
      continue;
    }
    const seen = new Set((main.status.clusters ?? []).map((c) => c.cluster));
    const clusters = [...(main.status.clusters ?? []), ...extra.filter((c) => !seen.has(c.cluster))].sort((a, b) => compareClusterKeys(a.cluster, b.cluster));
    if (clusters.length > 0) main.status = { ...main.status, clusters };
  }
}

/**
 * The previous status of a shard's next cycle: what it computed itself for what it owns, and what
 * the other shards last committed for the rest (their clusters' health and records, their sets'
 * selections, their profiles' own fields).
 */
export function withOthersCommitted(own: StatusSnapshot, committed: StatusSnapshot, shard: Shard): StatusSnapshot {
  if (shard.count <= 1) return own;
  const out = emptySnapshot();
  const pick = <T>(a: Map<string, T>, b: Map<string, T>, mine: (key: string) => boolean, into: Map<string, T>): void => {
    for (const [k, v] of a) if (mine(k)) into.set(k, v);
    for (const [k, v] of b) if (!mine(k)) into.set(k, v);
  };
  pick(own.clusters, committed.clusters, (k) => ownsCluster(shard, k), out.clusters);
  pick(own.sets, committed.sets, (id) => ownsObject(shard, id), out.sets);
  const ids = new Set([...own.profiles.keys(), ...committed.profiles.keys()]);
  for (const id of [...ids].sort()) {
    const mine = own.profiles.get(id);
    const theirs = committed.profiles.get(id);
    const base = (ownsObject(shard, id) ? mine ?? theirs : theirs ?? mine)!;
    const clusters: ProfileClusterStatus[] = [
      ...(mine?.status.clusters ?? []).filter((c) => ownsCluster(shard, c.cluster)),
      ...(theirs?.status.clusters ?? []).filter((c) => !ownsCluster(shard, c.cluster)),
    ].sort((a, b) => compareClusterKeys(a.cluster, b.cluster));
    const { clusters: _drop, ...rest } = base.status;
    out.profiles.set(id, { object: base.object, status: { ...rest, ...(clusters.length > 0 ? { clusters } : {}) } });
  }
  if (committed.problems) out.problems = committed.problems;
  return out;
}

function withClusters(entry: ProfileEntry, keep: (c: ProfileClusterStatus) => boolean): ProfileEntry {
  const all = entry.status.clusters;
  if (!all || all.every(keep)) return entry;
  const { clusters: _drop, ...rest } = entry.status;
  const clusters = all.filter(keep);
  return { object: entry.object, status: { ...rest, ...(clusters.length > 0 ? { clusters } : {}) } };
}

/**
 * One snapshot from each shard's own: a cluster from its shard's, a set, profile or promotion
 * from its owner's, and each profile's per-cluster records from the records' clusters' shards.
 * A shard with no snapshot (`parts` lacks it) contributes nothing.
 */
export function mixByShard(parts: ReadonlyMap<number, StatusSnapshot>, count: number): StatusSnapshot {
  const out = emptySnapshot();
  const from = (k: number): StatusSnapshot | undefined => parts.get(k);
  for (const [k, part] of parts) {
    for (const [key, entry] of part.clusters) if (clusterShard(key, count) === k) out.clusters.set(key, entry);
    for (const [id, entry] of part.sets) if (objectShard(id, count) === k) out.sets.set(id, entry);
    for (const [id, entry] of part.promotions ?? []) if (objectShard(id, count) === k) (out.promotions ??= new Map()).set(id, entry);
  }
  const ids = new Set([...parts.values()].flatMap((p) => [...p.profiles.keys()]));
  for (const id of [...ids].sort()) {
    const records = [...parts].flatMap(([k, p]) => (p.profiles.get(id)?.status.clusters ?? []).filter((c) => clusterShard(c.cluster, count) === k));
    const base = from(objectShard(id, count))?.profiles.get(id);
    const clusters = records.sort((a, b) => compareClusterKeys(a.cluster, b.cluster));
    if (base) {
      const { clusters: _drop, ...rest } = base.status;
      out.profiles.set(id, { object: base.object, status: { ...rest, ...(clusters.length > 0 ? { clusters } : {}) } });
    } else if (clusters.length > 0) {
      // The owner's file is not (yet) taken: the records stand alone, as a part without its profile does.
      const object = [...parts.values()].find((p) => p.profiles.has(id))!.profiles.get(id)!.object;
      out.profiles.set(id, { object, status: { matchingClusters: [], clusters } });
    }
  }
  return out;
}
