// Two profiles wanting the same release (releaseNamespace/releaseName) on the same cluster: the
// lower tier wins; on a tie the current owner (from the previous status) keeps it, otherwise the
// first by objectId, so the outcome never depends on file order. Losers are told who won.
import type { ClusterKey } from '../model/objects.ts';
import type { DesiredRelease } from './desired.ts';

export interface ConflictResolution {
  /** Winning profile per `cluster␀releaseKey`, for every installed-wanted release. */
  owners: Map<string, string>;
  /** Desired releases that lost, with the sentence their profile's status shows. */
  lost: Map<DesiredRelease, string>;
}

export function slotKey(cluster: ClusterKey, releaseKey: string): string {
  return `${cluster}\u0000${releaseKey}`;
}

/**
 * `currentOwner` answers which profile the previous status records as having the release
 * installed on that cluster (undefined when none).
 */
export function resolveConflicts(
  desired: readonly DesiredRelease[],
  currentOwner: (cluster: ClusterKey, releaseKey: string) => string | undefined,
): ConflictResolution {
  const first = new Map<string, DesiredRelease>();
  const contested = new Map<string, DesiredRelease[]>();
  for (const d of desired) {
    if (d.action !== 'Install') continue;
    const slot = slotKey(d.cluster, d.key);
    const f = first.get(slot);
    if (!f) first.set(slot, d);
    else contested.set(slot, [...(contested.get(slot) ?? [f]), d]);
  }
  const owners = new Map<string, string>();
  for (const [slot, d] of first) owners.set(slot, d.profile);
  const lost = new Map<DesiredRelease, string>();
  for (const [slot, candidates] of contested) {
    const winner = pickWinner(candidates, currentOwner(candidates[0]!.cluster, candidates[0]!.key));
    owners.set(slot, winner.profile);
    for (const d of candidates) {
      if (d === winner) continue;
      lost.set(
        d,
        d.profile === winner.profile
          ? `${d.key} on ${d.cluster}: declared twice in this profile; the first helmCharts entry is used`
          : `${d.key} on ${d.cluster}: conflict, owned by ${winner.profile} (tier ${winner.tier}${
              winner.tier === d.tier ? ', current owner or first by name' : ''
            })`,
      );
    }
  }
  return { owners, lost };
}

function pickWinner(candidates: readonly DesiredRelease[], owner: string | undefined): DesiredRelease {
  const lowest = Math.min(...candidates.map((d) => d.tier));
  const best = candidates.filter((d) => d.tier === lowest);
  const kept = owner === undefined ? undefined : best.find((d) => d.profile === owner);
  if (kept) return kept;
  // Stable: the first entry of the lowest objectId (desired lists keep chart order within a profile).
  return best.reduce((a, b) => (b.profile < a.profile ? b : a));
}
