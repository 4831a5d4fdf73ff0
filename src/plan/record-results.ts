// Folding helm's outcomes into the statuses a cycle planned (computeCycle): what each call did
// becomes the release's record, a failover whose replacement got all its releases is completed,
// and a deleted profile with nothing left is dropped. Pure, like the rest of the cycle.
import type { ReleaseResult } from '../model/ports.ts';
import type { ProfileStatus, ReleaseStatus } from '../model/status.ts';
import { deployedAtBySet, settleFailovers } from '../select/failovers.ts';
import type { ProfileEntry, StatusSnapshot } from '../status/snapshot.ts';
import type { PlannedAction } from './decide.ts';
import { releaseKey } from './desired.ts';
import type { CycleResult } from './cycle.ts';

/** What one helm call did; `finishedAt` (RFC 3339) is when it ended, recorded as the time applied. */
export type ActionOutcome =
  | { action: PlannedAction; ok: true; result?: ReleaseResult; finishedAt?: string }
  | { action: PlannedAction; ok: false; error: string; finishedAt?: string };

/**
 * Folds helm's outcomes into the planned statuses: success records the applied hash, revision
 * and time; failure counts toward backoff; a successful uninstall drops the record, and a deleted
 * profile with nothing left is dropped. Actions without an outcome stay Pending (retried next cycle).
 */
export function recordResults(cycle: CycleResult, outcomes: readonly ActionOutcome[], now: Date): StatusSnapshot {
  const at = now.toISOString();
  const profiles = new Map<string, ProfileEntry>();
  const touched = new Map<string, ActionOutcome[]>();
  for (const o of outcomes) touched.set(o.action.profile, [...(touched.get(o.action.profile) ?? []), o]);

  for (const [id, entry] of cycle.snapshot.profiles) {
    const mine = touched.get(id);
    if (!mine) {
      profiles.set(id, entry);
      continue;
    }
    const clusters = (entry.status.clusters ?? []).map((pc) => ({ cluster: pc.cluster, releases: [...pc.releases] }));
    for (const o of mine) {
      const pc = clusters.find((c) => c.cluster === o.action.cluster);
      const i = pc ? pc.releases.findIndex((r) => releaseKey(r) === releaseKey(o.action.release)) : -1;
      if (!pc || i < 0) continue;
      const next = applyOutcome(pc.releases[i]!, o, o.finishedAt ?? at, cycle.observing === true);
      if (next) pc.releases[i] = next;
      else pc.releases.splice(i, 1);
    }
    const status: ProfileStatus = { ...entry.status };
    const kept = clusters.filter((c) => c.releases.length > 0);
    if (kept.length > 0) status.clusters = kept;
    else delete status.clusters;
    if (cycle.withdrawing.has(id) && kept.length === 0) continue;
    profiles.set(id, { object: entry.object, status });
  }
  const promotions = cycle.snapshot.promotions;
  return { clusters: cycle.snapshot.clusters, sets: settleSets(cycle.snapshot.sets, profiles, cycle.withdrawing, now), profiles, ...(promotions ? { promotions } : {}) };
}

/** Failover records whose replacement just got all its releases: completed in the same commit. */
function settleSets(sets: StatusSnapshot['sets'], profiles: ReadonlyMap<string, ProfileEntry>, withdrawing: ReadonlySet<string>, now: Date): StatusSnapshot['sets'] {
  if (![...sets.values()].some((e) => e.status.failovers?.some((f) => f.deployed === undefined))) return sets;
  const current = [...profiles].filter(([id]) => !withdrawing.has(id)); // deleted profiles deploy nothing
  const deployedAt = deployedAtBySet(current.map(([, e]) => ({ profile: e.object, status: e.status })), now);
  const out = new Map(sets);
  for (const [id, entry] of sets) {
    const fs = entry.status.failovers;
    if (!fs?.some((f) => f.deployed === undefined)) continue;
    out.set(id, { object: entry.object, status: { ...entry.status, failovers: settleFailovers(fs, deployedAt(id)) } });
  }
  return out;
}

/** Health of what helm just applied, until a look at its workloads says more. */
export const APPLIED_HEALTH_MESSAGE = 'applied; workloads not yet observed healthy';

function applyOutcome(r: ReleaseStatus, o: ActionOutcome, at: string, observing: boolean): ReleaseStatus | undefined {
  const failed = !o.ok || o.result?.status === 'failed';
  if (!failed) {
    if (o.action.action === 'uninstall') return undefined;
    const rel = o.action.release;
    // Its fields in the order status/read.ts reads them back: a restart's record then has the same
    // JSON, and the render seed (daemon/status-render.ts) takes its committed file as it is.
    const out: ReleaseStatus = {
      releaseNamespace: rel.releaseNamespace,
      releaseName: rel.releaseName,
      chart: rel.chartName,
      chartVersion: (o.ok && o.result?.chartVersion) || rel.chartVersion,
      state: 'Deployed',
      hash: o.action.hash,
    };
    if (o.ok && o.result) out.revision = o.result.revision;
    out.lastAppliedTime = at;
    if (observing) {
      out.health = 'Progressing';
      out.healthMessage = APPLIED_HEALTH_MESSAGE;
    }
    if (o.action.evidence !== undefined) out.evidence = o.action.evidence;
    return out;
  }
  const error = o.ok ? `helm reports status ${o.result?.status ?? 'failed'}` : o.error;
  const { reason: _r, ...rest } = r;
  return {
    ...rest,
    state: 'Failed',
    lastError: error,
    failures: (r.failures ?? 0) + 1,
    lastAttemptTime: at,
    ...(o.action.action === 'uninstall' ? {} : { attemptedHash: o.action.hash }),
  };
}
