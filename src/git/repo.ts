// The Repo port: everything the daemon needs from Git, whether the repository is a remote over
// smart HTTP (cloned into a work dir) or a local path read in place; how to open one, and what
// both implementations share (logger, clock, defaults).
import type { GitAuth } from './location.ts';

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
}

export interface PullResult {
  /** Commit oid at the tip of the branch, or `working-tree` for a plain (non-git) folder. */
  revision: string;
  /** The tip moved since the last pull() of this Repo (always true on the first call). */
  revisionChanged: boolean;
  /**
   * The inputs changed since the last pull() of this Repo: true on the first call, then true only
   * when something outside the status folder (under `path`) differs. A tip that moved only by
   * status commits (gitset's own) gives `changed: false`, so there is no reconcile loop.
   */
  changed: boolean;
  /** Content identity of the inputs (tree oid of `path` without the status folder; a stat fingerprint for a plain folder). */
  inputsId: string;
  /** Folder to load manifests from (the work tree joined with `path`). */
  dir: string;
  /** Upstream was force-pushed (tip no longer descends from what we had); we reset to it. */
  forced: boolean;
}

export interface StatusFile {
  /** Relative to the folder asked for (for status: relative to the status folder), `/`-separated. */
  path: string;
  text: string;
}

export interface CommitMessage {
  subject: string;
  body?: string;
}

/**
 * Called when a push was rejected and the new upstream changed the inputs: re-render the status
 * from the manifests now in `dir` (at `revision`) and return the complete new set of status files.
 */
export type Rerender = (dir: string, revision: string) => Promise<ReadonlyMap<string, string>>;

export interface CommitStatusResult {
  /** The status differed from the committed one (plain folder: from the files on disk). */
  changed: boolean;
  /** A commit was made (false on a quiet cycle and for a plain folder). */
  committed: boolean;
  /** The status commit, when one was made. */
  revision?: string;
  /** The commit reached the remote (always false in local mode). */
  pushed: boolean;
  /** Non-fast-forward rejections overcome before the push landed. */
  retries: number;
  /** How many times `rerender` was called. */
  rerenders: number;
}

export type RepoKind = 'remote' | 'local-git' | 'local-folder';

export interface Repo {
  readonly kind: RepoKind;
  /** URL without credentials, or the absolute local path: safe to log and to write in status. */
  readonly displayUrl: string;
  /** Folder to load manifests from (same as `PullResult.dir`). */
  readonly dir: string;
  /** Repository-relative path of the status folder (`path` + `statusDir`). */
  readonly statusPath: string;
  /** Brings the repository up to date (clone on first use). Throws GitError. */
  pull(): Promise<PullResult>;
  /** Status files as last committed (on the status branch when one is configured). */
  readStatusFiles(): Promise<StatusFile[]>;
  /**
   * Makes the status folder hold exactly `files` (paths relative to the status folder): commits
   * when the tree changed, pushes, and on a non-fast-forward rejection re-applies the change on
   * top of the new upstream and retries with backoff. Never force-pushes, never merges.
   */
  commitStatus(files: ReadonlyMap<string, string>, message: CommitMessage, rerender?: Rerender): Promise<CommitStatusResult>;
  /**
   * Files below `dir` (relative to `path`; default the status folder) at any commit, ref name or
   * abbreviated oid, e.g. for `gitset show --revision`. Throws GitError `revision-not-found`.
   */
  readFilesAt(revision: string, dir?: string): Promise<StatusFile[]>;
  close(): Promise<void>;
}

export const DEFAULT_AUTHOR: Author = { name: 'gitset', email: 'gitset@localhost' };
export const DEFAULT_STATUS_DIR = 'status';

export function commitMessageText(message: CommitMessage): string {
  const body = message.body?.trim();
  return body ? `${message.subject.trim()}\n\n${body}\n` : `${message.subject.trim()}\n`;
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
