// One release of one profile on one cluster: given what is desired and what the status says was
// applied, classify it into a closed set of decisions (Flux helm-controller's observe → decide),
// each with a human reason and the record the status should hold. Pure; the clock is passed in.
import type { ClusterKey, SyncMode } from '../model/objects.ts';
import type { ReleaseRequest } from '../model/ports.ts';
import type { ReleaseStatus } from '../model/status.ts';
import { NOT_INSTALLED, PLANNED_INSTALL, type Rendering } from './desired.ts';
import { withdrawable, type ReleaseObservation } from './observed.ts';
import type { IndexedCluster } from '../select/cluster-index.ts';
import { healthOf, type HealthMap } from '../select/sets.ts';
import { notReadyDetail } from '../status/cluster-health.ts';

export type ActionKind = 'install' | 'upgrade' | 'uninstall';

/** Everything the executor needs for one helm call; it never decides whether to run it. */
export interface PlannedAction {
  action: ActionKind;
  cluster: ClusterKey;
  /** objectId of the profile: `ClusterProfile/kyverno`, `Profile/eng/hello`. */
  profile: string;
  release: ReleaseRequest;
  /** Desired-state hash an install/upgrade applies; for an uninstall, the hash last applied. */
  hash: string;
  reason: string;
  /** What the cluster showed that made this a repair (`release hello/hello missing, reinstalled`). */
  evidence?: string;
}

export type DecisionKind = ActionKind | 'in-sync' | 'wait' | 'backoff' | 'dry-run' | 'conflict' | 'error' | 'forget';

export interface ReleaseDecision {
  decision: DecisionKind;
  profile: string;
  cluster: ClusterKey;
  /** `releaseNamespace/releaseName`. */
  release: string;
  reason: string;
  /** The record the status holds after this decision; undefined when it is dropped. */
  record: ReleaseStatus | undefined;
  action?: PlannedAction;
  /** A withdrawal held by make-before-break: the clusters where the replacement is not yet deployed and healthy. */
  keptUntilHealthyOn?: readonly ClusterKey[];
}

export interface ClusterState {
  /** The SveltosCluster is still in the repository. */
  exists: boolean;
  /** Answering and not paused: helm may run against it now. */
  reachable: boolean;
  /** Why it is not reachable: `paused`, `not ready (3 failed probes: …)`. */
  detail: string;
}

// The states every cluster in one of these conditions shares (a healthy fleet's 10k are READY).
const GONE: ClusterState = Object.freeze({ exists: false, reachable: false, detail: 'not in the repository' });
const PAUSED: ClusterState = Object.freeze({ exists: true, reachable: false, detail: 'paused' });
const READY: ClusterState = Object.freeze({ exists: true, reachable: true, detail: 'ready' });

export function clusterState(c: IndexedCluster | undefined, health: HealthMap): ClusterState {
  if (!c) return GONE;
  if (c.paused) return PAUSED;
  const h = healthOf(health, c);
  if (h && !h.ready) return { exists: true, reachable: false, detail: `not ready: ${notReadyDetail(h)}` };
  return READY;
}

export const BACKOFF_BASE_MS = 30_000;
export const BACKOFF_MAX_MS = 15 * 60_000;

/** Delay before retrying after `failures` failed attempts in a row: 30s, 1m, 2m, … up to 15m. */
export function backoffDelayMs(failures: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1), BACKOFF_MAX_MS);
}

/** A release gitset may have put on the cluster (applied once, or an attempt that may have left a release). */
export function mayBeInstalled(r: ReleaseStatus | undefined): r is ReleaseStatus {
  return r !== undefined && (r.hash !== undefined || r.revision !== undefined || (r.failures ?? 0) > 0);
}

/** Where one decision is made: the release, its record, the cluster's state, the profile's mode. */
export interface ReleaseContext {
  profile: string;
  cluster: ClusterKey;
  release: string;
  record: ReleaseStatus | undefined;
  state: ClusterState;
  syncMode: SyncMode;
  now: Date;
  /** What the cluster showed of this release this cycle; absent when the cluster was not observed. */
  observed?: ReleaseObservation;
}

/** The profile wants the release installed on this cluster (and won any conflict). */
export function decideInstall(x: ReleaseContext, d: Rendering): ReleaseDecision {
  const r = x.record;
  const installed = mayBeInstalled(r);
  const verb: ActionKind = installed ? 'upgrade' : 'install';

  if (d.error !== undefined) return decided(x, 'error', d.error, carry(r, d, installed, 'Failed', undefined, d.error));
  if (installed && r.hash === d.hash) return decided(x, 'in-sync', 'applied state equals desired state', settled(r));
  if (x.syncMode === 'OneTime' && installed && r.hash !== undefined) {
    return decided(x, 'in-sync', 'syncMode OneTime: applied once, never upgraded', settled(r));
  }
  if (x.syncMode === 'DryRun') {
    const reason = `dry run: would ${verb} ${d.request.chartName} ${d.request.chartVersion}`;
    return decided(x, 'dry-run', reason, carry(r, d, installed, 'DryRun', reason));
  }
  if (!x.state.reachable) {
    const reason = `waiting for ${x.cluster} (${x.state.detail}) to ${verb}`;
    return decided(x, 'wait', reason, carry(r, d, installed, 'Pending', reason));
  }
  const retryAt = r && sameAttempt(r, d.hash) ? retryTime(r) : undefined;
  if (retryAt !== undefined && retryAt > x.now.getTime()) {
    return decided(x, 'backoff', `failed ${r!.failures} times; next attempt after ${new Date(retryAt).toISOString()}`, r);
  }
  if (!installed) {
    return decided(x, verb, NOT_INSTALLED, x.record?.lastAppliedTime === undefined ? d.pendingInstall : carry(r, d, false, 'Pending', PLANNED_INSTALL), installAction(x.profile, x.cluster, d));
  }
  const texts = upgradeTexts(r, d);
  const action: PlannedAction = { action: verb, cluster: x.cluster, profile: x.profile, release: d.request, hash: d.hash, reason: texts.reason };
  return decided(x, verb, texts.reason, carry(r, d, installed, 'Pending', texts.record), action);
}

/**
 * Kept for speed (a new 100k fleet's 780k installs, about a third of its first cycle's CPU time
 * without it): whether decideInstall's answer is simply "install, record pending", which the
 * planner then takes without building a decision (decide.property.test.ts holds the two equal).
 */
export function isFreshInstall(x: ReleaseContext, d: Rendering): boolean {
  return x.record === undefined && x.observed?.release === undefined && d.error === undefined && x.syncMode !== 'DryRun' && x.state.reachable;
}

/** The helm install of a release never applied. */
export function installAction(profile: string, cluster: ClusterKey, d: Rendering): PlannedAction {
  return { action: 'install', cluster, profile, release: d.request, hash: d.hash, reason: NOT_INSTALLED };
}

/** Why an installed release is upgraded, and what its record says meanwhile. */
function upgradeTexts(r: ReleaseStatus, d: Rendering): { reason: string; record: string } {
  const reason =
    r.hash === undefined
      ? `retrying after ${r.failures ?? 0} failed attempt${r.failures === 1 ? '' : 's'}`
      : r.chartVersion !== d.request.chartVersion
        ? `chart version ${r.chartVersion} → ${d.request.chartVersion}`
        : 'values or options changed';
  return { reason, record: `upgrade planned: ${reason}` };
}

/** The release lost a conflict to another profile: nothing runs, the status names the winner. */
export function decideConflict(x: ReleaseContext, desired: Rendering, message: string): ReleaseDecision {
  const d = desired.request;
  return decided(x, 'conflict', message, {
    releaseNamespace: d.releaseNamespace,
    releaseName: d.releaseName,
    chart: d.chartName,
    chartVersion: d.chartVersion,
    state: 'Conflict',
    lastError: message,
  });
}

export type WithdrawCause = 'stop-matching' | 'profile-deleted' | 'chart-removed' | 'uninstall-action';

/**
 * The profile no longer wants the release on this cluster. `owner` is the profile that now wants
 * it there (a hand-over: uninstalling would remove the new owner's release), `leave` is true for
 * stopMatchingBehavior LeavePolicies, `request` what helm needs to uninstall, `held` true while
 * the mass-failure breaker is open (nothing is withdrawn then: the uninstall waits, and says why).
 */
export function decideWithdraw(
  x: ReleaseContext,
  w: { why: string; cause: WithdrawCause; leave: boolean; owner: string | undefined; request: () => ReleaseRequest; held?: boolean; waitFor?: string },
): ReleaseDecision | undefined {
  const r = x.record;
  if (r === undefined) return undefined;
  if (!mayBeInstalled(r)) return decided(x, 'forget', `${w.why}; never installed`, undefined);
  if (w.owner !== undefined && w.owner !== x.profile) return decided(x, 'forget', `${w.why}; now owned by ${w.owner}`, undefined);
  const stopped = w.cause === 'stop-matching' || w.cause === 'profile-deleted';
  if (stopped && w.leave) return decided(x, 'forget', `${w.why}; stopMatchingBehavior LeavePolicies leaves it in place`, undefined);
  if (!x.state.exists) return decided(x, 'forget', `${w.why}; ${x.cluster} is no longer in the repository`, undefined);
  const seen = x.observed === undefined ? undefined : withdrawable(x.observed, x.profile);
  if (seen !== undefined && seen !== 'ours') return decided(x, 'forget', `${w.why}; ${seen}`, undefined);
  if (x.syncMode === 'DryRun') {
    const reason = `dry run: would uninstall (${w.why})`;
    return decided(x, 'dry-run', reason, { ...r, state: 'DryRun', reason });
  }
  if (!x.state.reachable) {
    const reason = `waiting for ${x.cluster} (${x.state.detail}) to uninstall: ${w.why}`;
    return decided(x, 'wait', reason, { ...r, state: 'Pending', reason });
  }
  const retryAt = r.state === 'Failed' ? retryTime(r) : undefined;
  if (retryAt !== undefined && retryAt > x.now.getTime()) {
    return decided(x, 'backoff', `failed ${r.failures} times; next attempt after ${new Date(retryAt).toISOString()}`, r);
  }
  if (w.held || w.waitFor) {
    const reason = w.held ? `uninstall held back while the mass-failure breaker is open: ${w.why}` : `uninstall held back until ${w.waitFor}: ${w.why}`;
    return decided(x, 'wait', reason, { ...r, state: 'Pending', reason });
  }
  const action: PlannedAction = {
    action: 'uninstall',
    cluster: x.cluster,
    profile: x.profile,
    release: w.request(),
    hash: r.hash ?? '',
    reason: w.why,
  };
  return decided(x, 'uninstall', w.why, { ...r, state: 'Pending', reason: `uninstall planned: ${w.why}` }, action);
}

/** The record while work is pending: what is installed stays described as installed. */
export function carry(
  r: ReleaseStatus | undefined,
  d: Rendering,
  installed: boolean,
  state: ReleaseStatus['state'],
  reason?: string,
  error?: string,
): ReleaseStatus {
  const out: ReleaseStatus = {
    releaseNamespace: d.request.releaseNamespace,
    releaseName: d.request.releaseName,
    chart: installed ? r!.chart : d.request.chartName,
    chartVersion: installed ? r!.chartVersion : d.request.chartVersion,
    state,
  };
  if (reason !== undefined) out.reason = reason;
  if (error !== undefined) out.lastError = error;
  if (r?.hash !== undefined) out.hash = r.hash;
  if (r?.revision !== undefined) out.revision = r.revision;
  if (r?.lastAppliedTime !== undefined) out.lastAppliedTime = r.lastAppliedTime;
  if (r?.failures) out.failures = r.failures;
  if (r?.lastError !== undefined && r.failures && error === undefined) out.lastError = r.lastError;
  if (r?.lastAttemptTime !== undefined && r.failures) out.lastAttemptTime = r.lastAttemptTime;
  if (r?.attemptedHash !== undefined && r.failures) out.attemptedHash = r.attemptedHash;
  return out;
}

export function decided(
  x: ReleaseContext,
  decision: DecisionKind,
  reason: string,
  record: ReleaseStatus | undefined,
  action?: PlannedAction,
): ReleaseDecision {
  return action
    ? { decision, profile: x.profile, cluster: x.cluster, release: x.release, reason, record, action }
    : { decision, profile: x.profile, cluster: x.cluster, release: x.release, reason, record };
}

/** An applied release with nothing to do: Deployed, failure bookkeeping cleared. */
export function settled(r: ReleaseStatus): ReleaseStatus {
  // The steady state of a quiet fleet: nothing to clear, so the record itself is reused.
  if (
    r.state === 'Deployed' &&
    r.failures === undefined &&
    r.lastError === undefined &&
    r.lastAttemptTime === undefined &&
    r.attemptedHash === undefined &&
    r.reason === undefined
  ) {
    return r;
  }
  const { failures: _f, lastError: _e, lastAttemptTime: _t, attemptedHash: _a, reason: _r, ...rest } = r;
  return { ...rest, state: 'Deployed' };
}

export function sameAttempt(r: ReleaseStatus, hash: string): boolean {
  return r.state === 'Failed' && (r.failures ?? 0) > 0 && (r.attemptedHash === undefined || r.attemptedHash === hash);
}

export function retryTime(r: ReleaseStatus): number | undefined {
  if (!r.failures || r.lastAttemptTime === undefined) return undefined;
  const t = Date.parse(r.lastAttemptTime);
  return Number.isNaN(t) ? undefined : t + backoffDelayMs(r.failures);
}
