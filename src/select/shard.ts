// Which replica owns what, when several gitset replicas share one fleet (`--shards M`), as Argo
// CD's application controller shards clusters across a StatefulSet: a stable hash of the
// object's name modulo the number of replicas (Argo CD's "legacy" algorithm, FNV-1a 32-bit). No
// coordination is needed: every replica computes the same owner from the name alone, and adding
// a cluster moves no other cluster. (Argo CD's round-robin, by position in a sorted list, would
// move clusters whenever one is added, so it is not offered.) Pure.
import type { ClusterKey } from '../model/objects.ts';

/** This replica's place: `index` in 0..count-1. One shard (0 of 1) owns everything. */
export interface Shard {
  index: number;
  count: number;
}

export const ONE_SHARD: Shard = { index: 0, count: 1 };

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a, 32-bit, over the UTF-8 bytes of `text` (as Go's hash/fnv New32a). */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash >>> 0;
}

/** The shard a key falls to among `count`. */
export function shardOf(key: string, count: number): number {
  return count <= 1 ? 0 : fnv1a32(key) % count;
}

/** The replica that probes a cluster, runs helm and kubectl on it and writes its status: by `namespace/name`. */
export function clusterShard(cluster: ClusterKey, count: number): number {
  return shardOf(cluster, count);
}

/** The replica that writes a set's or a profile's status: by its id, `Kind/name` or `Kind/namespace/name`. */
export function objectShard(id: string, count: number): number {
  return shardOf(id, count);
}

export function ownsCluster(shard: Shard, cluster: ClusterKey): boolean {
  return clusterShard(cluster, shard.count) === shard.index;
}

export function ownsObject(shard: Shard, id: string): boolean {
  return objectShard(id, shard.count) === shard.index;
}

/** A StatefulSet pod's ordinal from its name (`gitset-2` → 2), as Argo CD reads it from the host name. */
export function ordinalOf(hostname: string): number | undefined {
  const m = /-(\d{1,6})$/.exec(hostname.trim().split('.')[0] ?? '');
  return m ? Number(m[1]) : undefined;
}

export type ShardProblem = { option: '--shards' | '--shard'; message: string };

/**
 * This replica's shard from `--shards` and `--shard` (texts as given, possibly absent), else the
 * ordinal of the host name when there are several shards. A problem names the option and says why.
 */
export function resolveShard(given: { shards?: string; shard?: string; hostname?: string }): Shard | ShardProblem {
  const count = given.shards === undefined ? 1 : wholeNumber(given.shards);
  if (count === undefined || count < 1) return { option: '--shards', message: `must be a whole number of at least 1 (got "${given.shards}")` };
  if (given.shard !== undefined) {
    const index = wholeNumber(given.shard);
    if (index === undefined) return { option: '--shard', message: `must be a whole number (got "${given.shard}")` };
    if (index >= count) return { option: '--shard', message: `${index} is out of range: with --shards ${count} a shard is 0 to ${count - 1}` };
    return { index, count };
  }
  if (count === 1) return ONE_SHARD;
  const host = given.hostname ?? '';
  const ordinal = ordinalOf(host);
  if (ordinal === undefined) {
    return { option: '--shard', message: `not given, and the host name "${host}" does not end in -<ordinal> as a StatefulSet pod's does (gitset-2): give --shard or GITSET_SHARD` };
  }
  if (ordinal >= count) return { option: '--shard', message: `the host name "${host}" gives ordinal ${ordinal}, out of range with --shards ${count} (0 to ${count - 1}): is the StatefulSet larger than GITSET_SHARDS?` };
  return { index: ordinal, count };
}

function wholeNumber(text: string): number | undefined {
  return /^\s*\d{1,6}\s*$/.test(text) ? Number(text) : undefined;
}
