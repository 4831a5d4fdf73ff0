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
  /** Winner per cluster, built on first question (withdrawals and contested keys only). */
  owners?: Map<ClusterKey, string>;
}

/**
 * `currentOwner` answers which profile the previous status records as having the release
 * installed on that cluster (undefined when none).
 */
export function resolveConflicts(
  desired: Iterable<DesiredRelease>,
  currentOwner: (cluster: ClusterKey, releaseKey: string) => string | undefined,
): ConflictResolution {
  const buckets = new Map<string, Bucket>();
  for (const d of desired) {
    if (d.action !== 'Install') continue;
    let b = buckets.get(d.key);
    if (!b) {
      b = { profiles: new Set(), releases: [] };
      buckets.set(d.key, b);
    }
    b.profiles.add(d.profile);
    b.releases.push(d);
  }
  const lost = new Map<DesiredRelease, string>();
  for (const [key, b] of buckets) {
    if (b.profiles.size < 2) continue;
    b.owners = new Map();
    const byCluster = new Map<ClusterKey, DesiredRelease[]>();
    for (const d of b.releases) {
      const list = byCluster.get(d.cluster);
      if (list) list.push(d);
      else byCluster.set(d.cluster, [d]);
    }
    for (const [cluster, candidates] of byCluster) {
      const winner = candidates.length === 1 ? candidates[0]! : pickWinner(candidates, currentOwner(cluster, key));
      b.owners.set(cluster, winner.profile);
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
