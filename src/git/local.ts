// A local repository path read in place (`--repo ./dir`). When it is a Git repository, status
// is committed to the checked-out branch (or the status branch) and never pushed; when it is a
// plain folder, the status files are just written.
import fs from 'node:fs';
import { join } from 'node:path';
import git from 'isomorphic-git';
import type { CommitMessage, CommitStatusResult, PullResult, Repo, StatusFile } from '../model/ports.ts';
import { GitError } from './errors.ts';
import { historyReader } from './history.ts';
import { layoutSegs, statusFolderSegs, type RepoLayout } from './paths.ts';
import { DEFAULT_AUTHOR, realClock, serialized, type Author, type GitClock, type GitLogger } from './repo.ts';
import { statusCommit } from './status-commit.ts';
import { fingerprint, readFolder, symlinkOnPath, writeStatusFolder } from './status-folder.ts';
import { readRef, readTextFiles, resolveRevision, writeRef, type ObjectStore } from './store.ts';

export interface LocalRepoOptions extends RepoLayout {
  path: string;
  statusBranch?: string;
  author?: Author;
  logger: GitLogger;
  clock?: GitClock;
}

/** A local repository: where its files and objects are and what a status commit is made of. */
interface LocalRepo {
  path: string;
  isGit: boolean;
  store: ObjectStore;
  /** The status folder's segments from the repository root. */
  statusSegs: string[];
  statusDir: string;
  statusBranch: string | undefined;
  author: Author;
  clock: GitClock;
  log: GitLogger;
}

const QUIET: CommitStatusResult = { changed: false, committed: false, pushed: false, retries: 0, rerenders: 0 };

export function openLocalRepo(opts: LocalRepoOptions): Repo {
  const layout: RepoLayout = { rootSegs: opts.rootSegs, statusSegs: opts.statusSegs };
  const statusSegs = statusFolderSegs(layout);
  const local: LocalRepo = {
    path: opts.path, isGit: isGitRoot(opts.path, opts.logger), store: { gitdir: join(opts.path, '.git'), cache: {} },
    statusSegs, statusDir: join(opts.path, ...statusSegs), statusBranch: opts.statusBranch,
    author: opts.author ?? DEFAULT_AUTHOR, clock: opts.clock ?? realClock, log: opts.logger,
  };
  const { store, isGit } = local;
  const dir = join(opts.path, ...opts.rootSegs);
  const serial = serialized();
  let loaded: { revision: string; inputs: string } | undefined;
  const pullNow = async (): Promise<PullResult> => {
    const revision = (await head(local)) ?? 'working-tree';
    const inputs = await fingerprint(dir, local.statusDir);
    const changed = !loaded || loaded.inputs !== inputs;
    const revisionChanged = !loaded || loaded.revision !== revision;
    loaded = { revision, inputs };
    return { revision, revisionChanged, changed, inputsId: inputs, dir, forced: false };
  };
  return {
    kind: isGit ? 'local-git' : 'local-folder',
    displayUrl: opts.path,
    dir,
    statusPath: statusSegs.join('/'),
    pull: () => serial(pullNow),
    readStatusFiles: () => serial(() => readStatusFiles(local)),
    commitStatus: (files, message) => serial(() => commitStatus(local, files, message)),
    readFilesAt: (revision, sub) => serial(() => readFilesAt(local, revision, layoutSegs(layout, sub))),
    ...historyReader({
      store,
      layout,
      tip: async () => {
        const tip = await head(local);
        if (!tip) throw new GitError('revision-not-found', `${opts.path} ${isGit ? 'has no commit yet' : 'is not a Git repository: it has no history'}`);
        return tip;
      },
    }),
    close: async () => {
      await serial(async () => undefined);
    },
  };
}

async function head(local: LocalRepo): Promise<string | undefined> {
  return local.isGit ? readRef(local.store, 'HEAD') : undefined;
}

async function readStatusFiles(local: LocalRepo): Promise<StatusFile[]> {
  if (!local.isGit) return readStatusFolder(local);
  const tip = local.statusBranch ? await readRef(local.store, `refs/heads/${local.statusBranch}`) : await head(local);
  if (tip) return readTextFiles(local.store, tip, local.statusSegs);
  return local.statusBranch ? [] : readStatusFolder(local);
}

/** The status folder on disk; nothing when it is reached through a symbolic link. */
async function readStatusFolder(local: LocalRepo): Promise<StatusFile[]> {
  const link = symlinkOnPath(local.path, local.statusSegs);
  if (link === undefined) return readFolder(local.statusDir);
  local.log.warn({ repo: local.path, link }, 'the status folder is a symbolic link: not read, and nothing is written through it');
  return [];
}

async function readFilesAt(local: LocalRepo, revision: string, segs: string[]): Promise<StatusFile[]> {
  if (!local.isGit) {
    if (revision !== 'working-tree' && revision !== 'HEAD') throw new GitError('revision-not-found', `${local.path} is not a Git repository: only the working tree can be read`);
    return readFolder(join(local.path, ...segs));
  }
  const oid = await resolveRevision(local.store, revision);
  return readTextFiles(local.store, oid, segs).catch((err) => {
    throw new GitError('revision-not-found', `revision "${revision}" not found in ${local.path}`, { cause: err });
  });
}

async function commitStatus(local: LocalRepo, files: ReadonlyMap<string, string>, message: CommitMessage): Promise<CommitStatusResult> {
  if (local.isGit && local.statusBranch) return commitToBranch(local, `refs/heads/${local.statusBranch}`, files, message);
  const written = await writeStatusFolder(local.path, local.statusSegs, files);
  if (!local.isGit) return { ...QUIET, changed: written.length > 0 };
  return commitCheckedOut(local, files, message, written.length > 0);
}

/**
 * Only the folder itself counts as a repository root: a folder inside some other repository (say,
 * an example shipped inside a checkout) is treated as a plain folder, so gitset never commits into
 * a repository it was not pointed at. A `.git` *file* (linked worktree, submodule) points
 * elsewhere; isomorphic-git cannot commit there safely, so such a checkout is handled like a
 * plain folder (files written, no commit). Throws GitError `path-not-found`.
 */
function isGitRoot(path: string, log: GitLogger): boolean {
  let info: fs.Stats | undefined;
  try {
    info = fs.statSync(path);
  } catch {
    info = undefined;
  }
  if (!info?.isDirectory()) throw new GitError('path-not-found', `${path}: no such folder`);
  const isGit = fs.statSync(join(path, '.git'), { throwIfNoEntry: false })?.isDirectory() === true;
  if (!isGit && fs.existsSync(join(path, '.git'))) log.warn({ repo: path }, 'linked worktree or submodule: status files are written but not committed');
  return isGit;
}

/** A status commit on `ref` (the status branch), nothing written to the work tree. */
async function commitToBranch(local: LocalRepo, ref: string, files: ReadonlyMap<string, string>, message: CommitMessage): Promise<CommitStatusResult> {
  const base = await readRef(local.store, ref);
  const { commit } = await statusCommit(local.store, { base, statusSegs: local.statusSegs, files, author: local.author, message, nowMs: local.clock.now() });
  if (!commit) return QUIET;
  await writeRef(local.store, ref, commit);
  local.log.info({ repo: local.path, branch: ref.slice('refs/heads/'.length), revision: commit }, `committed status: ${message.subject}`);
  return { ...QUIET, changed: true, committed: true, revision: commit };
}

/** A status commit on the checked-out branch, whose status folder on disk already holds `files`. */
async function commitCheckedOut(local: LocalRepo, files: ReadonlyMap<string, string>, message: CommitMessage, written: boolean): Promise<CommitStatusResult> {
  const { store } = local;
  const branch = await git.currentBranch({ fs, gitdir: store.gitdir, fullname: true });
  if (!branch) {
    local.log.warn({ repo: local.path }, 'HEAD is detached: status files written but not committed');
    return { ...QUIET, changed: written };
  }
  // Re-read the branch right before moving it so a commit the user just made is built upon.
  for (let attempt = 0; attempt < 5; attempt++) {
    const base = await readRef(store, branch);
    const { commit, changed } = await statusCommit(store, { base, statusSegs: local.statusSegs, files, author: local.author, message, nowMs: local.clock.now() });
    if (!commit) return { ...QUIET, changed: written };
    if ((await readRef(store, branch)) !== base) continue;
    await writeRef(store, branch, commit);
    await syncIndex(local, changed.map((p) => [...local.statusSegs, p].join('/')));
    local.log.info({ repo: local.path, branch, revision: commit }, `committed status: ${message.subject}`);
    return { ...QUIET, changed: true, committed: true, revision: commit };
  }
  throw new GitError('push-conflict', `${local.path}: the branch kept moving while gitset committed status; will try again next cycle`);
}

/** Stages exactly the status paths that changed, so `git status` stays clean after our commit. */
async function syncIndex(local: LocalRepo, changed: readonly string[]): Promise<void> {
  const present = changed.filter((p) => fs.existsSync(join(local.path, ...p.split('/'))));
  if (present.length) await git.add({ fs, dir: local.path, filepath: present, cache: local.store.cache });
  for (const path of changed) if (!present.includes(path)) await git.remove({ fs, dir: local.path, filepath: path, cache: local.store.cache });
}
