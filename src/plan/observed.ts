// What the cluster says about one release, against what gitset recorded and wants: a small closed
// set of findings (Flux's observe → classify). The record in a status file is a report people can
// edit; only the release's own record on the cluster, and gitset's mark on it, decide anything.
import type { ObservedRelease } from '../observe/inventory.ts';
import type { ReleaseLook } from '../observe/look.ts';
import { hashLabelValue } from '../observe/ownership.ts';
import type { ReleaseStatus } from '../model/status.ts';

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
  | { kind: 'changed'; revision: number; applied: number }
  | { kind: 'drifted'; evidence: string[] }
  | { kind: 'stale' }
  | { kind: 'in-sync' };

const BROKEN = /^(failed|pending-install|pending-upgrade|pending-rollback|uninstalling)$/;

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
  if (BROKEN.test(r.status)) return { kind: 'broken', status: r.status };
  if (r.hashLabel !== hashLabelValue(hash)) return { kind: 'stale' };
  if (recorded?.revision !== undefined && r.revision > recorded.revision && recorded.hash === hash) {
    return { kind: 'changed', revision: r.revision, applied: recorded.revision };
  }
  const drift = o.look?.drift;
  if (drift && drift.length > 0) return { kind: 'drifted', evidence: drift.map((f) => f.evidence) };
  return { kind: 'in-sync' };
}

/** Whether gitset may withdraw the release it finds: only what carries its mark. */
export function mayWithdraw(o: ReleaseObservation): 'absent' | 'foreign' | 'marked' {
  if (o.release === undefined) return 'absent';
  return o.release.marked ? 'marked' : 'foreign';
}
