// What one replica of several (`--shards M`) knows of the others: their committed status, read
// again whenever the branch moved (another shard's commit), and their heartbeats. The previous
// status of a cycle is this shard's own for what it owns and the others' committed status for the
// rest; a shard whose heartbeat is older than three heartbeat intervals is silent, and the sets
// that go by its clusters say so (status/shard-health.ts). Another shard's files are taken only
// under its seal (status/shard-seal.ts). One replica alone has none of this.
import type { Logger } from 'pino';
import type { StatusCodec } from '../model/ports.ts';
import type { Shard } from '../select/shard.ts';
import { withStaleHealth, describeSilence, type SilentShard } from '../status/shard-health.ts';
import { checkSeal, filesOfShard, MIN_SHARD_KEY_LENGTH, sealOf } from '../status/shard-seal.ts';
import { mixByShard, revisionFileOf, withOthersCommitted } from '../status/shards.ts';
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
  /** The secret every replica seals its files with (`--shard-key-file`); never logged or committed. */
  readonly key: string;
  /** Each other shard's last sealed status and heartbeat (the one silence is judged by): what is gone by while its files do not hold. */
  sealed: Map<number, { heartbeat: string; part: StatusSnapshot }>;
  /** Why each other shard's files were last refused: a change is logged. */
  refused: Map<number, string>;
  /** The tip the others' status was read at. */
  at?: string;
  others?: StatusSnapshot;
  /** This process's start: a shard never heard from counts as silent only after a while. */
  readonly startedMs: number;
  /** The shards found silent last time: a change is logged. */
  silent?: string;
  /** A read of the others' status under way. */
  reading?: Promise<void>;
  /** This shard's own last heartbeat. */
  lastBeatMs?: number;
}

export function createShardView(shard: Shard, heartbeatMs: number, key: string | undefined, nowMs: number): ShardView {
  if (!key || key.length < MIN_SHARD_KEY_LENGTH) throw new Error(`${shard.count} shards need a shared key of at least ${MIN_SHARD_KEY_LENGTH} characters to seal their status`);
  return { shard, heartbeatMs, key, sealed: new Map(), refused: new Map(), startedMs: nowMs };
}

export interface ShardIo {
  status: StatusWriter;
  codec: StatusCodec;
  lane: GitLane;
  log: Logger;
}

/**
 * Reads the committed status again when the tip moved. Carried through (`wait`) it is read now;
 * otherwise it is read in the background through the Git lane (a pull or a commit may hold it)
 * and the cycles after it go by it.
 */
export async function refreshOthers(view: ShardView, io: ShardIo, revision: string, wait: boolean): Promise<void> {
  if (view.at === revision) return;
  if (view.reading) {
    if (wait) await view.reading;
    if (view.at === revision || !wait) return;
  }
  const reading = io.lane
    .run(() => io.status.readFiles())
    .then((files) => {
      view.others = takeSealed(view, io, files);
      view.at = revision;
    })
    .catch((err: unknown) => io.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'other shards\' status not read again; going by what was read before'))
    .finally(() => {
      if (view.reading === reading) view.reading = undefined;
    });
  view.reading = reading;
  if (wait) await reading;
}

/**
 * The others' status from their committed files, each shard's only under its seal; a shard whose
 * files do not hold is gone by as last sealed (nothing, before any), and that is logged once.
 */
function takeSealed(view: ShardView, io: ShardIo, files: ReadonlyMap<string, string>): StatusSnapshot {
  const { index, count } = view.shard;
  const parts = new Map<number, StatusSnapshot>();
  for (let k = 0; k < count; k++) {
    if (k === index) continue;
    const record = readRevisionStatus(files.get(revisionFileOf(k)));
    const mine = filesOfShard(files, k, count);
    const last = view.sealed.get(k);
    // A shard that never committed has nothing to seal; once it has, its files must always hold.
    const check = !last && mine.size === 0 && !record.heartbeat ? { ok: true as const } : checkSeal(view.key, k, count, files, record, last?.heartbeat);
    if (check.ok) {
      const part = io.codec.read([...mine].map(([path, text]) => ({ path, text })));
      if (record.heartbeat) view.sealed.set(k, { heartbeat: record.heartbeat, part });
      parts.set(k, part);
      if (view.refused.delete(k)) io.log.info({ shard: k }, `shard ${k}'s status holds its seal again`);
      continue;
    }
    if (last) parts.set(k, last.part);
    if (view.refused.get(k) !== check.why) {
      io.log.error({ shard: k, reason: check.why }, `shard ${k}'s committed status is not taken: ${check.why}; going by ${last ? `what it sealed at ${last.heartbeat}` : 'nothing of it until it commits again'}`);
      view.refused.set(k, check.why);
    }
  }
  return mixByShard(parts, count);
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
    const beat = view.sealed.get(k)?.heartbeat;
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
/** `files` are the status files this shard commits beside it, which the record seals. */
export function withShardRecord(view: ShardView, status: RevisionStatus, files: ReadonlyMap<string, string>, nowMs: number): RevisionStatus {
  if (view.lastBeatMs === undefined || nowMs - view.lastBeatMs >= view.heartbeatMs) view.lastBeatMs = nowMs;
  const silent = silentShards(view, nowMs).map((s) => describeSilence(s, staleAfterText(view)));
  const { index, count } = view.shard;
  const heartbeat = new Date(view.lastBeatMs).toISOString();
  return {
    ...status,
    shard: `${index} of ${count}`,
    heartbeat,
    seal: sealOf(view.key, index, count, heartbeat, filesOfShard(files, index, count)),
    ...(silent.length > 0 ? { silentShards: silent } : {}),
  };
}
