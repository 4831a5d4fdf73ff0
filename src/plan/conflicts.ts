// Two profiles wanting the same release (releaseNamespace/releaseName) on the same cluster: the
// lower tier wins; on a tie the current owner (from the previous status) keeps it, otherwise the
// first by objectId, so the outcome never depends on file order. Losers are told who won.
// Desired releases are bucketed by release key first: only keys that two profiles declare can
// conflict, so the usual fleet pays one map insert per declared release, not per (cluster, release).
import type { ClusterKey } from '../model/objects.ts';
import type { DesiredRelease } from './desired.ts';

export interface ConflictResolution {
  /** The profile that wants the release installed on the cluster after resolution, if any. */
  ownerOf(cluster: ClusterKey, releaseKey: string): string | undefined;
  /** Desired releases that lost, with the sentence their profile's status shows. */
  lost: Map<DesiredRelease, string>;
}

interface Bucket {
  profiles: Set<string>;
  releases: DesiredRelease[];
  /** Uncontested keys only: who declares it where, built on first question (withdrawals). */
  owners?: Map<ClusterKey, string>;
}

// Bucketing is a function of the desired lists alone, and those are kept per loaded profile
// (desired.ts): a quiet fleet buckets its 80k releases (10k clusters) once, not every cycle.
// Keyed by the first list; the rest are compared by identity.
const remembered = new WeakMap<readonly DesiredRelease[], { lists: ReadonlyArray<readonly DesiredRelease[]>; buckets: Map<string, Bucket> }>();

function bucketsOf(lists: ReadonlyArray<readonly DesiredRelease[]>): Map<string, Bucket> {
  const first = lists[0];
  const last = first && remembered.get(first);
  if (last && last.lists.length === lists.length && last.lists.every((l, i) => l === lists[i])) return last.buckets;
  const buckets = new Map<string, Bucket>();
  for (const list of lists) {
    for (const d of list) {
      if (d.action !== 'Install') continue;
      let b = buckets.get(d.key);
      if (!b) {
        b = { profiles: new Set(), releases: [] };
        buckets.set(d.key, b);
      }
      b.profiles.add(d.profile);
      b.releases.push(d);
    }
  }
  if (first) remembered.set(first, { lists: [...lists], buckets });
  return buckets;
}

/**
 * `desired` holds each profile's desired releases. `currentOwner` answers which profile the
 * previous status records as having the release installed on that cluster (undefined when none).
 */
export function resolveConflicts(
  desired: ReadonlyArray<readonly DesiredRelease[]>,
  currentOwner: (cluster: ClusterKey, releaseKey: string) => string | undefined,
): ConflictResolution {
  const buckets = bucketsOf(desired);
  const lost = new Map<DesiredRelease, string>();
  // Winners of contested keys depend on the previous status: this call's own, never remembered.
  const contested = new Map<string, Map<ClusterKey, string>>();
  for (const [key, b] of buckets) {
    if (b.profiles.size < 2) continue;
    const owners = new Map<ClusterKey, string>();
    contested.set(key, owners);
    const byCluster = new Map<ClusterKey, DesiredRelease[]>();
    for (const d of b.releases) {
      const list = byCluster.get(d.cluster);
      if (list) list.push(d);
      else byCluster.set(d.cluster, [d]);
    }
    for (const [cluster, candidates] of byCluster) {
      const winner = candidates.length === 1 ? candidates[0]! : pickWinner(candidates, currentOwner(cluster, key));
      owners.set(cluster, winner.profile);
      for (const d of candidates) {
        if (d === winner || d.profile === winner.profile) continue;
        lost.set(
          d,
          `${d.key} on ${d.cluster}: conflict, owned by ${winner.profile} (tier ${winner.tier}${
            winner.tier === d.tier ? ', current owner or first by name' : ''
          })`,
        );
      }
    }
  }
  return {
    lost,
    ownerOf(cluster, releaseKey) {
      const won = contested.get(releaseKey);
      if (won) return won.get(cluster);
      const b = buckets.get(releaseKey);
      if (!b) return undefined;
      if (!b.owners) {
        b.owners = new Map();
        for (const d of b.releases) b.owners.set(d.cluster, d.profile);
      }
      return b.owners.get(cluster);
    },
  };
}

function pickWinner(candidates: readonly DesiredRelease[], owner: string | undefined): DesiredRelease {
  let lowest = Infinity;
  for (const d of candidates) lowest = Math.min(lowest, d.tier);
  const best = candidates.filter((d) => d.tier === lowest);
  const kept = owner === undefined ? undefined : best.find((d) => d.profile === owner);
  if (kept) return kept;
  // Stable: the first entry of the lowest objectId (desired lists keep chart order within a profile).
  return best.reduce((a, b) => (b.profile < a.profile ? b : a));
}
