// The status side of a cycle: reads the committed status once, renders a snapshot's files, and
// commits them only when one differs from what was committed. A failed commit or push changes
// nothing that was committed; the next cycle renders the same files and tries again, and the
// message of the cycle that failed goes into the commit that lands. When the branch moved by
// someone else's commit (which may have edited or deleted status files), what is committed is
// read again, so the next commit writes the status back.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { CommitMessage, Repo } from '../git/repo.ts';
import type { StatusCodec } from '../model/ports.ts';
import { keepUnpushed, mergeUnpushed, NOTHING_UNPUSHED, parseUnpushed, serializeUnpushed, type Unpushed } from '../status/commit-messages.ts';
import type { PreviousStatus, StatusSnapshot } from '../status/snapshot.ts';
import { ONE_SHARD, type Shard } from '../select/shard.ts';
import { ownerOfPath, ownPart, profileParts, revisionFileOf } from '../status/shards.ts';
import type { DaemonMetrics } from './metrics.ts';
import { readRevisionStatus, type RevisionStatus } from './revision-status.ts';
import { createStatusRenderer, type StatusRenderer } from './status-render.ts';
import type { CertifiedFile } from '../status/certified.ts';

export interface CommittedStatus {
  previous: PreviousStatus;
  revisionStatus: RevisionStatus;
  /** Every committed status file (other shards' too), by path. */
  files: ReadonlyMap<string, string>;
}

export interface StatusWriter {
  /** This replica's `gitset.yaml` (`shards/<K>/gitset.yaml` for shard K > 0). */
  readonly revisionFile: string;
  /** The status as committed in Git: the previous state of a process's first cycle. */
  readCommitted(): Promise<CommittedStatus>;
  /** Every status file as committed now, all shards', unread, without changing what this writer compares with. */
  readFiles(): Promise<ReadonlyMap<string, string>>;
  /** Every committed file but gitset.yaml: what stays while no revision was ever good. */
  committedObjectFiles(): Map<string, string>;
  render(next: StatusSnapshot): Map<string, string>;
  /**
   * Commits and pushes when a file differs from what was committed; false when nothing was
   * committed. `revision` is the tip this cycle pulled: when it is not gitset's last commit, the
   * committed status files are read again first.
   */
  commit(files: Map<string, string>, describe: () => CommitMessage, log: Logger, failures: string[], revision?: string): Promise<boolean>;
}

export function createStatusWriter(deps: { repo: Repo; codec: StatusCodec; metrics: DaemonMetrics; shard?: Shard }): StatusWriter {
  const shard = deps.shard ?? ONE_SHARD;
  const revisionFile = revisionFileOf(shard.index);
  // With several shards, only this shard's files are compared and committed; the rest are carried over.
  const mine = (path: string): boolean => shard.count <= 1 || ownerOfPath(path, shard.count) === shard.index;
  const renderer = createStatusRenderer(deps.codec);
  const readAll = async (): Promise<Omit<CommittedStatus, 'revisionStatus'>> => {
    const files = await deps.repo.readStatusFiles();
    const certified = new Map<string, CertifiedFile>();
    const previous = deps.codec.read(files.filter((f) => !isRevisionFile(f.path)), certified);
    renderer.certify(certified);
    return { previous, files: new Map(files.map((f) => [f.path, f.text])) };
  };
  // Kept beside the clone across restarts: a restart during a Git outage loses no failover's message.
  const stateDir = deps.repo.stateDir;
  const kept = stateDir ? join(stateDir, UNPUSHED_FILE) : undefined;
  if (stateDir) removeOldSeed(stateDir);
  const state: WriterState = { deps, mine, renderer, committed: new Map(), unpushed: kept ? readUnpushed(kept) : NOTHING_UNPUSHED, ...(kept ? { kept } : {}) };
  return {
    revisionFile,
    readFiles: async () => new Map((await deps.repo.readStatusFiles()).map((f) => [f.path, f.text])),
    async readCommitted() {
      const all = await readAll();
      state.committed = owned(state, [...all.files].map(([path, text]) => ({ path, text })));
      return { ...all, revisionStatus: readRevisionStatus(all.files.get(revisionFile)) };
    },
    committedObjectFiles() {
      return new Map([...state.committed].filter(([p]) => !isRevisionFile(p)));
    },
    render(next) {
      if (shard.count <= 1) return renderer.render(next, state.committed);
      return new Map([...renderer.render(ownPart(next, shard), state.committed), ...profileParts(next, shard)]);
    },
    commit: (files, describe, log, failures, revision) => commitFiles(state, { files, describe, log, failures, ...(revision !== undefined ? { revision } : {}) }),
  };
}

/** What a status writer keeps between its commits. */
interface WriterState {
  deps: { repo: Repo; metrics: DaemonMetrics };
  mine: (path: string) => boolean;
  renderer: StatusRenderer;
  /** What Git holds of this writer's files. */
  committed: Map<string, string>;
  /** The tip whose status files `committed` holds: read at start, or gitset's own last commit. */
  known?: string;
  /** The last pulled tip the files were compared against. */
  pulled?: string;
  unpushed: Unpushed;
  /** Where the unpushed messages are kept; absent without a clone. */
  kept?: string;
}

function owned(state: WriterState, files: ReadonlyArray<{ path: string; text: string }>): Map<string, string> {
  return new Map(files.filter((f) => state.mine(f.path)).map((f) => [f.path, f.text]));
}

interface CommitAsk {
  files: Map<string, string>;
  describe: () => CommitMessage;
  log: Logger;
  failures: string[];
  revision?: string;
}

async function commitFiles(state: WriterState, ask: CommitAsk): Promise<boolean> {
  const { deps } = state;
  const { files, log } = ask;
  await rereadWhenMoved(state, ask.revision, log);
  if (sameFiles(files, state.committed)) return false;
  const own = ask.describe();
  const message = mergeUnpushed(state.unpushed, own);
  try {
    const result = await deps.repo.commitStatus(files, message);
    state.committed = files;
    if (state.unpushed.messages.length > 0 || state.unpushed.dropped > 0) {
      state.unpushed = NOTHING_UNPUSHED;
      if (state.kept) rmSync(state.kept, { force: true });
    }
    state.known = result.revision;
    if (result.committed) deps.metrics.statusCommits.inc();
    if (result.retries > 0) deps.metrics.pushRetries.inc(result.retries);
    log.info({ revision: result.revision, pushed: result.pushed, retries: result.retries, subject: message.subject }, result.committed ? 'status committed' : 'status unchanged');
    return result.committed;
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    // Its changes land with a later commit: so must what its message said.
    state.unpushed = keepUnpushed(state.unpushed, own);
    if (state.kept) writeUnpushed(state.kept, state.unpushed, log);
    ask.failures.push(`commit status: ${error}`);
    log.error({ err: error }, 'status commit failed; retried next cycle');
    return false;
  }
}

/**
 * A pulled tip is looked at once: the cycles after gitset's own commit still carry the tip
 * pulled before it, which is no one else's commit (reading 1,000 status files again at every
 * other commit made each of them slow).
 */
async function rereadWhenMoved(state: WriterState, revision: string | undefined, log: Logger): Promise<void> {
  if (revision === undefined) return;
  if (revision === state.pulled || state.known === undefined || revision === state.known) {
    state.known ??= revision;
    state.pulled = revision;
    return;
  }
  // Someone else's commit: what the status folder holds is no longer what gitset wrote.
  try {
    state.committed = owned(state, await state.deps.repo.readStatusFiles());
    state.known = revision;
    state.pulled = revision;
  } catch (err) {
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'status files not read again; compared with what gitset last wrote');
  }
}

/** `gitset.yaml`, or a shard's own `shards/<K>/gitset.yaml`: the daemon's record, not an object's status. */
function isRevisionFile(path: string): boolean {
  return path === revisionFileOf(0) || /^shards\/\d+\/gitset\.yaml$/.test(path);
}

function sameFiles(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** In the clone's .git: gitset's own state, never committed. */
const UNPUSHED_FILE = 'gitset-unpushed-messages.json';

/**
 * What gitset before 2026-12-06 kept beside the clone: a start now takes unchanged status from Git
 * without it. Whatever is in the way (no clone yet, a `.git` that is a file) is the clone's to report.
 */
function removeOldSeed(stateDir: string): void {
  try {
    rmSync(join(stateDir, 'gitset-rendered-status'), { force: true });
  } catch {
    // not a folder of ours (yet)
  }
}

function readUnpushed(file: string): Unpushed {
  try {
    return parseUnpushed(readFileSync(file, 'utf8'));
  } catch {
    return NOTHING_UNPUSHED; // none kept (the usual case)
  }
}

function writeUnpushed(file: string, unpushed: Unpushed, log: Logger): void {
  try {
    writeFileSync(`${file}.tmp`, serializeUnpushed(unpushed), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  } catch (err) {
    // No clone yet (the first pull never landed): the messages stay in memory only.
    log.debug({ err: err instanceof Error ? err.message : String(err) }, 'unpushed commit messages not kept on disk');
  }
}
