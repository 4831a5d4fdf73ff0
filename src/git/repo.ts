// What both implementations of the Repo port (src/model/ports.ts) share: how to open one, its
// capabilities (logger, clock) and defaults. The port's own types are re-exported for callers.
import { escapeControl, escapeControlLines } from '../model/escape.ts';
import type { CommitMessage } from '../model/ports.ts';
import type { GitAuth } from './location.ts';

export type {
  CommitInfo, CommitMessage, CommitStatusResult, HistoryOptions, PullResult, Repo, RepoKind, Rerender, StatusFile,
} from '../model/ports.ts';

/** Structural subset of pino's logger: a pino instance fits as is. */
export interface GitLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface GitClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: GitClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface Author {
  name: string;
  email: string;
}

export interface OpenRepoOptions {
  /** `https://…`/`http://…` URL (userinfo accepted, then redacted everywhere) or a local path. SSH is refused. */
  url: string;
  /** Branch to read (remote mode). In local mode the checked-out branch is used. */
  branch: string;
  /** Subfolder of the repository holding the manifests (`--path`); `''` is the root. */
  path?: string;
  /** Status folder, relative to `path`. Default `status`. */
  statusDir?: string;
  /** Push status commits to this branch instead of `branch` (created on first push, holding only the status folder). */
  statusBranch?: string;
  /** Where the remote is cloned. Default: `defaultWorkDir(url, branch, env)`. Unused in local mode. */
  workDir?: string;
  /** Resolves a relative local path. Default: the process's current directory. */
  cwd?: string;
  /** Only read for the default work dir (XDG_CACHE_HOME, HOME). */
  env?: NodeJS.ProcessEnv;
  auth?: GitAuth;
  /** Author and committer of status commits. Default `gitset <gitset@localhost>`. */
  author?: Author;
  logger: GitLogger;
  clock?: GitClock;
  /** Push attempts per commitStatus call before giving up with `push-conflict`. Default 10. */
  maxPushAttempts?: number;
  /** First retry delay; doubles per attempt (jittered), capped at 5 s. Default 100 ms. */
  pushBackoffMs?: number;
  /** Socket idle timeout of each HTTP request; a hung server gives `unreachable`. Default 30 s. */
  timeoutMs?: number;
  /**
   * Remote only: the status files this replica writes (`--shards`); every other file in the status
   * folder is carried over from upstream by each status commit. Absent: the folder is all ours.
   */
  statusOwned?: (path: string) => boolean;
}

export const DEFAULT_AUTHOR: Author = { name: 'gitset', email: 'gitset@localhost' };
export const DEFAULT_STATUS_DIR = 'status';

/** A commit message's text: the subject one line, no control characters but the body's line breaks (names cannot forge a trailer). */
export function commitMessageText(message: CommitMessage): string {
  const body = message.body?.trim();
  const subject = escapeControl(message.subject.trim());
  return body ? `${subject}\n\n${escapeControlLines(body)}\n` : `${subject}\n`;
}

/** Runs async operations one at a time: pull and commitStatus share one work tree. */
export function serialized(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>) => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}
