// Reads the failover part of a set's status back (draining clusters, held-back failovers, the
// failover history with its timings). Tolerant like the rest of the reader: a malformed entry
// is dropped, the others stay.
import type { ObjectRef } from '../model/objects.ts';
import type { FailoverReason, FailoverRecord, HeldBack, SetStatus } from '../model/status.ts';
import { isObject, list, str, type Json } from './tolerant.ts';

const FAILOVER_REASONS: readonly FailoverReason[] = ['not-ready', 'cordoned', 'pinned', 'paused', 'not-matching', 'over-cap'];
const HELD_REASONS: ReadonlyArray<HeldBack['reason']> = ['failover-grace', 'failover-budget', 'breaker-open'];

export function readSetPolicyStatus(s: Json, out: SetStatus): void {
  const draining = list(s.drainingClusterRefs).flatMap((r): ObjectRef[] => {
    if (!isObject(r) || typeof r.name !== 'string') return [];
    const ref: ObjectRef = { kind: str(r.kind) ?? 'SveltosCluster', name: r.name };
    if (typeof r.apiVersion === 'string') ref.apiVersion = r.apiVersion;
    if (typeof r.namespace === 'string') ref.namespace = r.namespace;
    return [ref];
  });
  if (draining.length > 0) out.drainingClusterRefs = draining;
  const held = list(s.heldBack).flatMap((h): HeldBack[] => {
    if (!isObject(h) || typeof h.cluster !== 'string' || !HELD_REASONS.includes(h.reason as HeldBack['reason'])) return [];
    const item: HeldBack = { cluster: h.cluster, reason: h.reason as HeldBack['reason'], message: str(h.message) ?? String(h.reason) };
    if (typeof h.until === 'string') item.until = h.until;
    return [item];
  });
  if (held.length > 0) out.heldBack = held;
  const failovers = list(s.failovers).flatMap(readFailover);
  if (failovers.length > 0) out.failovers = failovers;
}

export function readFailover(f: unknown): FailoverRecord[] {
  if (!isObject(f) || typeof f.from !== 'string' || typeof f.to !== 'string' || typeof f.selected !== 'string') return [];
  const reason = FAILOVER_REASONS.includes(f.reason as FailoverReason) ? (f.reason as FailoverReason) : 'not-ready';
  const out: FailoverRecord = { from: f.from, to: f.to, reason, selected: f.selected };
  for (const k of ['firstFailedProbe', 'declaredNotReady', 'deployed'] as const) if (typeof f[k] === 'string') out[k] = f[k] as string;
  if (typeof f.totalSeconds === 'number' && Number.isFinite(f.totalSeconds)) out.totalSeconds = f.totalSeconds;
  const t = f.drainTimedOut;
  if (isObject(t) && typeof t.at === 'string') out.drainTimedOut = { at: t.at, message: str(t.message) ?? 'drain timed out' };
  return [out];
}

