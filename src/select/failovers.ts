// When a set's releases are up on a cluster, and the failover records that waits for: a record
// is complete once every release of every profile on the set is Deployed on the replacement;
// its total counts from the first sign of trouble. Pure; times come from the release records.
import type { ClusterKey, HelmChart } from '../model/objects.ts';
import type { FailoverRecord, ProfileStatus } from '../model/status.ts';
import { setRefId, type ProfileLike } from './profiles.ts';

/**
 * When all of a set's releases were Deployed on `cluster` (RFC 3339), `null` when the set has
 * nothing to deploy, undefined while some release is not Deployed yet.
 */
export type DeployedAt = (cluster: ClusterKey) => string | null | undefined;

export interface ProfileOnSets {
  profile: ProfileLike;
  status: ProfileStatus | undefined;
}

/** A DeployedAt per set id, from the profiles that name sets in setRefs and their statuses. */
export function deployedAtBySet(profiles: readonly ProfileOnSets[]): (setId: string) => DeployedAt {
  const bySet = new Map<string, ProfileOnSets[]>();
  for (const p of profiles) {
    const charts = installable(p.profile.spec.helmCharts);
    if (charts === 0) continue;
    for (const name of Array.isArray(p.profile.spec.setRefs) ? p.profile.spec.setRefs : []) {
      const id = setRefId(p.profile, String(name));
      bySet.set(id, [...(bySet.get(id) ?? []), p]);
    }
  }
  return (setId) => {
    const mine = bySet.get(setId);
    if (!mine) return () => null;
    return (cluster) => {
      let latest = '';
      for (const p of mine) {
        const pc = p.status?.clusters?.find((c) => c.cluster === cluster);
        if (!pc || pc.releases.length < installable(p.profile.spec.helmCharts)) return undefined;
        for (const r of pc.releases) {
          // A release lost to a conflict or in dry run will never be Deployed here: not worth waiting for.
          if (r.state === 'Conflict' || r.state === 'DryRun') continue;
          if (r.state !== 'Deployed') return undefined;
          if (r.lastAppliedTime && r.lastAppliedTime > latest) latest = r.lastAppliedTime;
        }
      }
      return latest || null;
    };
  };
}

/** Fills `deployed` and `totalSeconds` of open records whose replacement is now deployed. */
export function settleFailovers(history: readonly FailoverRecord[], deployedAt: DeployedAt): FailoverRecord[] {
  return history.map((r) => {
    if (r.deployed !== undefined) return r;
    const at = deployedAt(r.to);
    if (at === undefined) return r;
    const deployed = at === null || at < r.selected ? r.selected : at;
    const start = r.firstFailedProbe ?? r.declaredNotReady ?? r.selected;
    const totalSeconds = Math.max(0, Math.round((Date.parse(deployed) - Date.parse(start)) / 1000));
    return { ...r, deployed, totalSeconds };
  });
}

function installable(charts: unknown): number {
  return Array.isArray(charts) ? (charts as HelmChart[]).filter((c) => c && c.helmChartAction !== 'Uninstall').length : 0;
}
