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
import type { DaemonMetrics } from './metrics.ts';
import { readRevisionStatus, REVISION_STATUS_FILE, type RevisionStatus } from './revision-status.ts';

export interface CommittedStatus {
  previous: PreviousStatus;
  revisionStatus: RevisionStatus;
}

export interface StatusWriter {
  /** The status as committed in Git: the previous state of a process's first cycle. */
  readCommitted(): Promise<CommittedStatus>;
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

export function createStatusWriter(deps: { repo: Repo; codec: StatusCodec; metrics: DaemonMetrics }): StatusWriter {
  let committed = new Map<string, string>();
  /** The tip whose status files `committed` holds: read at start, or gitset's own last commit. */
  let known: string | undefined;
  let lastRender: { key: string; files: ReadonlyMap<string, string> } | undefined;
  // Kept beside the clone across restarts: a restart during a Git outage loses no failover's message.
  const kept = deps.repo.stateDir ? join(deps.repo.stateDir, UNPUSHED_FILE) : undefined;
  let unpushed: Unpushed = kept ? readUnpushed(kept) : NOTHING_UNPUSHED;
  return {
    async readCommitted() {
      const files = await deps.repo.readStatusFiles();
      committed = new Map(files.map((f) => [f.path, f.text]));
      const previous = deps.codec.read(files.filter((f) => f.path !== REVISION_STATUS_FILE));
      return { previous, revisionStatus: readRevisionStatus(committed.get(REVISION_STATUS_FILE)) };
    },

    committedObjectFiles() {
      return new Map([...committed].filter(([p]) => p !== REVISION_STATUS_FILE));
    },

    // Rendering YAML costs far more than comparing JSON (1.6 s against 25 ms for 10,000
    // clusters), and most probe rounds change nothing: equal JSON renders equal files.
    render(next) {
      const key = JSON.stringify([[...next.clusters], [...next.sets], [...next.profiles]]);
      if (lastRender?.key !== key) lastRender = { key, files: deps.codec.render(next) };
      return new Map(lastRender.files);
    },

    async commit(files, describe, log, failures, revision) {
      if (revision !== undefined && known !== undefined && revision !== known) {
        // Someone else's commit: what the status folder holds is no longer what gitset wrote.
        try {
          const now = await deps.repo.readStatusFiles();
          committed = new Map(now.map((f) => [f.path, f.text]));
          known = revision;
        } catch (err) {
          log.warn({ err: err instanceof Error ? err.message : String(err) }, 'status files not read again; compared with what gitset last wrote');
        }
      } else if (revision !== undefined && known === undefined) known = revision;
      if (sameFiles(files, committed)) return false;
      const own = describe();
      const message = mergeUnpushed(unpushed, own);
      try {
        const result = await deps.repo.commitStatus(files, message);
        committed = files;
        if (unpushed.messages.length > 0 || unpushed.dropped > 0) {
          unpushed = NOTHING_UNPUSHED;
          if (kept) rmSync(kept, { force: true });
        }
        known = result.revision;
        if (result.committed) deps.metrics.statusCommits.inc();
        if (result.retries > 0) deps.metrics.pushRetries.inc(result.retries);
        log.info({ revision: result.revision, pushed: result.pushed, retries: result.retries, subject: message.subject }, result.committed ? 'status committed' : 'status unchanged');
        return result.committed;
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        // Its changes land with a later commit: so must what its message said.
        unpushed = keepUnpushed(unpushed, own);
        if (kept) writeUnpushed(kept, unpushed, log);
        failures.push(`commit status: ${error}`);
        log.error({ err: error }, 'status commit failed; retried next cycle');
        return false;
      }
    },
  };
}

function sameFiles(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** In the clone's .git: gitset's own state, never committed. */
const UNPUSHED_FILE = 'gitset-unpushed-messages.json';

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
