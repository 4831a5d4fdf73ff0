// With several replicas, a set's owner goes by the health other shards committed for their
// clusters. When such a shard is silent (its replica is down: no heartbeat for a while), nobody
// else probes its clusters or acts on them; the set keeps them as last committed and says so,
// until the shard is back. Pure.
import { refKey } from './snapshot.ts';
import type { StatusSnapshot } from './snapshot.ts';
import { clusterShard, ownsObject, type Shard } from '../select/shard.ts';

/** Another shard not heard from: its last heartbeat, or none ever seen. */
export interface SilentShard {
  shard: number;
  lastHeartbeat?: string;
}

/** How a silent shard is described, the same in every set and in gitset.yaml. */
export function describeSilence(s: SilentShard, staleAfter: string): string {
  return s.lastHeartbeat
    ? `shard ${s.shard} silent since ${s.lastHeartbeat} (no heartbeat for over ${staleAfter})`
    : `shard ${s.shard} never heard from (no heartbeat in ${staleAfter})`;
}

/** The snapshot with `staleHealth` on each set this shard owns that goes by a silent shard's cluster. */
export function withStaleHealth(snapshot: StatusSnapshot, shard: Shard, silent: readonly SilentShard[], staleAfter: string): StatusSnapshot {
  if (silent.length === 0 || shard.count <= 1) return snapshot;
  const bySilent = new Map(silent.map((s) => [s.shard, s]));
  const sets = new Map(snapshot.sets);
  for (const [id, entry] of snapshot.sets) {
    if (!ownsObject(shard, id)) continue;
    const { status } = entry;
    const clusters = new Set([...status.selectedClusterRefs, ...status.matchingClusterRefs].map(refKey));
    for (const n of status.notSelected ?? []) clusters.add(n.cluster);
    const notes = [...clusters].sort().flatMap((c) => {
      const s = bySilent.get(clusterShard(c, shard.count));
      return s ? [`${c}: health as shard ${s.shard} last committed it; ${describeSilence(s, staleAfter)}: waiting for it`] : [];
    });
    if (notes.length > 0) sets.set(id, { object: entry.object, status: { ...status, staleHealth: notes } });
  }
  return { ...snapshot, sets };
}
