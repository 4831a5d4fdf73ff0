// When a set's releases are up on a cluster, and the failover records that waits for: a record
// is complete once every release of every profile on the set is Deployed and Healthy on the
// replacement; its total counts from the first sign of trouble. Pure; times come from the release
// records and the cycle's clock.
//
// A release without `health` (status written before gitset observed workloads, or a plan that
// observed nothing) counts as healthy: its Deployed state is all gitset knows, as before. A
// release the plan has not looked at yet is written with health Unknown or Progressing, which
// waits like Degraded does.
import type { ClusterKey, HelmChart } from '../model/objects.ts';
import type { FailoverRecord, ProfileStatus, ReleaseStatus } from '../model/status.ts';
import { setRefId, type ProfileLike } from './profiles.ts';

/**
 * When all of a set's releases were Deployed and Healthy on `cluster` (RFC 3339), `null` when the
 * set has nothing to deploy, undefined while some release is not Deployed and Healthy yet.
 */
export type DeployedAt = (cluster: ClusterKey) => string | null | undefined;

export interface ProfileOnSets {
  profile: ProfileLike;
  status: ProfileStatus | undefined;
}

/** Whether a release is up: Deployed and its workloads Healthy (no health recorded counts as healthy). */
export function isUp(r: ReleaseStatus): boolean {
  return r.state === 'Deployed' && (r.health === undefined || r.health === 'Healthy');
}

/**
 * A DeployedAt per set id, from the profiles that name sets in setRefs and their statuses. `now`
 * is when these statuses were observed: a release observed Healthy became healthy at the latest
 * then (no record keeps when its health turned), so the time is the later of its last apply and
 * `now`. Without `now`, the last apply counts, as before health was observed.
 */
export function deployedAtBySet(profiles: readonly ProfileOnSets[], now?: Date): (setId: string) => DeployedAt {
  const bySet = new Map<string, ProfileOnSets[]>();
  for (const p of profiles) {
    const charts = installable(p.profile.spec.helmCharts);
    if (charts === 0) continue;
    for (const name of Array.isArray(p.profile.spec.setRefs) ? p.profile.spec.setRefs : []) {
      const id = setRefId(p.profile, String(name));
      bySet.set(id, [...(bySet.get(id) ?? []), p]);
    }
  }
  const observedAt = now?.toISOString();
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
          if (!isUp(r)) return undefined;
          if (r.lastAppliedTime && r.lastAppliedTime > latest) latest = r.lastAppliedTime;
          if (r.health === 'Healthy' && observedAt && observedAt > latest) latest = observedAt;
        }
      }
      return latest || null;
    };
  };
}

/** Fills `deployed` and `totalSeconds` of open records whose replacement is now deployed and healthy. */
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
