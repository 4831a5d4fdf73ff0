// A repository reached over Git smart HTTP(S) with isomorphic-git: cloned once into a work dir,
// polled cheaply (one ref listing when nothing moved), status pushed with rebase-style retries.
import fs from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import git from 'isomorphic-git';
import { GitError, classifyRemoteError } from './errors.ts';
import { gitHttpClient, type GitHttpClient } from './http.ts';
import { writeChangedStatusFiles } from './local.ts';
import { basicCredentials } from './location.ts';
import { pushStatus } from './push.ts';
import { applyTreeChange } from './worktree.ts';
import {
  DEFAULT_AUTHOR, realClock, serialized,
  type CommitMessage, type CommitStatusResult, type OpenRepoOptions, type PullResult, type Repo, type Rerender, type StatusFile,
} from './repo.ts';
import { commitTree, folderSegments, inputsTreeOid, readTextFiles, resolveRevision, type ObjectStore } from './tree.ts';

/** `openRepo`'s options for a remote, with the folders resolved to path segments and the work dir chosen. */
export interface RemoteRepoOptions
  extends Pick<OpenRepoOptions, 'url' | 'branch' | 'statusBranch' | 'auth' | 'author' | 'logger' | 'clock' | 'maxPushAttempts' | 'pushBackoffMs' | 'timeoutMs'> {
  rootSegs: string[];
  statusSegs: string[];
  workDir: string;
  /** Re-clone when the clone holds more packs than this (one per fetch). Default 100. */
  maxPacks?: number;
  /** The HTTP client under isomorphic-git; tests wrap it to inject races. Default: isomorphic-git's Node client. */
  http?: GitHttpClient;
}

/** What the HTTP layer needs for every request; the Authorization header is sent up front (one request per poll, not two). */
export interface RemoteAccess {
  url: string;
  http: GitHttpClient;
  onAuth: () => { username: string; password: string } | undefined;
  headers: () => Record<string, string>;
}

export function openRemoteRepo(opts: RemoteRepoOptions): Repo {
  const creds = basicCredentials(opts.auth);
  const access: RemoteAccess = {
    url: opts.url,
    // A server that accepts and then hangs must not stall the daemon's cycle forever.
    http: gitHttpClient({ timeoutMs: opts.timeoutMs ?? 30_000, ...(opts.http ? { base: opts.http } : {}) }),
    onAuth: () => creds,
    headers: (): Record<string, string> =>
      creds ? { Authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` } : {},
  };
  const store: ObjectStore = { gitdir: join(opts.workDir, '.git'), cache: {} };
  const dir = join(opts.workDir, ...opts.rootSegs);
  const statusPath = [...opts.rootSegs, ...opts.statusSegs].join('/');
  const clock = opts.clock ?? realClock;
  const log = opts.logger;
  const serial = serialized();
  const separateStatus = opts.statusBranch && opts.statusBranch !== opts.branch ? opts.statusBranch : undefined;
  let cloned = false;
  /** The commit the work tree is known to match; unknown after a restart (then a full checkout). */
  let workTreeAt: string | undefined;
  let loaded: { revision: string; inputs: string } | undefined;

  const fail = (err: unknown): never => {
    throw classifyRemoteError(err, opts.url, opts.branch);
  };

  async function remoteHeads(): Promise<Map<string, string>> {
    const refs = await git
      .listServerRefs({ http: access.http, url: access.url, onAuth: access.onAuth, headers: access.headers(), protocolVersion: 1, prefix: 'refs/heads/' })
      .catch(fail);
    return new Map(refs.map((r) => [r.ref, r.oid]));
  }

  async function ensureClone(): Promise<void> {
    if (cloned) return;
    if (fs.existsSync(join(opts.workDir, '.git'))) {
      const origin = await git.getConfig({ fs, dir: opts.workDir, path: 'remote.origin.url' }).catch(() => undefined);
      if (origin !== opts.url) {
        throw new GitError('work-dir-conflict', `work dir ${opts.workDir} holds a clone of ${origin ?? 'another repository'}, not ${opts.url}; pass another --work-dir`);
      }
      cloned = true;
      return;
    }
    const existing = await readdir(opts.workDir).catch(() => [] as string[]);
    if (existing.length > 0) throw new GitError('work-dir-conflict', `work dir ${opts.workDir} is not empty and is not a gitset clone; pass another --work-dir`);
    await cloneFresh('cloned repository');
  }

  /** Clones beside the work dir, then swaps it in: a crash mid-clone never leaves a half clone to reuse. */
  async function cloneFresh(why: string): Promise<void> {
    const partial = `${opts.workDir}.partial-${process.pid}`;
    const old = `${opts.workDir}.old-${process.pid}`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(dirname(opts.workDir), { recursive: true });
    const started = clock.now();
    await git
      .clone({ fs, http: access.http, dir: partial, url: access.url, ref: opts.branch, singleBranch: true, noTags: true, onAuth: access.onAuth, headers: access.headers(), cache: {} })
      .catch(async (err) => {
        await rm(partial, { recursive: true, force: true });
        fail(err);
      });
    await rm(old, { recursive: true, force: true });
    if (fs.existsSync(opts.workDir)) await rename(opts.workDir, old);
    await rename(partial, opts.workDir);
    await rm(old, { recursive: true, force: true });
    store.cache = {};
    cloned = true;
    workTreeAt = await localRef(`refs/heads/${opts.branch}`);
    log.info({ repo: opts.url, branch: opts.branch, workDir: opts.workDir, ms: clock.now() - started }, why);
  }

  /**
   * isomorphic-git writes one pack per fetch and never repacks; every object lookup then scans
   * them all. Past `maxPacks` a fresh clone (a single pack) is cheaper than living with that.
   */
  async function compactIfNeeded(): Promise<void> {
    const packs = (await readdir(join(store.gitdir, 'objects', 'pack')).catch(() => [] as string[])).filter((f) => f.endsWith('.pack'));
    if (packs.length > (opts.maxPacks ?? 100)) await cloneFresh(`re-cloned to compact ${packs.length} packs`);
  }

  async function fetchBranch(branch: string): Promise<string> {
    const res = await git
      .fetch({ fs, http: access.http, dir: opts.workDir, url: access.url, remote: 'origin', ref: branch, remoteRef: branch, singleBranch: true, tags: false, onAuth: access.onAuth, headers: access.headers(), cache: store.cache })
      .catch(fail);
    if (!res.fetchHead) throw new GitError('branch-not-found', `${opts.url}: branch "${branch}" does not exist on the remote`);
    await git.writeRef({ fs, gitdir: store.gitdir, ref: `refs/remotes/origin/${branch}`, value: res.fetchHead, force: true });
    return res.fetchHead;
  }

  async function hasCommit(oid: string): Promise<boolean> {
    return git.readCommit({ fs, ...store, oid }).then(() => true, () => false);
  }

  async function localRef(ref: string): Promise<string | undefined> {
    return git.resolveRef({ fs, gitdir: store.gitdir, ref }).catch(() => undefined);
  }

  /** Moves the local branch (and work tree) to `tip`, which is already in the object store. */
  async function moveTo(tip: string): Promise<void> {
    const from = workTreeAt;
    await git.writeRef({ fs, gitdir: store.gitdir, ref: `refs/heads/${opts.branch}`, value: tip, force: true });
    await git.writeRef({ fs, gitdir: store.gitdir, ref: `refs/remotes/origin/${opts.branch}`, value: tip, force: true });
    // A full checkout walks and stats every file; once we know what the work tree holds, write
    // only what differs (a merged pull request touches a few files of thousands).
    if (from) await applyTreeChange(store, opts.workDir, await commitTree(store, from), await commitTree(store, tip));
    else await git.checkout({ fs, dir: opts.workDir, ref: opts.branch, force: true, cache: store.cache });
    workTreeAt = tip;
  }

  /**
   * After our own status push only status files differ from the work tree, and we hold their
   * text: write those directly (a checkout of 1,000 files costs ~10× more). The clone's index
   * lags for them until the next upstream change is checked out; nobody but gitset uses it.
   */
  async function adoptOwnCommit(commit: string, files: ReadonlyMap<string, string>, changed: readonly string[]): Promise<void> {
    await git.writeRef({ fs, gitdir: store.gitdir, ref: `refs/heads/${opts.branch}`, value: commit, force: true });
    await git.writeRef({ fs, gitdir: store.gitdir, ref: `refs/remotes/origin/${opts.branch}`, value: commit, force: true });
    writeChangedStatusFiles(join(opts.workDir, ...opts.rootSegs, ...opts.statusSegs), files, changed);
    workTreeAt = commit;
  }

  /**
   * Brings the clone to the remote tip. `record` is false when commitStatus needs a clone before
   * the daemon's first pull: that must not swallow the "changed" the daemon's pull will report.
   */
  async function pullNow(record = true): Promise<PullResult> {
    const heads = await remoteHeads();
    const tip = heads.get(`refs/heads/${opts.branch}`);
    if (!tip) throw new GitError('branch-not-found', `${opts.url}: branch "${opts.branch}" does not exist on the remote`);
    await ensureClone();
    await compactIfNeeded();
    if (separateStatus) {
      const statusTip = heads.get(`refs/heads/${separateStatus}`);
      if (statusTip && statusTip !== (await localRef(`refs/remotes/origin/${separateStatus}`))) await fetchBranch(separateStatus);
    }
    // The cheap path of a quiet fleet: one ref listing, nothing read from disk.
    if (loaded && loaded.revision === tip && workTreeAt === tip) {
      return { revision: tip, revisionChanged: false, changed: false, inputsId: loaded.inputs, dir, forced: false };
    }
    const local = await localRef(`refs/heads/${opts.branch}`);
    let forced = false;
    if (tip !== local || workTreeAt !== tip) {
      if (!(await hasCommit(tip))) await fetchBranch(opts.branch);
      if (local && tip !== local && !(await git.isDescendent({ fs, ...store, oid: tip, ancestor: local, depth: -1 }))) {
        forced = true;
        log.error({ repo: opts.url, branch: opts.branch, revision: tip, previous: local }, 'UPSTREAM WAS FORCE-PUSHED: history was rewritten; resetting the work tree to the new tip');
      }
      await moveTo(tip);
    }
    const inputs = await inputsTreeOid(store, tip, opts.rootSegs, opts.statusSegs);
    const changed = !loaded || loaded.inputs !== inputs;
    const revisionChanged = !loaded || loaded.revision !== tip;
    if (record) loaded = { revision: tip, inputs };
    log.debug({ repo: opts.url, revision: tip, changed, forced }, 'pulled');
    return { revision: tip, revisionChanged, changed, inputsId: inputs, dir, forced };
  }

  return {
    kind: 'remote',
    displayUrl: opts.url,
    dir,
    statusPath,
    pull: () => serial(pullNow),

    readStatusFiles: () =>
      serial(async () => {
        await ensureClone();
        const tip = await localRef(separateStatus ? `refs/remotes/origin/${separateStatus}` : `refs/heads/${opts.branch}`);
        if (!tip) return [];
        return readTextFiles(store, tip, [...opts.rootSegs, ...opts.statusSegs]);
      }),

    commitStatus: (files: ReadonlyMap<string, string>, message: CommitMessage, rerender?: Rerender): Promise<CommitStatusResult> =>
      serial(async () => {
        if (!cloned || !workTreeAt) await pullNow(false);
        return pushStatus({
          store, access, workDir: opts.workDir, dir, branch: opts.branch, target: separateStatus ?? opts.branch, separate: !!separateStatus,
          rootSegs: opts.rootSegs, statusSegs: opts.statusSegs, author: opts.author ?? DEFAULT_AUTHOR, clock, log,
          maxAttempts: opts.maxPushAttempts ?? 10, backoffMs: opts.pushBackoffMs ?? 100,
          files, message, rerender, fetchBranch, moveTo, adoptOwnCommit, fail,
        });
      }),

    readFilesAt: (revision: string, sub?: string): Promise<StatusFile[]> =>
      serial(async () => {
        await ensureClone();
        const segs = sub === undefined ? [...opts.rootSegs, ...opts.statusSegs] : [...opts.rootSegs, ...folderSegments(sub)];
        const read = async () => readTextFiles(store, await resolveRevision(store, revision), segs);
        try {
          return await read();
        } catch {
          // Maybe newer than our clone: fetch the branches we follow, then look once more.
          for (const b of new Set([opts.branch, separateStatus ?? opts.branch])) await fetchBranch(b).catch(() => undefined);
          return read().catch((err) => {
            throw new GitError('revision-not-found', `revision "${revision}" not found in ${opts.url}`, { cause: err });
          });
        }
      }),

    close: async () => {
      await serial(async () => undefined);
    },
  };
}
