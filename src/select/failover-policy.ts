// Set selection with gitset's failover policies around Sveltos' sticky, capped selection:
// cordoned clusters are never newly selected, pinned ones come first, a not-ready selected cluster
// is replaced only after the set's failover grace and within its failover budget, clusters left
// by a planned move keep their releases (draining) until the replacement is deployed and healthy
// or the drain times out (drain.ts), and while the mass-failure breaker is open nothing moves at
// all. Pure: every input, the clock included, is passed in; the same input gives the same status,
// and no timestamp ticks.
import type { ClusterKey } from '../model/objects.ts';
import type { FailoverReason, FailoverRecord, HeldBack, SetStatus } from '../model/status.ts';
import {
  CORDON,
  CORDON_UNTIL,
  DEFAULT_DRAIN_TIMEOUT,
  DRAIN_TIMEOUT,
  FAILOVER_BUDGET,
  FAILOVER_GRACE,
  parseBudget,
  parseDrainTimeout,
  parsePin,
  parseTime,
  PIN,
  type FailoverBudget,
} from '../load/annotations.ts';
import { parseDuration } from '../model/duration.ts';
import { refKey } from '../status/snapshot.ts';
import type { ClusterIndex } from './cluster-index.ts';
import { drainingClusters, recordDrainTimeouts, type DrainTimeout } from './drain.ts';
import { settleFailovers, type DeployedAt } from './failovers.ts';
import { capOf, selectClusters, type HealthMap, type SetLike } from './sets.ts';

/** Failovers kept in a set's status (more when the budget needs more history). */
export const FAILOVER_HISTORY = 20;

export interface SetPolicy {
  pins: ClusterKey[];
  graceMs: number;
  grace?: string;
  budget?: FailoverBudget;
  /** How long a make-before-break drain waits for the replacement (gitset.dev/drain-timeout). */
  drainTimeout: DrainTimeout;
}

/** The set's `gitset.dev/` annotations, parsed; invalid values count as absent (the loader reported them). */
export function setPolicy(set: SetLike): SetPolicy {
  const a = set.metadata.annotations ?? {};
  const pinText = a[PIN];
  const parsed = pinText === undefined ? undefined : parsePin(pinText, set.kind === 'Set' ? (set.metadata.namespace ?? 'default') : undefined);
  const graceMs = a[FAILOVER_GRACE] !== undefined ? (parseDuration(a[FAILOVER_GRACE]) ?? 0) : 0;
  const budget = a[FAILOVER_BUDGET] !== undefined ? parseBudget(a[FAILOVER_BUDGET]) : undefined;
  const drainMs = a[DRAIN_TIMEOUT] !== undefined ? parseDrainTimeout(a[DRAIN_TIMEOUT]) : undefined;
  return {
    pins: parsed && !parsed.error ? parsed.keys : [],
    graceMs,
    ...(graceMs > 0 ? { grace: a[FAILOVER_GRACE]!.trim() } : {}),
    ...(budget ? { budget } : {}),
    drainTimeout: drainMs !== undefined ? { ms: drainMs, text: a[DRAIN_TIMEOUT]!.trim() } : { ms: parseDrainTimeout(DEFAULT_DRAIN_TIMEOUT)!, text: DEFAULT_DRAIN_TIMEOUT },
  };
}

/** Clusters cordoned at `now`, with the reason to show. A cordon whose cordon-until has passed has lapsed. */
export function cordonedClusters(index: ClusterIndex, now: Date): Map<ClusterKey, string> {
  const out = new Map<ClusterKey, string>();
  for (const c of index.clusters) {
    const a = c.object.metadata.annotations;
    if (!a || (a[CORDON] === undefined && a[CORDON_UNTIL] === undefined)) continue;
    const until = a[CORDON_UNTIL] !== undefined ? parseTime(a[CORDON_UNTIL]) : undefined;
    if (until !== undefined && now.getTime() >= until) continue;
    const why = a[CORDON]?.trim() || 'cordoned';
    out.set(c.key, until !== undefined ? `${why} (until ${new Date(until).toISOString()})` : why);
  }
  return out;
}

export interface PolicyInput {
  set: SetLike;
  index: ClusterIndex;
  health: HealthMap;
  previous: SetStatus | undefined;
  cordons: ReadonlyMap<ClusterKey, string>;
  now: Date;
  /** The mass-failure breaker is open: the selection stays exactly as it was. */
  frozen: boolean;
  /** When the set's releases were all Deployed and Healthy on a cluster (see failovers.ts). */
  deployedAt: DeployedAt;
}

/**
 * The plain selection (sets.ts), sticky over pins first and then the previous selection, with
 * cordoned clusters refused and the held-back ones kept; then what changed is recorded as
 * failovers, and clusters left by a planned move drain.
 */
export function selectWithPolicy(input: PolicyInput): SetStatus {
  const { set, index, previous, cordons } = input;
  const prevSelected = (previous?.selectedClusterRefs ?? []).map(refKey).filter((k) => index.byKey(k) !== undefined);
  if (input.frozen && previous) return frozen(input, prevSelected);
  const policy = setPolicy(set);
  const held = holdBack(input, policy, prevSelected);
  const pinned = policy.pins.filter((k) => index.byKey(k) !== undefined);
  const order = [...new Set([...pinned, ...prevSelected])];
  const sticky: SetStatus = { matchingClusterRefs: [], selectedClusterRefs: order.map((k) => index.refOf(index.byKey(k)!)) };
  // Pins lead the order, but only the previous selection keeps a paused cluster in place.
  const status = selectClusters(set, index, input.health, sticky, { cordons, keptNotReady: new Set(held.map((h) => h.cluster)), selectedBefore: new Set(prevSelected) });

  const selected = status.selectedClusterRefs.map(refKey);
  const records = failoverRecords(input, status, prevSelected, selected, pinned);
  const drain = drainingClusters(input, policy.drainTimeout, records, new Set(selected));
  if (drain.draining.length > 0) status.drainingClusterRefs = drain.draining;
  const stillHeld = held.filter((h) => selected.includes(h.cluster));
  if (stillHeld.length > 0) status.heldBack = stillHeld;
  const history = recordDrainTimeouts(keepHistory([...(previous?.failovers ?? []), ...records], policy.budget), drain.timedOut);
  const done = settleFailovers(history, input.deployedAt);
  if (done.length > 0) status.failovers = done;
  return status;
}

/** Not-ready selected clusters the set keeps on purpose: within the failover grace, or past the budget. */
function holdBack(input: PolicyInput, policy: SetPolicy, prevSelected: readonly ClusterKey[]): HeldBack[] {
  const { index, health, cordons, now } = input;
  const held: HeldBack[] = [];
  const recent = recentFailovers(input.previous?.failovers, policy.budget, now);
  let allowed = policy.budget ? Math.max(0, policy.budget.count - recent.length) : Infinity;
  for (const k of prevSelected) {
    const h = health.get(k);
    if (!h || h.ready || cordons.has(k)) continue;
    const since = h.lastTransitionTime !== undefined ? Date.parse(h.lastTransitionTime) : NaN;
    if (policy.graceMs > 0 && !Number.isNaN(since) && now.getTime() - since < policy.graceMs) {
      const until = new Date(since + policy.graceMs).toISOString();
      held.push({ cluster: k, reason: 'failover-grace', until, message: `not ready since ${h.lastTransitionTime}: within failover grace ${policy.grace}; replaced from ${until} if still not ready` });
    } else if (allowed > 0) {
      allowed--;
    } else {
      const until = recent.length > 0 ? new Date(Date.parse(recent[0]!.selected) + policy.budget!.windowMs).toISOString() : undefined;
      const at = recent.map((f) => f.selected).join(', ');
      held.push({
        cluster: k,
        reason: 'failover-budget',
        ...(until ? { until } : {}),
        message: `not ready since ${h.lastTransitionTime ?? 'unknown'}: failover held back, budget ${policy.budget!.text} spent${at ? ` (failovers at ${at})` : ''}${until ? `; possible again from ${until}` : ''}`,
      });
    }
  }
  return held;
}

/** One record per cluster that left the selection and the cluster that took its place, in order. */
function failoverRecords(input: PolicyInput, status: SetStatus, prevSelected: readonly ClusterKey[], selected: readonly ClusterKey[], pinned: readonly ClusterKey[]): FailoverRecord[] {
  const { index, health, cordons } = input;
  const after = new Set(selected);
  const before = new Set(prevSelected);
  const left = prevSelected.filter((k) => !after.has(k));
  const joined = selected.filter((k) => !before.has(k));
  const reasonOf = (k: ClusterKey): FailoverReason => {
    if (cordons.has(k)) return 'cordoned';
    if (health.get(k)?.ready === false) return 'not-ready';
    if (!status.notSelected?.some((x) => x.cluster === k)) return 'not-matching';
    return joined.some((j) => pinned.includes(j)) ? 'pinned' : 'over-cap';
  };
  const records: FailoverRecord[] = [];
  left.forEach((from, i) => {
    const to = joined[i];
    if (to === undefined) return;
    const r: FailoverRecord = { from, to, reason: reasonOf(from), selected: input.now.toISOString() };
    const h = health.get(from);
    if (r.reason === 'not-ready' && h) {
      if (h.firstFailureTime) r.firstFailedProbe = h.firstFailureTime;
      if (h.lastTransitionTime) r.declaredNotReady = h.lastTransitionTime;
    }
    records.push(r);
  });
  return records;
}

/** While the breaker is open: the previous selection and draining, as they were; readiness still shows. */
function frozen(input: PolicyInput, prevSelected: ClusterKey[]): SetStatus {
  const { set, index, health, previous } = input;
  const base = selectClusters(set, index, health, previous);
  // The cap still holds (a shrink merged during the outage); what it cuts off drains instead of leaving.
  const cap = capOf(set.spec.maxReplicas);
  const kept = prevSelected.slice(0, cap);
  const status: SetStatus = {
    ...base,
    selectedClusterRefs: kept.map((k) => index.refOf(index.byKey(k)!)),
    message: 'selection frozen: the mass-failure breaker is open (see status/gitset.yaml); nothing is deselected or withdrawn',
  };
  const before = new Set(prevSelected);
  const notSelected = base.notSelected?.filter((n) => !before.has(n.cluster));
  if (notSelected && notSelected.length > 0) status.notSelected = notSelected;
  else delete status.notSelected;
  const draining = [...new Set([...(previous!.drainingClusterRefs ?? []).map(refKey), ...prevSelected.slice(cap)])].filter((k) => index.byKey(k) !== undefined);
  if (draining.length > 0) status.drainingClusterRefs = draining.map((k) => index.refOf(index.byKey(k)!));
  const held = kept
    .filter((k) => health.get(k)?.ready === false)
    .map((k): HeldBack => ({ cluster: k, reason: 'breaker-open', message: `not ready since ${health.get(k)!.lastTransitionTime ?? 'unknown'}: failover held back while the breaker is open` }));
  if (held.length > 0) status.heldBack = held;
  if (previous!.failovers) status.failovers = settleFailovers(previous!.failovers, input.deployedAt);
  return status;
}

/** Not-ready failovers inside the budget's window, oldest first. */
function recentFailovers(history: readonly FailoverRecord[] | undefined, budget: FailoverBudget | undefined, now: Date): FailoverRecord[] {
  if (!budget || !history) return [];
  const from = now.getTime() - budget.windowMs;
  return history.filter((f) => f.reason === 'not-ready' && Date.parse(f.selected) > from).sort((a, b) => (a.selected < b.selected ? -1 : a.selected > b.selected ? 1 : 0));
}

function keepHistory(history: FailoverRecord[], budget: FailoverBudget | undefined): FailoverRecord[] {
  const keepN = Math.max(FAILOVER_HISTORY, budget?.count ?? 0);
  return history.length > keepN ? history.slice(history.length - keepN) : history;
}
