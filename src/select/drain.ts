// Make-before-break: a cluster leaving by a planned move while it still answers keeps its releases
// (it drains) until every answering selected cluster has all of the set's releases Deployed and
// Healthy, or until the set's drain timeout has passed since it left: a broken chart on the
// replacement must not keep releases on a leaving cluster forever. A drain ended by the timeout is
// written on its failover record, so the status and the commit say so. Pure.
import type { ClusterKey, ObjectRef } from '../model/objects.ts';
import type { DrainTimedOut, FailoverRecord } from '../model/status.ts';
import { DRAIN_TIMEOUT } from '../load/annotations.ts';
import { refKey } from '../status/snapshot.ts';
import type { PolicyInput } from './failover-policy.ts';
import { setRefId, type ProfileLike } from './profiles.ts';

export interface DrainTimeout {
  ms: number;
  /** As written (or the default), for messages. */
  text: string;
}

export interface Drain {
  draining: ObjectRef[];
  /** Clusters whose drain the timeout ended this cycle. */
  timedOut: Map<ClusterKey, DrainTimedOut>;
}

type DrainInput = Pick<PolicyInput, 'index' | 'health' | 'previous' | 'deployedAt' | 'now'>;

/**
 * Who drains after this cycle's moves (`records`). Only a cluster that has the set's releases up is
 * worth keeping: nothing new is installed on a leaving one. A drain's clock starts at its failover
 * record's `selected`; a drain without a record (one the breaker started) has no clock and ends
 * only when the replacement is up.
 */
export function drainingClusters(input: DrainInput, timeout: DrainTimeout, records: readonly FailoverRecord[], selected: ReadonlySet<ClusterKey>): Drain {
  const { index, health, previous, deployedAt, now } = input;
  const none: Drain = { draining: [], timedOut: new Map() };
  const isReady = (k: ClusterKey): boolean => health.get(k)?.ready !== false;
  const leaving = records.filter((r) => r.reason !== 'not-ready' && r.reason !== 'paused' && typeof deployedAt(r.from) === 'string');
  const candidates = [...(previous?.drainingClusterRefs ?? []).map(refKey), ...leaving.map((r) => r.from)];
  if (candidates.length === 0) return none;
  const waiting = [...selected].filter((k) => isReady(k) && deployedAt(k) === undefined);
  if (waiting.length === 0) return none;
  const history = [...(previous?.failovers ?? []), ...records];
  const out = none;
  for (const k of new Set(candidates)) {
    const c = index.byKey(k);
    if (!c || c.paused || !isReady(k) || selected.has(k)) continue;
    const since = Date.parse(history[lastFrom(history, k)]?.selected ?? '');
    if (!Number.isNaN(since) && now.getTime() - since >= timeout.ms) {
      const message = `stopped draining ${k} after ${timeout.text} (${DRAIN_TIMEOUT}): ${waiting.join(', ')} not deployed and healthy yet`;
      out.timedOut.set(k, { at: now.toISOString(), message });
      continue;
    }
    out.draining.push(index.refOf(c));
  }
  return out;
}

/** The drains the timeout ended, written on the last failover record of each leaving cluster. */
export function recordDrainTimeouts(history: readonly FailoverRecord[], timedOut: ReadonlyMap<ClusterKey, DrainTimedOut>): FailoverRecord[] {
  if (timedOut.size === 0) return [...history];
  const out = [...history];
  for (const [k, t] of timedOut) {
    const i = lastFrom(out, k);
    if (i >= 0 && out[i]!.drainTimedOut === undefined) out[i] = { ...out[i]!, drainTimedOut: t };
  }
  return out;
}

/**
 * Per set id, the clusters whose drain the timeout ended and that the set neither selects nor
 * drains now, with the drain's message: their releases are withdrawn without waiting further for
 * the replacement (the set gave up on make-before-break for them).
 */
export function endedDrains(sets: Iterable<[string, { status: { selectedClusterRefs: readonly ObjectRef[]; drainingClusterRefs?: readonly ObjectRef[]; failovers?: readonly FailoverRecord[] } }]>): Map<string, Map<ClusterKey, string>> {
  const out = new Map<string, Map<ClusterKey, string>>();
  for (const [id, { status }] of sets) {
    if (!status.failovers?.some((f) => f.drainTimedOut)) continue;
    const kept = new Set([...status.selectedClusterRefs, ...(status.drainingClusterRefs ?? [])].map(refKey));
    const last = new Map<ClusterKey, FailoverRecord>();
    for (const f of status.failovers) last.set(f.from, f);
    const ended = new Map<ClusterKey, string>();
    for (const [k, f] of last) if (f.drainTimedOut && !kept.has(k)) ended.set(k, f.drainTimedOut.message);
    if (ended.size > 0) out.set(id, ended);
  }
  return out;
}

/** Whether (and why) one of the profile's sets stopped draining a cluster after its drain timeout. */
export function profileDrainEnded(drainsEnded: ReadonlyMap<string, ReadonlyMap<ClusterKey, string>>, profile: ProfileLike | undefined): (cluster: ClusterKey) => string | undefined {
  const refs = profile && Array.isArray(profile.spec.setRefs) ? profile.spec.setRefs : [];
  const ended = refs.map((name) => drainsEnded.get(setRefId(profile!, String(name)))).filter((m) => m !== undefined);
  if (ended.length === 0) return () => undefined;
  return (cluster) => {
    for (const m of ended) if (m.has(cluster)) return m.get(cluster);
    return undefined;
  };
}

/** `a, b, c, d, e and 12 more`: a list of clusters short enough for a reason or a commit line. */
export function clusterList(keys: readonly ClusterKey[], shown = 5): string {
  return keys.length <= shown ? keys.join(', ') : `${keys.slice(0, shown).join(', ')} and ${keys.length - shown} more`;
}

/** Index of the last record of `from` leaving, -1 when none. */
function lastFrom(history: readonly FailoverRecord[], from: ClusterKey): number {
  for (let i = history.length - 1; i >= 0; i--) if (history[i]!.from === from) return i;
  return -1;
}
