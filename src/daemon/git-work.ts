// Git in the background: a pull and a status commit never hold up a probe round. Both go through
// one lane (never two Git operations on the work dir at once, and never a pull while a cycle
// reads the manifests it brought). A Git server that hangs delays the commit, up to the Git
// timeouts, and the next cycle says so; failover decisions go on meanwhile.
import type { Logger } from 'pino';
import type { CommitMessage, PullResult, Repo } from '../git/repo.ts';
import { MAX_COALESCED, mergeCoalesced } from '../status/commit-messages.ts';
import type { PreviousStatus } from '../status/snapshot.ts';
import type { StatusWriter } from './status-writer.ts';

/** One Git operation at a time on the work dir. */
export interface GitLane {
  run<T>(work: () => Promise<T>): Promise<T>;
  readonly busy: boolean;
}

export function createGitLane(): GitLane {
  let tail: Promise<unknown> = Promise.resolve();
  let queued = 0;
  return {
    run(work) {
      queued++;
      const next = tail.then(work).finally(() => queued--);
      tail = next.catch(() => undefined);
      return next;
    },
    get busy() {
      return queued > 0;
    },
  };
}

export interface Puller {
  /** Starts a pull unless one runs; resolves with the newest pull (rejects when that one failed). */
  start(): Promise<PullResult>;
  /**
   * Once, before the first pull: takes the revision an earlier run left in the work dir as the
   * last pull (no network), so that a restart while Git is down probes with it. True when it did.
   */
  adopt(): Promise<boolean>;
  /** The newest successful pull (or the adopted revision). */
  readonly last: PullResult | undefined;
  /** A pull reached the remote since the start. */
  readonly fetched: boolean;
  /** The failure of the last pull, once: said by the next cycle. */
  takeFailure(): string | undefined;
  readonly busy: boolean;
}

export function createPuller(repo: Repo, lane: GitLane, log: Logger, onChange: () => void): Puller {
  let last: PullResult | undefined;
  let running: Promise<PullResult> | undefined;
  let failure: string | undefined;
  let fetched = false;
  let adoption: Promise<boolean> | undefined;
  return {
    adopt() {
      adoption ??= lane
        .run(async () => (last || !repo.lastPulled ? undefined : repo.lastPulled()))
        .then((held) => {
          if (held && !last) last = held;
          return held !== undefined;
        })
        .catch((err: unknown) => {
          log.warn({ err: err instanceof Error ? err.message : String(err) }, 'the work dir\'s revision could not be read; waiting for the first pull');
          return false;
        });
      return adoption;
    },
    start() {
      running ??= lane
        // The first clone's work tree is written on a worker; its first revision is loaded from memory meanwhile.
        .run(() => repo.pull({ writeBehind: true }))
        .then(
          (pulled) => {
            const first = last === undefined;
            last = pulled;
            fetched = true;
            failure = undefined;
            if (pulled.changed) log.info({ revision: pulled.revision }, 'new revision of the manifests');
            if (pulled.changed && !first) onChange();
            return pulled;
          },
          (err: unknown) => {
            failure = err instanceof Error ? err.message : String(err);
            if (last) log.warn({ err: failure, revision: last.revision }, 'pull failed; continuing with the last fetched revision');
            throw err;
          },
        )
        .finally(() => (running = undefined));
      return running;
    },
    get last() {
      return last;
    },
    get fetched() {
      return fetched;
    },
    takeFailure() {
      const f = failure;
      failure = undefined;
      return f;
    },
    get busy() {
      return running !== undefined;
    },
  };
}

/** A status commit to make: the files, and its message against what was last committed. */
export interface CommitRequest {
  files: Map<string, string>;
  /** What the files say, for the next message's comparison; absent while no revision was ever good. */
  snapshot?: PreviousStatus;
  /** Notes said once (the breaker flipped); kept until a commit carries them. */
  notes: string[];
  /** The commit the files were computed from: another's commit there makes the writer read the status again. */
  revision?: string;
  message(base: PreviousStatus, notes: readonly string[]): CommitMessage;
}

export interface Committer {
  /**
   * Commits in the background; a newer request replaces one that has not started. What the
   * replaced one's message would have said (a short wave, a halt) goes into the commit that lands.
   */
  submit(request: CommitRequest): void;
  /** Resolves when no commit runs or waits. */
  idle(): Promise<void>;
  /** Since the last take: commits made, and the failure of the last attempt. */
  take(): { committed: boolean; failure?: string };
  readonly busy: boolean;
}

/** A request a newer one replaced: its message, against the snapshot said before it. */
interface Replaced {
  say(from: PreviousStatus): CommitMessage;
  snapshot?: PreviousStatus;
}

/** The replaced requests' messages, each from the snapshot of the one before; and the last snapshot. */
function sayReplaced(replaced: readonly Replaced[], base: PreviousStatus): { said: CommitMessage[]; from: PreviousStatus } {
  let from = base;
  const said = replaced.map((r) => {
    const m = r.say(from);
    if (r.snapshot) from = r.snapshot;
    return m;
  });
  return { said, from };
}

/**
 * At most MAX_COALESCED kept: the two oldest are said now, as one message, from `from` (where
 * the next message starts), so a long Git stall bounds the memory and loses no line.
 */
function keepReplaced(replaced: readonly Replaced[], from: PreviousStatus): Replaced[] {
  if (replaced.length <= MAX_COALESCED) return [...replaced];
  const [a, b, ...rest] = replaced as [Replaced, Replaced, ...Replaced[]];
  const { said, from: after } = sayReplaced([a, b], from);
  const merged = mergeCoalesced(said.slice(0, 1), said[1]!);
  return [{ say: () => merged, snapshot: after }, ...rest];
}

/** What a committer keeps: the request waiting, the commit running, and what the next message starts from. */
interface CommitterState {
  status: StatusWriter;
  lane: GitLane;
  log: Logger;
  /** What the next message is said against: the snapshot of the last commit that landed (or was said). */
  base: PreviousStatus;
  waiting?: CommitRequest;
  /** Requests replaced before their commit started, oldest first, until a message says them. */
  replaced: Replaced[];
  running?: Promise<void>;
  /** The snapshot of the request whose commit runs: where the next message will start. */
  runningSnapshot?: PreviousStatus;
  notes: string[];
  committed: boolean;
  failure?: string;
  idleWaiters: Array<() => void>;
}

export function createCommitter(status: StatusWriter, lane: GitLane, log: Logger, base: PreviousStatus): Committer {
  const st: CommitterState = { status, lane, log, base, replaced: [], notes: [], committed: false, idleWaiters: [] };
  return {
    submit(request) {
      st.notes.push(...request.notes);
      const before = st.waiting;
      // Only the message and snapshot are kept: the replaced files are not needed again.
      // The chain starts where the next message will: the running commit's snapshot, else the base.
      if (before) st.replaced = keepReplaced([...st.replaced, { say: (from: PreviousStatus) => before.message(from, []), ...(before.snapshot ? { snapshot: before.snapshot } : {}) }], st.runningSnapshot ?? st.base);
      st.waiting = request;
      pump(st);
    },
    idle() {
      if (!st.running && !st.waiting) return Promise.resolve();
      return new Promise((resolve) => st.idleWaiters.push(resolve));
    },
    take() {
      const out = { committed: st.committed, ...(st.failure !== undefined ? { failure: st.failure } : {}) };
      st.committed = false;
      st.failure = undefined;
      return out;
    },
    get busy() {
      return st.running !== undefined || st.waiting !== undefined;
    },
  };
}

/** Starts the waiting request's commit unless one runs; wakes the idle waiters when none waits. */
function pump(st: CommitterState): void {
  if (st.running) return;
  const request = st.waiting;
  st.waiting = undefined;
  if (!request) {
    for (const w of st.idleWaiters.splice(0)) w();
    return;
  }
  st.runningSnapshot = request.snapshot;
  st.running = commitOne(st, request)
    .catch((err: unknown) => void (st.failure = err instanceof Error ? err.message : String(err)))
    .finally(() => {
      st.running = undefined;
      st.runningSnapshot = undefined;
      pump(st);
    });
}

async function commitOne(st: CommitterState, request: CommitRequest): Promise<void> {
  const failures: string[] = [];
  const carried = [...st.notes];
  const earlier = st.replaced;
  st.replaced = [];
  let described = false;
  const describe = (): CommitMessage => {
    described = true;
    const { said, from } = sayReplaced(earlier, st.base);
    return mergeCoalesced(said, request.message(from, carried));
  };
  const made = await st.lane.run(() => st.status.commit(request.files, describe, st.log, failures, request.revision));
  st.failure = failures.length > 0 ? failures.join('; ') : undefined;
  // Not written (no file differed, or the commit failed first): said with the next message.
  if (!described && earlier.length > 0) {
    const fixed = sayReplaced(earlier, st.base).said.map((m): Replaced => ({ say: () => m }));
    st.replaced = keepReplaced([...fixed, ...st.replaced], st.base);
  }
  // A message that was written is said once: the status writer keeps it for the commit that
  // lands when this one failed, so the next message starts from this snapshot either way.
  if (st.failure !== undefined && !described) return;
  st.committed ||= made;
  st.notes = st.notes.slice(carried.length);
  if (request.snapshot) st.base = request.snapshot;
}
