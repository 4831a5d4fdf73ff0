// Commit the status folder on top of upstream and push; when upstream moved meanwhile, take the
// new upstream, re-apply the status (re-rendered if the inputs changed) and try again. The result
// is always a fast-forward of what others pushed: no force, no merge commit, nobody's work lost.
import fs from 'node:fs';
import git, { Errors } from 'isomorphic-git';
import { GitError, redactText } from './errors.ts';
import type { RemoteAccess } from './remote.ts';
import { commitMessageText, type CommitMessage, type CommitStatusResult, type GitClock, type GitLogger, type Rerender } from './repo.ts';
import { ObjectBatch, buildPack, encodeCommit, storeObjects, type Pack } from './pack.ts';
import { ReceivePackError, ZERO_OID, advertisedRefs, sendPack } from './send-pack.ts';
import { commitTree, inputsTreeOid, listBlobs, replaceSubtree, subtreeAt, writeFilesTree, type ObjectStore } from './tree.ts';

/** The outgoing commit sits here while it is pushed; the branch moves only once the push landed. */
const OUTGOING_REF = 'refs/gitset/outgoing';

export interface PushStatusInput {
  store: ObjectStore;
  access: RemoteAccess;
  workDir: string;
  dir: string;
  branch: string;
  target: string;
  separate: boolean;
  rootSegs: string[];
  statusSegs: string[];
  author: { name: string; email: string };
  clock: GitClock;
  log: GitLogger;
  maxAttempts: number;
  backoffMs: number;
  files: ReadonlyMap<string, string>;
  message: CommitMessage;
  rerender?: Rerender;
  fetchBranch(branch: string): Promise<string>;
  moveTo(tip: string): Promise<void>;
  /** Our commit landed upstream: move the branch to it and bring the changed status files on disk in line. */
  adoptOwnCommit(commit: string, files: ReadonlyMap<string, string>, changed: readonly string[]): Promise<void>;
  fail(err: unknown): never;
}

export interface StatusCommit {
  /** Undefined when the tree did not change (nothing to commit). */
  commit?: string;
  /** The objects the commit added, already stored in the repository; what a push must send. */
  objects?: ObjectBatch;
  /** Their pack, when they were stored as one (a large batch). */
  pack?: Pack;
  tree: string;
  /** Status files added, modified or removed, relative to the status folder. */
  changed: string[];
}

/**
 * Builds (without touching any work tree or index) a commit whose tree is `base`'s with only the
 * status folder replaced by `files`. No commit when the resulting tree equals `base`'s tree.
 */
export async function statusCommit(
  store: ObjectStore, base: string | undefined, statusSegs: readonly string[], files: ReadonlyMap<string, string>,
  author: { name: string; email: string }, message: CommitMessage, nowMs: number,
): Promise<StatusCommit> {
  const baseTree = base ? await commitTree(store, base) : undefined;
  const current = baseTree ? await listBlobs(store, await subtreeAt(store, baseTree, statusSegs)) : new Map<string, string>();
  const objects = new ObjectBatch();
  const written = writeFilesTree(objects, files, current);
  const tree = await replaceSubtree(store, objects, baseTree, statusSegs, written.tree);
  const changed = written.changed;
  if (tree === baseTree || (!base && !written.tree)) return { tree, changed: [] };
  const commit = objects.add('commit', encodeCommit({
    tree, parents: base ? [base] : [], author, timestamp: Math.floor(nowMs / 1000), message: commitMessageText(message),
  }));
  const pack = storeObjects(store.gitdir, objects);
  return { commit, objects, tree, changed, ...(pack ? { pack } : {}) };
}

type PushOutcome = { outcome: 'pushed' } | { outcome: 'conflict'; reason: string };

/** What git's receive-pack says when the ref moved between our ref listing and its update. */
const MOVED = /non-fast-forward|fetch first|failed to (update|lock)|cannot lock|stale info|incorrect old value|reference already exists/i;

/**
 * One push attempt, sent by gitset itself: a receive-pack ref listing, then our commit's pack
 * with an update of the branch from exactly the commit we built on. When the branch moved, that
 * is a conflict before anything is sent (or the server's `ng` when it moved in between).
 */
async function pushOnce(input: PushStatusInput, built: StatusCommit & { commit: string }, base: string | undefined): Promise<PushOutcome> {
  const { access } = input;
  const ref = `refs/heads/${input.target}`;
  try {
    const adv = await advertisedRefs(access);
    const remote = adv.refs.get(ref);
    // Branch gone while we hold a base: which objects the server lacks is unknown, let isomorphic-git work it out.
    if (remote === undefined && base !== undefined) return await pushWithIsomorphicGit(input, built.commit);
    if (remote !== base) return { outcome: 'conflict', reason: 'upstream moved since the last fetch' };
    const pack = built.pack ?? buildPack(built.objects ?? new ObjectBatch());
    const result = await sendPack(access, adv.capabilities, { ref, old: remote ?? ZERO_OID, new: built.commit }, pack.bytes);
    if (result.ok) return { outcome: 'pushed' };
    if (MOVED.test(result.reason)) return { outcome: 'conflict', reason: `server: ${result.reason}` };
    throw new GitError('push-rejected', `${access.url}: the server refused the status push to ${input.target}: ${redactText(result.reason)}`);
  } catch (err) {
    if (err instanceof ReceivePackError) {
      throw new GitError('push-rejected', `${access.url}: the server refused the status push to ${input.target}: ${redactText(err.message)}`);
    }
    return input.fail(err);
  }
}

async function pushWithIsomorphicGit(input: PushStatusInput, commit: string): Promise<PushOutcome> {
  const { store, access } = input;
  await git.writeRef({ fs, gitdir: store.gitdir, ref: OUTGOING_REF, value: commit, force: true });
  try {
    await git.push({
      fs, http: access.http, dir: input.workDir, url: access.url, remote: 'origin', ref: OUTGOING_REF, remoteRef: `refs/heads/${input.target}`,
      onAuth: access.onAuth, headers: access.headers(), cache: store.cache,
    });
    return { outcome: 'pushed' };
  } catch (err) {
    const e = err as { code?: string; data?: { reason?: string; prettyDetails?: string } };
    if (e.code === Errors.PushRejectedError.code && e.data?.reason === 'not-fast-forward') return { outcome: 'conflict', reason: 'upstream moved since the last fetch' };
    if (e.code === Errors.GitPushError.code) {
      const details = e.data?.prettyDetails ?? '';
      if (MOVED.test(details)) return { outcome: 'conflict', reason: `server: ${details.trim().replace(/^- /, '')}` };
      throw new GitError('push-rejected', `${access.url}: the server refused the status push to ${input.target}:${details}`);
    }
    return input.fail(err);
  } finally {
    await git.deleteRef({ fs, gitdir: store.gitdir, ref: OUTGOING_REF }).catch(() => undefined);
  }
}

function backoff(input: PushStatusInput, attempt: number): number {
  const base = Math.min(5000, input.backoffMs * 2 ** (attempt - 1));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

export async function pushStatus(input: PushStatusInput): Promise<CommitStatusResult> {
  const { store, log } = input;
  const trackingRef = `refs/remotes/origin/${input.target}`;
  const statusSegs = [...input.rootSegs, ...input.statusSegs];
  let files = input.files;
  let retries = 0;
  let rerenders = 0;
  for (;;) {
    const started = input.clock.now();
    const base = await git.resolveRef({ fs, gitdir: store.gitdir, ref: trackingRef }).catch(() => undefined);
    const made = await statusCommit(store, base, statusSegs, files, input.author, input.message, input.clock.now());
    const { commit, changed } = made;
    if (!commit) return { changed: false, committed: false, pushed: false, retries, rerenders };
    const built = input.clock.now();
    const pushedOrNot = await pushOnce(input, { ...made, commit }, base);
    if (pushedOrNot.outcome === 'pushed') {
      const pushed = input.clock.now();
      if (!input.separate) await input.adoptOwnCommit(commit, files, changed);
      else await git.writeRef({ fs, gitdir: store.gitdir, ref: trackingRef, value: commit, force: true });
      const timing = { files: changed.length, buildMs: built - started, pushMs: pushed - built, workTreeMs: input.clock.now() - pushed };
      log.info({ repo: input.access.url, branch: input.target, revision: commit, retries, rerenders, ...timing }, `pushed status: ${input.message.subject}`);
      return { changed: true, committed: true, revision: commit, pushed: true, retries, rerenders };
    }
    retries++;
    if (retries >= input.maxAttempts) {
      throw new GitError('push-conflict', `${input.access.url}: status push to ${input.target} rejected ${retries} times because upstream kept moving; will try again next cycle`);
    }
    const delay = backoff(input, retries);
    log.info({ repo: input.access.url, branch: input.target, attempt: retries, delayMs: delay, reason: pushedOrNot.reason }, 'status push rejected (upstream moved); re-applying on top of the new upstream');
    await input.clock.sleep(delay);
    const upstream = await input.fetchBranch(input.target);
    if (input.separate) continue;
    const before = base ? await inputsTreeOid(store, base, input.rootSegs, input.statusSegs) : undefined;
    await input.moveTo(upstream);
    if (input.rerender && before !== (await inputsTreeOid(store, upstream, input.rootSegs, input.statusSegs))) {
      files = await input.rerender(input.dir, upstream);
      rerenders++;
    }
  }
}
