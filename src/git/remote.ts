// A repository reached over Git smart HTTP(S): cloned once into a work dir, polled cheaply (one
// ref listing when nothing moved), status pushed with rebase-style retries.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PullResult, Repo, StatusFile } from '../model/ports.ts';
import { workClone, type WorkClone } from './clone.ts';
import { GitError } from './errors.ts';
import { deepening, historyReader } from './history.ts';
import nodeHttp from 'isomorphic-git/http/node';
import { withCurrentCredentials, type GitHttpClient } from './http.ts';
import { currentCredentials } from './location.ts';
import { layoutSegs, statusFolderSegs, type RepoLayout } from './paths.ts';
import { DEFAULT_AUTHOR, realClock, serialized, type GitLogger, type OpenRepoOptions } from './repo.ts';
import { pushStatus, type PushPolicy } from './status-push.ts';
import { symlinkOnPath } from './status-folder.ts';
import { hasCommit, isDescendent, readTextFiles, resolveRevision } from './store.ts';
import { remoteTransport, type RemoteTransport } from './transport.ts';
import { inputsTreeOid } from './tree.ts';

/** `openRepo`'s options for a remote, with the folders resolved to path segments and the work dir chosen. */
export interface RemoteRepoOptions
  extends Pick<OpenRepoOptions, 'url' | 'branch' | 'statusBranch' | 'auth' | 'author' | 'logger' | 'clock' | 'maxPushAttempts' | 'pushBackoffMs' | 'timeoutMs' | 'statusOwned'>,
    RepoLayout {
  workDir: string;
  /** Re-clone when the clone holds more packs than this (one per fetch). Default 100. */
  maxPacks?: number;
  /** The HTTP client under isomorphic-git; tests wrap it to inject races. Default: isomorphic-git's Node client. */
  http?: GitHttpClient;
}

export function openRemoteRepo(opts: RemoteRepoOptions): Repo {
  const layout: RepoLayout = { rootSegs: opts.rootSegs, statusSegs: opts.statusSegs };
  const clock = opts.clock ?? realClock;
  // Token and password files are read again when they change; static credentials need no wrapper.
  const rotating = opts.auth && (opts.auth.tokenFile || opts.auth.passwordFile) ? opts.auth : undefined;
  const http = rotating ? withCurrentCredentials(opts.http ?? nodeHttp, currentCredentials(rotating)) : opts.http;
  const transport = remoteTransport({
    url: opts.url, branch: opts.branch, timeoutMs: opts.timeoutMs ?? 30_000,
    ...(opts.auth ? { auth: opts.auth } : {}), ...(http ? { http } : {}),
  });
  const clone = workClone({ transport, workDir: opts.workDir, branch: opts.branch, layout, clock, log: opts.logger, maxPacks: opts.maxPacks ?? 100 });
  const separateStatus = opts.statusBranch && opts.statusBranch !== opts.branch ? opts.statusBranch : undefined;
  const policy: PushPolicy = {
    target: separateStatus ?? opts.branch, author: opts.author ?? DEFAULT_AUTHOR, clock, log: opts.logger,
    maxAttempts: opts.maxPushAttempts ?? 10, backoffMs: opts.pushBackoffMs ?? 100,
    ...(opts.statusOwned ? { owned: opts.statusOwned } : {}),
  };
  const { pull, adopt } = remotePull(clone, transport, opts.logger, separateStatus);
  const serial = serialized();
  const history = historyReader({
    store: clone.store,
    layout,
    tip: async () => {
      await serial(() => clone.ensure());
      const tip = await clone.local();
      if (!tip) throw new GitError('revision-not-found', `${opts.url}: nothing pulled yet`);
      return tip;
    },
    // A walk past the first clone's history: never while a pull or a push changes the clone.
    deepen: (by) => serial(() => clone.deepen(by)),
  });

  return {
    kind: 'remote',
    displayUrl: opts.url,
    dir: clone.dir,
    stateDir: clone.store.gitdir,
    statusPath: statusFolderSegs(layout).join('/'),
    pull: (options) => serial(() => pull(true, options?.writeBehind ?? false)),
    lastPulled: () => serial(adopt),
    readStatusFiles: () => serial(() => readStatus(clone, separateStatus)),
    commitStatus: (files, message, rerender) =>
      serial(async () => {
        await clone.settled();
        if (!clone.ready()) await pull(false, false);
        return pushStatus(clone, policy, { files, message, rerender });
      }),
    readFilesAt: (revision, sub) => serial(() => readFilesFetching(clone, new Set([opts.branch, policy.target]), revision, layoutSegs(layout, sub))),
    ...history,
    // A checkout still left to its worker is written before the repository is let go.
    close: () => serial(() => clone.settled()),
  };
}

/** The status files at the tip of the branch they are committed to. */
async function readStatus(clone: WorkClone, separateStatus: string | undefined): Promise<StatusFile[]> {
  await clone.ensure();
  const tip = await (separateStatus ? clone.tracked(separateStatus) : clone.local());
  try {
    return tip ? await readTextFiles(clone.store, tip, statusFolderSegs(clone.layout)) : [];
  } finally {
    // A fresh clone's objects were kept for this first read (0.25 s of inflating at 10k clusters).
    clone.letGo();
  }
}

/**
 * Files below `segs` at `revision`; when the clone lacks it, fetches the branches we follow and
 * looks once more, then deepens a shallow clone's history until it finds it or holds all of it.
 */
async function readFilesFetching(clone: WorkClone, branches: ReadonlySet<string>, revision: string, segs: string[]): Promise<StatusFile[]> {
  await clone.ensure();
  const read = async () => readTextFiles(clone.store, await resolveRevision(clone.store, revision), segs);
  try {
    return await read();
  } catch {
    for (const b of branches) await clone.fetch(b).catch(() => undefined);
    return deepening(clone, 0, read).catch((err) => {
      throw new GitError('revision-not-found', `revision "${revision}" not found in ${clone.url}`, { cause: err });
    });
  }
}

/**
 * Brings the clone to the remote tip. `record` is false when commitStatus needs a clone before
 * the daemon's first pull: that must not swallow the "changed" the daemon's pull will report.
 * `writeBehind`: the first pull's full checkout may be written on a worker (PullResult.checkout).
 */
type Pull = (record: boolean, writeBehind: boolean) => Promise<PullResult>;

function remotePull(clone: WorkClone, transport: RemoteTransport, log: GitLogger, separateStatus: string | undefined): { pull: Pull; adopt: () => Promise<PullResult | undefined> } {
  const { store, branch, dir, url } = clone;
  let loaded: { revision: string; inputs: string } | undefined;
  /** The clone an earlier run left, when its work tree is known to hold its branch: no network. */
  const adopt = async (): Promise<PullResult | undefined> => {
    if (loaded || !existsSync(clone.store.gitdir)) return undefined;
    await clone.ensure();
    const local = await clone.local();
    if (!local || !clone.holds(local) || linkedRoot(clone) !== undefined) return undefined;
    const inputs = await inputsTreeOid(store, local, clone.layout);
    loaded = { revision: local, inputs };
    log.info({ repo: url, revision: local }, 'starting from the revision the work dir holds; the remote is asked for its tip meanwhile');
    return { revision: local, revisionChanged: true, changed: true, inputsId: inputs, dir, forced: false };
  };
  const pull: Pull = async (record, writeBehind) => {
    clone.letGo(); // no status read came since the last clone
    const heads = await transport.heads();
    const tip = heads.get(`refs/heads/${branch}`);
    if (!tip) throw new GitError('branch-not-found', `${url}: branch "${branch}" does not exist on the remote`);
    await clone.ensure();
    await clone.compactIfNeeded();
    const statusTip = separateStatus ? heads.get(`refs/heads/${separateStatus}`) : undefined;
    if (statusTip && statusTip !== (await clone.tracked(separateStatus!))) await clone.fetch(separateStatus!);
    const status = statusTip ? { statusRevision: statusTip } : {};
    // The cheap path of a quiet fleet: one ref listing, nothing read from disk.
    if (loaded && loaded.revision === tip && clone.holds(tip)) {
      return { revision: tip, revisionChanged: false, changed: false, inputsId: loaded.inputs, dir, forced: false, ...status };
    }
    // Only before any revision was loaded: the loader reads PullResult.checkout's files from memory meanwhile.
    const forced = await moveToTip(clone, tip, log, writeBehind && record && !loaded);
    assertRealRoot(clone, tip);
    const checkout = clone.written();
    const inputs = await inputsTreeOid(store, tip, clone.layout);
    const changed = !loaded || loaded.inputs !== inputs;
    const revisionChanged = !loaded || loaded.revision !== tip;
    if (record) loaded = { revision: tip, inputs };
    log.debug({ repo: url, revision: tip, changed, forced }, 'pulled');
    return { revision: tip, revisionChanged, changed, inputsId: inputs, dir, forced, ...status, ...(checkout ? { checkout } : {}) };
  };
  return { pull, adopt };
}

/** Fetches and checks out `tip` unless the clone holds it; true when it does not descend from the local branch (a force-push). */
async function moveToTip(clone: WorkClone, tip: string, log: GitLogger, writeBehind: boolean): Promise<boolean> {
  const local = await clone.local();
  if (tip === local && clone.holds(tip)) return false;
  if (!(await hasCommit(clone.store, tip))) await clone.fetch(clone.branch);
  const forced = !!local && tip !== local && !(await isDescendent(clone.store, tip, local));
  if (forced) {
    log.error({ repo: clone.url, branch: clone.branch, revision: tip, previous: local }, 'UPSTREAM WAS FORCE-PUSHED: history was rewritten; resetting the work tree to the new tip');
  }
  await clone.moveTo(tip, writeBehind);
  return forced;
}

/** Where the work tree's manifests folder is reached through a committed symbolic link, if it is. */
function linkedRoot(clone: WorkClone): string | undefined {
  return clone.layout.rootSegs.length === 0 ? undefined : symlinkOnPath(dirname(clone.store.gitdir), clone.layout.rootSegs);
}

/**
 * The loader reads the manifests folder from disk: a commit that makes it (or a folder above it)
 * a symbolic link could point it anywhere on this machine. Such a revision is refused, as a pull
 * that failed: the revision in force keeps running, and the error says which link to remove.
 */
function assertRealRoot(clone: WorkClone, tip: string): void {
  const link = linkedRoot(clone);
  if (link !== undefined) {
    throw new GitError('linked-path', `${clone.url}: at ${tip.slice(0, 12)}, ${link} is a symbolic link where the manifests folder (--path ${clone.layout.rootSegs.join('/')}) should be; gitset does not read through it`);
  }
}
