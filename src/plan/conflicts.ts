// Two profiles wanting the same release (releaseNamespace/releaseName) on the same cluster: the
// lower tier wins; on a tie the current owner (from the previous status) keeps it, otherwise the
// first by objectId, so the outcome never depends on file order. Losers are told who won.
// HelmCharts entries are bucketed by release key first: only keys that two profiles declare can
// conflict, so the usual fleet pays one map insert per entry, not per (cluster, release).
import type { ClusterKey } from '../model/objects.ts';
import { releaseKey, renderingAt, type DesiredChart, type DesiredReleases } from './desired.ts';
import { mayBeInstalled } from './decide.ts';
import type { ProfileEntry } from '../status/snapshot.ts';

export interface ConflictResolution {
  /** The profile that wants the release installed on the cluster after resolution, if any. */
  ownerOf(cluster: ClusterKey, releaseKey: string): string | undefined;
  /**
   * The sentence the status shows when a profile's helmCharts entry `chart` lost its release on
   * the cluster to another profile; undefined when it did not lose.
   */
  lostBy(profile: string, cluster: ClusterKey, chart: number): string | undefined;
}

/** One profile's helmCharts entry that renders a bucket's key (for every cluster, or for some). */
interface Entry {
  desired: DesiredReleases;
  chart: number;
}

interface Bucket {
  profiles: Set<string>;
  entries: Entry[];
  /** Uncontested keys only: who declares it where, built on first question (withdrawals). */
  owners?: Map<ClusterKey, string>;
}

interface Candidate {
  profile: string;
  tier: number;
  chart: number;
}

/**
 * The buckets of the last desired lists bucketed, kept by the revision: bucketing is a function
 * of the desired lists alone, and those are kept per revision too (desired.ts), so a quiet fleet
 * buckets its entries once, not every cycle.
 */
export interface ConflictMemo {
  last?: { lists: readonly DesiredReleases[]; buckets: Map<string, Bucket> };
}

function bucketsOf(lists: readonly DesiredReleases[], memo: ConflictMemo): Map<string, Bucket> {
  const last = memo.last;
  if (last && last.lists.length === lists.length && last.lists.every((l, i) => l === lists[i])) return last.buckets;
  const buckets = new Map<string, Bucket>();
  const add = (key: string, desired: DesiredReleases, chart: number): void => {
    let b = buckets.get(key);
    if (!b) {
      b = { profiles: new Set(), entries: [] };
      buckets.set(key, b);
    }
    b.profiles.add(desired.profile);
    b.entries.push({ desired, chart });
  };
  for (const desired of lists) {
    if (desired.clusters.length === 0) continue;
    desired.charts.forEach((c, chart) => {
      if (c.action !== 'Install') return;
      if (c.shared) return add(c.shared.key, desired, chart);
      // A templated release name gives each cluster its own key; the entry is listed once per key.
      const keys = new Set<string>();
      for (const r of c.perCluster!) keys.add(r.key);
      for (const key of keys) add(key, desired, chart);
    });
  }
  memo.last = { lists: [...lists], buckets };
  return buckets;
}

/** Each cluster on which `entry` renders `key`. */
function* clustersWith(entry: Entry, key: string): Generator<ClusterKey> {
  const { clusters, charts } = entry.desired;
  const c: DesiredChart = charts[entry.chart]!;
  for (let k = 0; k < clusters.length; k++) if (renderingAt(c, k).key === key) yield clusters[k]!.key;
}

/**
 * `desired` holds each profile's desired releases, in profile id order. `currentOwner` answers
 * which profile the previous status records as having the release installed on that cluster
 * (undefined when none). `memo` is the revision's (see ConflictMemo).
 */
export function resolveConflicts(
  desired: readonly DesiredReleases[],
  currentOwner: (cluster: ClusterKey, releaseKey: string) => string | undefined,
  memo: ConflictMemo,
): ConflictResolution {
  const buckets = bucketsOf(desired, memo);
  const lost = new Map<string, string>();
  // Winners of contested keys depend on the previous status: this call's own, never remembered.
  const contested = new Map<string, Map<ClusterKey, string>>();
  for (const [key, b] of buckets) {
    if (b.profiles.size < 2) continue;
    const owners = new Map<ClusterKey, string>();
    contested.set(key, owners);
    const byCluster = new Map<ClusterKey, Candidate[]>();
    for (const entry of b.entries) {
      const candidate: Candidate = { profile: entry.desired.profile, tier: entry.desired.tier, chart: entry.chart };
      for (const cluster of clustersWith(entry, key)) {
        const list = byCluster.get(cluster);
        if (list) list.push(candidate);
        else byCluster.set(cluster, [candidate]);
      }
    }
    for (const [cluster, candidates] of byCluster) {
      const winner = candidates.length === 1 ? candidates[0]! : pickWinner(candidates, currentOwner(cluster, key));
      owners.set(cluster, winner.profile);
      for (const d of candidates) {
        if (d === winner || d.profile === winner.profile) continue;
        lost.set(
          lostKey(d.profile, cluster, d.chart),
          `${key} on ${cluster}: conflict, owned by ${winner.profile} (tier ${winner.tier}${
            winner.tier === d.tier ? ', current owner or first by name' : ''
          })`,
        );
      }
    }
  }
  return {
    lostBy: (profile, cluster, chart) => (lost.size === 0 ? undefined : lost.get(lostKey(profile, cluster, chart))),
    ownerOf(cluster, releaseKey) {
      const won = contested.get(releaseKey);
      if (won) return won.get(cluster);
      const b = buckets.get(releaseKey);
      if (!b) return undefined;
      if (!b.owners) {
        b.owners = new Map();
        for (const entry of b.entries) for (const c of clustersWith(entry, releaseKey)) b.owners.set(c, entry.desired.profile);
      }
      return b.owners.get(cluster);
    },
  };
}

function lostKey(profile: string, cluster: ClusterKey, chart: number): string {
  return `${profile}\0${cluster}\0${chart}`;
}

function pickWinner(candidates: readonly Candidate[], owner: string | undefined): Candidate {
  let lowest = Infinity;
  for (const d of candidates) lowest = Math.min(lowest, d.tier);
  const best = candidates.filter((d) => d.tier === lowest);
  const kept = owner === undefined ? undefined : best.find((d) => d.profile === owner);
  if (kept) return kept;
  // Stable: the first entry of the lowest objectId (entries keep chart order within a profile).
  return best.reduce((a, b) => (b.profile < a.profile ? b : a));
}

/** The profile the previous status records as having the release installed on the cluster. */
export function currentOwner(previous: ReadonlyMap<string, ProfileEntry>, cluster: ClusterKey, key: string): string | undefined {
  for (const [id, entry] of previous) {
    const pc = entry.status.clusters?.find((c) => c.cluster === cluster);
    const r = pc?.releases.find((x) => releaseKey(x) === key);
    if (r && r.state !== 'Conflict' && mayBeInstalled(r)) return id;
  }
  return undefined;
}
