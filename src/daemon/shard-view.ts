// What one replica of several (`--shards M`) knows of the others: their committed status, read
// again whenever the branch moved (another shard's commit), and their heartbeats. The previous
// status of a cycle is this shard's own for what it owns and the others' committed status for the
// rest; a shard whose heartbeat is older than three heartbeat intervals is silent, and the sets
// that go by its clusters say so (status/shard-health.ts). One replica alone has none of this.
import type { Logger } from 'pino';
import type { Shard } from '../select/shard.ts';
import { withStaleHealth, describeSilence, type SilentShard } from '../status/shard-health.ts';
import { revisionFileOf, withOthersCommitted } from '../status/shards.ts';
import type { StatusSnapshot } from '../status/snapshot.ts';
import type { GitLane } from './git-work.ts';
import type { DaemonMetrics } from './metrics.ts';
import { readRevisionStatus, type RevisionStatus } from './revision-status.ts';
import type { StatusWriter } from './status-writer.ts';

/** A silent shard is one not heard from for this many heartbeat intervals. */
export const SILENT_AFTER_HEARTBEATS = 3;

export interface ShardView {
  readonly shard: Shard;
  readonly heartbeatMs: number;
  /** The tip the others' status was read at. */
  at?: string;
  others?: StatusSnapshot;
  /** Each other shard's last heartbeat as committed (undefined: none yet). */
  heartbeats: Map<number, string | undefined>;
  /** This process's start: a shard never heard from counts as silent only after a while. */
  readonly startedMs: number;
  /** The shards found silent last time: a change is logged. */
  silent?: string;
  /** A read of the others' status under way. */
  reading?: Promise<void>;
  /** This shard's own last heartbeat. */
  lastBeatMs?: number;
}

export function createShardView(shard: Shard, heartbeatMs: number, nowMs: number): ShardView {
  return { shard, heartbeatMs, heartbeats: new Map(), startedMs: nowMs };
}

/**
 * Reads the committed status again when the tip moved. Carried through (`wait`) it is read now;
 * otherwise it is read in the background through the Git lane (a pull or a commit may hold it)
 * and the cycles after it go by it.
 */
export async function refreshOthers(view: ShardView, io: { status: StatusWriter; lane: GitLane; log: Logger }, revision: string, wait: boolean): Promise<void> {
  if (view.at === revision) return;
  if (view.reading) {
    if (wait) await view.reading;
    if (view.at === revision || !wait) return;
  }
  const reading = io.lane
    .run(() => io.status.readAll())
    .then((all) => {
      view.others = all.previous;
      view.at = revision;
      for (let k = 0; k < view.shard.count; k++) {
        if (k !== view.shard.index) view.heartbeats.set(k, readRevisionStatus(all.files.get(revisionFileOf(k))).heartbeat);
      }
    })
    .catch((err: unknown) => io.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'other shards\' status not read again; going by what was read before'))
    .finally(() => {
      if (view.reading === reading) view.reading = undefined;
    });
  view.reading = reading;
  if (wait) await reading;
}

/** The previous status of this shard's cycle: its own for what it owns, the others' committed for the rest. */
export function previousWithOthers(view: ShardView, own: StatusSnapshot): StatusSnapshot {
  return view.others ? withOthersCommitted(own, view.others, view.shard) : own;
}

export function silentShards(view: ShardView, nowMs: number): SilentShard[] {
  const limit = SILENT_AFTER_HEARTBEATS * view.heartbeatMs;
  const out: SilentShard[] = [];
  for (let k = 0; k < view.shard.count; k++) {
    if (k === view.shard.index) continue;
    const beat = view.heartbeats.get(k);
    const at = beat ? Date.parse(beat) : NaN;
    if (Number.isFinite(at) ? nowMs - at > limit : nowMs - view.startedMs > limit) out.push({ shard: k, ...(beat ? { lastHeartbeat: beat } : {}) });
  }
  return out;
}

export function staleAfterText(view: ShardView): string {
  const s = Math.round((SILENT_AFTER_HEARTBEATS * view.heartbeatMs) / 1000);
  return s >= 60 && s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}

/** The sets this shard owns, with what they go by from silent shards said; a shard going silent or coming back is logged. */
export function showStaleHealth(view: ShardView, next: StatusSnapshot, nowMs: number, report: { log: Logger; metrics: DaemonMetrics }): StatusSnapshot {
  const silent = silentShards(view, nowMs);
  const key = silent.map((s) => s.shard).join(',');
  if (key !== (view.silent ?? '')) {
    for (const s of silent) report.log.warn({ shard: s.shard, lastHeartbeat: s.lastHeartbeat }, `${describeSilence(s, staleAfterText(view))}: its clusters wait, probed and worked on by nobody`);
    if (silent.length === 0) report.log.info({ shards: view.silent }, 'every shard is heard from again');
    view.silent = key;
  }
  report.metrics.silentShards.set(silent.length);
  return withStaleHealth(next, view.shard, silent, staleAfterText(view));
}

/** This shard's record in its gitset.yaml: which shard, its heartbeat (renewed every interval), the silent others. */
export function withShardRecord(view: ShardView, status: RevisionStatus, nowMs: number): RevisionStatus {
  if (view.lastBeatMs === undefined || nowMs - view.lastBeatMs >= view.heartbeatMs) view.lastBeatMs = nowMs;
  const silent = silentShards(view, nowMs).map((s) => describeSilence(s, staleAfterText(view)));
  return {
    ...status,
    shard: `${view.shard.index} of ${view.shard.count}`,
    heartbeat: new Date(view.lastBeatMs).toISOString(),
    ...(silent.length > 0 ? { silentShards: silent } : {}),
  };
}
