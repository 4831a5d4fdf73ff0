// The remote's clone in the work dir: made once (beside it, then swapped in), fetched into, and
// its branch and work tree moved from one commit to the next by writing only what differs.
import fs, { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import git from 'isomorphic-git';
import { GitError } from './errors.ts';
import { statusFolderSegs, type RepoLayout } from './paths.ts';
import type { GitClock, GitLogger } from './repo.ts';
import { symlinkOnPath } from './status-folder.ts';
import { dropFetched } from './pack-read.ts';
import { commitTree, hasCommit, readRef, writeRef, type ObjectStore } from './store.ts';
import type { OutgoingCommit, PushOutcome, RemoteTransport } from './transport.ts';
import { applyTreeChange, planWorkTree } from './worktree.ts';
import { writePlanned, writePlannedOnWorker, type PlannedTree } from './write-worker.ts';
import type { FolderInMemory } from '../load/walk.ts';

export interface WorkCloneOptions {
  transport: RemoteTransport;
  workDir: string;
  /** The branch followed: checked out in the work tree. */
  branch: string;
  layout: RepoLayout;
  clock: GitClock;
  log: GitLogger;
  /** Re-clone when the clone holds more packs than this (one per fetch). */
  maxPacks: number;
}

export interface WorkClone {
  /** The remote's URL, without credentials. */
  readonly url: string;
  readonly store: ObjectStore;
  readonly branch: string;
  readonly layout: RepoLayout;
  /** The manifests folder in the work tree. */
  readonly dir: string;
  /** The work tree is known to hold `tip` (unknown after a restart until the next move). */
  holds(tip: string): boolean;
  /** Cloned and the work tree's commit known: a status commit can be built. */
  ready(): boolean;
  /** Clones on first use, or adopts the clone a previous run left. Throws GitError `work-dir-conflict`. */
  ensure(): Promise<void>;
  /** Past `maxPacks` packs, re-clones: a single pack is cheaper to look objects up in. */
  compactIfNeeded(): Promise<void>;
  /** Where the clone last saw upstream's `branch`. */
  tracked(branch: string): Promise<string | undefined>;
  /** The local followed branch. */
  local(): Promise<string | undefined>;
  /** Fetches `by` more commits of the followed branch's history; false when the clone holds all of it. */
  deepen(by: number): Promise<boolean>;
  /** Fetches upstream's `branch` and records its tip as tracked; returns it. */
  fetch(branch: string): Promise<string>;
  /**
   * The followed branch (and work tree) to `tip`, which is already in the store. A fresh clone's
   * objects stay in memory for the status read that follows (see letGo). `writeBehind`: a full
   * checkout is left to a worker thread, written once started, and this returns before (see written()).
   */
  moveTo(tip: string, writeBehind?: boolean): Promise<void>;
  /** The checkout moveTo left to a worker, until it is written: its files, and when they are on disk. */
  written(): Checkout | undefined;
  /** Starts a checkout left to its worker, if any, and waits for it (how it ended is logged where it ran). */
  settled(): Promise<void>;
  /** Lets go of the objects a fresh clone resolved: the status files were read from them. */
  letGo(): void;
  /** Our status commit landed on `branch`: record it (the work tree leaves the status folder out). */
  landed(branch: string, commit: string): Promise<void>;
  push(out: OutgoingCommit): Promise<PushOutcome>;
}

interface CloneState extends WorkCloneOptions {
  store: ObjectStore;
  cloned: boolean;
  /** The commit the work tree is known to match; unknown after a restart (then a full checkout). */
  workTreeAt: string | undefined;
  /** A checkout being written on a worker: everything that touches the work tree waits for it. */
  checkout?: Checkout;
}

/**
 * A checkout left to a worker: the manifests folder's files in memory, and the write (rejects
 * when it failed). The write begins with start(): the daemon calls it once its first cycle is
 * planned, so that the 12,000 files of a large fleet do not take a core from that cycle; any Git
 * operation that touches the work tree starts it first and waits for it.
 */
export interface Checkout {
  files: FolderInMemory;
  written: Promise<void>;
  start(): void;
}

export function workClone(opts: WorkCloneOptions): WorkClone {
  const state: CloneState = { ...opts, store: { gitdir: join(opts.workDir, '.git'), cache: {} }, cloned: false, workTreeAt: undefined };
  const { store, branch, layout, transport } = state;
  return {
    url: transport.url,
    store,
    branch,
    layout,
    dir: join(opts.workDir, ...layout.rootSegs),
    holds: (tip) => state.workTreeAt === tip,
    ready: () => state.cloned && state.workTreeAt !== undefined,
    ensure: () => ensureClone(state),
    // isomorphic-git writes one pack per fetch and never repacks; every object lookup then scans them all.
    compactIfNeeded: async () => {
      const packs = (await readdir(join(store.gitdir, 'objects', 'pack')).catch(() => [] as string[])).filter((f) => f.endsWith('.pack'));
      if (packs.length > opts.maxPacks) await cloneFresh(state, `re-cloned to compact ${packs.length} packs`);
    },
    tracked: (b) => readRef(store, `refs/remotes/origin/${b}`),
    local: () => readRef(store, `refs/heads/${branch}`),
    fetch: async (b) => {
      const tip = await transport.fetch(store, b);
      await writeRef(store, `refs/remotes/origin/${b}`, tip);
      return tip;
    },
    deepen: (by) => transport.deepen(store, branch, by),
    moveTo: (tip, writeBehind) => moveTo(state, tip, writeBehind ?? false),
    written: () => state.checkout,
    settled: () => settled(state),
    letGo: () => dropFetched(state.store.gitdir, state.store.cache),
    landed: (b, commit) => landed(state, b, commit),
    push: (out) => transport.push(store, out),
  };
}

async function ensureClone(state: CloneState): Promise<void> {
  const { workDir, transport } = state;
  if (state.cloned) return;
  if (existsSync(state.store.gitdir)) {
    const origin = await git.getConfig({ fs, dir: workDir, path: 'remote.origin.url' }).catch(() => undefined);
    if (origin !== transport.url) {
      throw new GitError('work-dir-conflict', `work dir ${workDir} holds a clone of ${origin ?? 'another repository'}, not ${transport.url}; pass another --work-dir`);
    }
    state.cloned = true;
    state.workTreeAt = await recordedWorkTree(state);
    return;
  }
  const existing = await readdir(workDir).catch(() => [] as string[]);
  if (existing.length > 0) throw new GitError('work-dir-conflict', `work dir ${workDir} is not empty and is not a gitset clone; pass another --work-dir`);
  await cloneFresh(state, 'cloned repository');
}

/** Clones beside the work dir, then swaps it in: a crash mid-clone never leaves a half clone to reuse. */
async function cloneFresh(state: CloneState, why: string): Promise<void> {
  await settled(state);
  const { workDir, branch, clock } = state;
  const partial = `${workDir}.partial-${process.pid}`;
  const old = `${workDir}.old-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(dirname(workDir), { recursive: true });
  const started = clock.now();
  await state.transport.clone(partial, branch).catch(async (err) => {
    await rm(partial, { recursive: true, force: true });
    throw err;
  });
  await rm(old, { recursive: true, force: true });
  if (existsSync(workDir)) await rename(workDir, old);
  await rename(partial, workDir);
  await rm(old, { recursive: true, force: true });
  state.store.cache = {};
  state.cloned = true;
  // Cloned without a checkout: the next move writes the work tree, our way (see moveTo).
  state.workTreeAt = undefined;
  state.log.info({ repo: state.transport.url, branch, workDir, ms: clock.now() - started }, why);
}

async function moveBranch(state: CloneState, commit: string): Promise<void> {
  await writeRef(state.store, `refs/heads/${state.branch}`, commit);
  await writeRef(state.store, `refs/remotes/origin/${state.branch}`, commit);
}

/** Waits for a checkout being written on a worker; how it ended is the business of whoever asked for it. */
async function settled(state: CloneState): Promise<void> {
  const checkout = state.checkout;
  if (!checkout) return;
  checkout.start();
  await checkout.written.catch(() => undefined);
  if (state.checkout === checkout) delete state.checkout;
}

async function moveTo(state: CloneState, tip: string, writeBehind: boolean): Promise<void> {
  await settled(state);
  const { store } = state;
  const from = state.workTreeAt;
  recordWorkTree(state, undefined);
  await moveBranch(state, tip);
  // Once we know what the work tree holds, write only what differs (a merged pull request
  // touches a few files of thousands); otherwise rewrite it all. The status folder is left out.
  const statusFolder = statusFolderSegs(state.layout).join('/');
  const leftOut = (path: string): boolean => path === statusFolder || path.startsWith(`${statusFolder}/`);
  try {
    if (from) {
      removeStatusFolder(state);
      await applyTreeChange(store, state.workDir, await commitTree(store, from), await commitTree(store, tip), leftOut);
    } else {
      const planned = await planWorkTree(store, await commitTree(store, tip), leftOut);
      const files = writeBehind ? inMemory(planned, state.layout.rootSegs.join('/')) : undefined;
      if (files) {
        let start = (): void => undefined;
        const started = new Promise<void>((resolve) => (start = resolve));
        const written = started.then(() => writePlannedOnWorker(state.workDir, planned)).then(() => moved(state, tip));
        written.catch((err: unknown) => state.log.warn({ err: err instanceof Error ? err.message : String(err), workDir: state.workDir }, 'work tree not written; the next pull writes it again'));
        state.checkout = { files, written, start };
        return;
      }
      writePlanned(state.workDir, planned);
    }
  } catch (err) {
    dropFetched(store.gitdir, store.cache);
    throw err;
  }
  moved(state, tip);
}

/**
 * The planned files below the manifests folder `root`, by path relative to it; undefined when a
 * committed link stands on that path, which the loader reads on disk as it always did.
 */
function inMemory(planned: PlannedTree, root: string): FolderInMemory | undefined {
  if (planned.links.some(([path]) => root === path || root.startsWith(`${path}/`))) return undefined;
  const below = (path: string): string | undefined => (root === '' ? path : path.startsWith(`${root}/`) ? path.slice(root.length + 1) : undefined);
  const files = new Map<string, Uint8Array>();
  for (const [path, start, end] of planned.files) {
    const rel = below(path);
    if (rel !== undefined) files.set(rel, planned.bytes.subarray(start, end));
  }
  return { files, links: planned.links.map(([path]) => below(path)).filter((p): p is string => p !== undefined) };
}

function moved(state: CloneState, tip: string): void {
  state.workTreeAt = tip;
  recordWorkTree(state, tip);
}

/**
 * The status folder an older gitset wrote into the work tree: nothing reads it, so it goes, but
 * never through a symbolic link on its path (a committed link could point anywhere).
 */
function removeStatusFolder(state: CloneState): void {
  const segs = statusFolderSegs(state.layout);
  if (symlinkOnPath(state.workDir, segs.slice(0, -1)) !== undefined) return;
  rmSync(join(state.workDir, ...segs), { recursive: true, force: true });
}

/**
 * Which commit the work tree holds is kept in `.git/gitset-worktree` across restarts: removed
 * before the work tree is touched, written once it holds the commit. Absent after a crash
 * mid-move, so the next start rewrites the work tree instead of trusting it.
 */
const WORK_TREE_RECORD = 'gitset-worktree';

function recordWorkTree(state: CloneState, commit: string | undefined): void {
  const file = join(state.store.gitdir, WORK_TREE_RECORD);
  if (commit === undefined) {
    rmSync(file, { force: true });
    return;
  }
  writeFileSync(`${file}.tmp`, `${commit}\n`);
  renameSync(`${file}.tmp`, file);
}

async function recordedWorkTree(state: CloneState): Promise<string | undefined> {
  let text: string;
  try {
    text = readFileSync(join(state.store.gitdir, WORK_TREE_RECORD), 'utf8').trim();
  } catch {
    return undefined;
  }
  return /^[0-9a-f]{40}$/.test(text) && (await hasCommit(state.store, text)) ? text : undefined;
}

/**
 * After our own status push only status files differ from the work tree, and the work tree leaves
 * them out: the commit is the work tree's as it is.
 */
async function landed(state: CloneState, branch: string, commit: string): Promise<void> {
  await settled(state);
  if (branch !== state.branch) {
    await writeRef(state.store, `refs/remotes/origin/${branch}`, commit);
    return;
  }
  recordWorkTree(state, undefined);
  await moveBranch(state, commit);
  state.workTreeAt = commit;
  recordWorkTree(state, commit);
}
