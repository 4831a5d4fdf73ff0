// What the cluster says about one release, against what gitset recorded and wants: a small closed
// set of findings (Flux's observe → classify), then the decision. The record in a status file is a
// report people can edit; only the release's own record on the cluster, and gitset's mark on it,
// decide what runs. Pure.
import type { ClusterObservation } from '../observe/fleet.ts';
import type { ObservedRelease } from '../observe/inventory.ts';
import type { Health } from '../observe/health.ts';
import type { ReleaseLook } from '../observe/look.ts';
import { hashLabelValue, profileLabelValue } from '../observe/ownership.ts';
import type { ReleaseStatus } from '../model/status.ts';
import { carry, decided, decideInstall, installAction, retryTime, sameAttempt, settled, type PlannedAction, type ReleaseContext, type ReleaseDecision } from './decide.ts';
import type { Rendering } from './desired.ts';

/** One release as observed this cycle on an answering cluster. */
export interface ReleaseObservation {
  /** The release's newest record on the cluster; absent: not installed there. */
  release?: ObservedRelease;
  /** A closer look taken this cycle (health, and drift when it was checked). */
  look?: ReleaseLook;
}

export type Finding =
  | { kind: 'absent' }
  | { kind: 'foreign' }
  | { kind: 'adoptable' }
  | { kind: 'broken'; status: string }
  | { kind: 'leaving' }
  | { kind: 'changed'; revision: number; applied: number }
  | { kind: 'drifted'; evidence: string[] }
  | { kind: 'stale' }
  | { kind: 'in-sync' };

const BROKEN = /^(failed|pending-install|pending-upgrade|pending-rollback)$/;

/**
 * Classifies a release the profile wants. `recorded` is the status file's record (maybe forged,
 * stale or missing), `hash` the desired state's hash.
 */
export function classifyWanted(o: ReleaseObservation, recorded: ReleaseStatus | undefined, hash: string): Finding {
  const r = o.release;
  if (r === undefined) return { kind: 'absent' };
  if (!r.marked) {
    // Installed by gitset before it marked its releases: the record must match helm's exactly.
    return recorded?.revision === r.revision && recorded.hash !== undefined ? { kind: 'adoptable' } : { kind: 'foreign' };
  }
  if (r.status === 'uninstalling') return { kind: 'leaving' };
  if (BROKEN.test(r.status)) return { kind: 'broken', status: r.status };
  if (r.hashLabel !== hashLabelValue(hash)) return { kind: 'stale' };
  if (recorded?.revision !== undefined && r.revision > recorded.revision && recorded.hash === hash) {
    return { kind: 'changed', revision: r.revision, applied: recorded.revision };
  }
  const drift = o.look?.drift;
  if (drift && drift.length > 0) return { kind: 'drifted', evidence: drift.map((f) => f.evidence) };
  return { kind: 'in-sync' };
}

/** Whether gitset may withdraw what it finds: `ours`, or why not (the record is then dropped). */
export function withdrawable(o: ReleaseObservation, profile: string): 'ours' | string {
  const r = o.release;
  if (r === undefined) return 'already gone from the cluster';
  if (!r.marked) return 'not installed by gitset (no gitset.dev/managed-by label): left alone';
  if (r.profileLabel !== undefined && r.profileLabel !== profileLabelValue(profile)) return `installed by another profile (${r.profileLabel}): left to it`;
  return 'ours';
}

/**
 * A release the profile wants, on a cluster that answered and was observed: the decision follows
 * what the cluster holds. Falls back to the status-based decision when there is nothing to observe
 * (a render error, a dry run, a cluster that does not answer).
 */
export function decideWanted(x: ReleaseContext, d: Rendering): ReleaseDecision {
  const o = x.observed;
  if (o === undefined || d.error !== undefined || x.syncMode === 'DryRun' || !x.state.reachable) return decideInstall(x, d);
  const f = classifyWanted(o, x.record, d.hash);
  const name = d.key;
  switch (f.kind) {
    case 'in-sync':
      return decided(x, 'in-sync', 'the cluster holds the desired state', observedRecord(x.record, d, o, x.now));
    case 'stale':
      if (x.syncMode === 'OneTime') return decided(x, 'in-sync', 'syncMode OneTime: applied once, never upgraded', observedRecord(x.record, d, o, x.now));
      return decideInstall({ ...x, record: x.record ?? observedRecord(undefined, d, o, x.now, 'unknown') }, d);
    case 'absent':
      if (x.record?.hash === undefined && x.record?.revision === undefined) return decideInstall({ ...x, record: undefined }, d);
      return repair(x, d, 'install', `release ${name} missing on the cluster, reinstalled`);
    case 'foreign': {
      const reason = `release ${name} on ${x.cluster} was not installed by gitset (no gitset.dev/managed-by label): left alone`;
      return decided(x, 'conflict', reason, { ...carry(undefined, d, false, 'Conflict'), lastError: reason });
    }
    case 'adoptable':
      return repair(x, d, 'upgrade', `release ${name} installed before gitset marked its releases (revision ${o.release!.revision}): adopted`);
    case 'leaving': {
      // Someone is uninstalling it right now: racing them helps nobody; once it is gone it is missing.
      const reason = `release ${name} is being uninstalled on the cluster; installed again once it is gone`;
      return decided(x, 'wait', reason, carry(x.record, d, x.record?.hash !== undefined, 'Pending', reason));
    }
    case 'broken':
      return repair(x, d, 'upgrade', `release ${name} is ${f.status} on the cluster, reapplied`);
    case 'changed':
      return repair(x, d, 'upgrade', `release ${name} is at revision ${f.revision} on the cluster, gitset applied ${f.applied}: reapplied`);
    case 'drifted':
      if (x.syncMode !== 'ContinuousWithDriftDetection') return decided(x, 'in-sync', 'the cluster holds the desired state', observedRecord(x.record, d, o, x.now));
      return repair(x, d, 'upgrade', `drift: ${f.evidence.slice(0, 5).join('; ')}${f.evidence.length > 5 ? `; and ${f.evidence.length - 5} more` : ''}, repaired`);
  }
}

/** Applies the release again because of what the cluster showed; failed repairs back off as any attempt. */
function repair(x: ReleaseContext, d: Rendering, verb: 'install' | 'upgrade', evidence: string): ReleaseDecision {
  const r = x.record;
  const retryAt = r && sameAttempt(r, d.hash) ? retryTime(r) : undefined;
  if (retryAt !== undefined && retryAt > x.now.getTime()) {
    return decided(x, 'backoff', `failed ${r!.failures} times; next attempt after ${new Date(retryAt).toISOString()}`, r);
  }
  const action: PlannedAction = verb === 'install' ? { ...installAction(x.profile, x.cluster, d), reason: evidence, evidence } : { action: verb, cluster: x.cluster, profile: x.profile, release: d.request, hash: d.hash, reason: evidence, evidence };
  const record = { ...carry(r, d, r !== undefined && r.hash !== undefined, 'Pending', `${verb} planned: ${evidence}`), evidence };
  return decided(x, verb, evidence, record, action);
}

/** The record of a release the cluster holds as desired: rebuilt from the cluster when the status lost it. */
function observedRecord(r: ReleaseStatus | undefined, d: Rendering, o: ReleaseObservation, now: Date, hash: string = d.hash): ReleaseStatus {
  const base: ReleaseStatus = r
    ? settled(r)
    : { releaseNamespace: d.request.releaseNamespace, releaseName: d.request.releaseName, chart: d.request.chartName, chartVersion: d.request.chartVersion, state: 'Deployed', hash };
  const rev = o.release?.revision;
  const health = o.look && judgedHealth(o.look.health, r, now);
  const applied = appliedTime(base, o);
  const changed = base.hash !== hash || (rev !== undefined && base.revision !== rev) || applied !== base.lastAppliedTime || (health !== undefined && (base.health !== health.state || base.healthMessage !== health.message));
  if (!changed) return base;
  const out: ReleaseStatus = { ...base, hash };
  if (applied !== undefined) out.lastAppliedTime = applied;
  if (rev !== undefined) out.revision = rev;
  if (health !== undefined) {
    out.health = health.state;
    if (health.message !== undefined) out.healthMessage = health.message;
    else delete out.healthMessage;
  }
  return out;
}

/**
 * When the release was applied: the record's time, unless helm's own record on the cluster says it
 * was written later (a record with an earlier time was edited, or lost its time): then helm's. A
 * status file cannot make a release look older than it is (a promotion's delay counts from it).
 */
function appliedTime(r: ReleaseStatus, o: ReleaseObservation): string | undefined {
  const deployed = o.release?.deployedAt;
  if (deployed === undefined) return r.lastAppliedTime;
  const recorded = r.lastAppliedTime === undefined ? Number.NaN : Date.parse(r.lastAppliedTime);
  return Number.isFinite(recorded) && recorded >= Date.parse(deployed) ? r.lastAppliedTime : deployed;
}

/**
 * How long a validateHealths check may fail after the release was applied before it is reported
 * Degraded rather than Progressing: helm's default timeout, so a check that is only waiting for a
 * rollout is not called broken, and one that will not pass by itself is said so.
 */
export const HEALTH_CHECK_GRACE_MS = 5 * 60_000;

/** A failing check past its grace is Degraded (the text stays the same from cycle to cycle: no commit each time). */
function judgedHealth(health: Health, r: ReleaseStatus | undefined, now: Date): Health {
  if (health.check === undefined || health.state !== 'Progressing' || r?.lastAppliedTime === undefined) return health;
  if (now.getTime() - Date.parse(r.lastAppliedTime) <= HEALTH_CHECK_GRACE_MS) return health;
  return { state: 'Degraded', message: `${health.message} (still failing ${HEALTH_CHECK_GRACE_MS / 60_000}m after the release was applied)`, check: health.check };
}

/** What the cluster showed of one release; undefined when the cluster was not observed. */
export function seen(obs: ClusterObservation | undefined, key: string): ReleaseObservation | undefined {
  if (!obs) return undefined;
  const release = obs.releases.get(key);
  const look = obs.looks.get(key);
  return { ...(release ? { release } : {}), ...(look ? { look } : {}) };
}

/** Whether a record on a cluster that answers leaves work to do before a move may break (make-before-break; daemon only). */
export function unsettledRecord(r: ReleaseStatus): boolean {
  if (r.state === 'Conflict' || r.state === 'DryRun') return false;
  return r.state !== 'Deployed' || r.health !== 'Healthy';
}
