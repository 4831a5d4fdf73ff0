// Which releases get a closer look this cycle (their record and live objects read): those whose
// health is not yet known to be good, every cycle, and every release once per drift interval, at
// a point of the interval fixed by a hash of its key so the reads of a fleet spread evenly. Pure.
import { createHash } from 'node:crypto';
import type { HealthState } from './health.ts';

/** A release gitset looks after on one cluster, with what its record and profile say. */
export interface LookedAfter {
  /** `cluster ns/name`: stable across cycles and restarts. */
  key: string;
  health: HealthState | undefined;
  /** The profile's syncMode is ContinuousWithDriftDetection. */
  detectDrift: boolean;
}

export interface DueCheck<T extends LookedAfter> {
  item: T;
  /** Compare live objects with the manifest (only for drift-detected releases on their turn). */
  drift: boolean;
}

/** Default drift interval: a hand edit is repaired within 5 minutes, at 1/300 of the fleet's releases a second. */
export const DEFAULT_DRIFT_INTERVAL_MS = 5 * 60_000;

/** The slot of the interval a key's periodic check falls into, counted from the epoch. */
function turn(key: string, at: number, intervalMs: number): number {
  const offset = createHash('sha1').update(key).digest().readUInt32BE(0) % intervalMs;
  return Math.floor((at + offset) / intervalMs);
}

/**
 * The closer looks due at `now`, given when each key was last looked at (`last`, kept in memory by
 * the caller: a restart only moves the next periodic look within one interval). Releases whose
 * health is not Healthy are looked at every cycle, so a rollout's progress is seen at once.
 */
export function dueChecks<T extends LookedAfter>(items: readonly T[], last: ReadonlyMap<string, number>, now: number, intervalMs: number): DueCheck<T>[] {
  const out: DueCheck<T>[] = [];
  for (const item of items) {
    const seen = last.get(item.key);
    const periodic = seen === undefined || turn(item.key, seen, intervalMs) !== turn(item.key, now, intervalMs);
    if (periodic || item.health !== 'Healthy') out.push({ item, drift: item.detectDrift && periodic });
  }
  return out;
}
