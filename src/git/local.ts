// A local repository path read in place (`--repo ./dir`). When it is a Git repository, status
// is committed to the checked-out branch (or the status branch) and never pushed; when it is a
// plain folder, the status files are just written.
import { createHash } from 'node:crypto';
import fs, { mkdirSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import git from 'isomorphic-git';
import { GitError } from './errors.ts';
import { statusCommit } from './push.ts';
import {
  DEFAULT_AUTHOR, realClock, serialized,
  type CommitMessage, type CommitStatusResult, type GitClock, type GitLogger, type PullResult, type Repo, type StatusFile,
} from './repo.ts';
import { folderSegments, readTextFiles, resolveRevision, statusFileSegments, type ObjectStore } from './tree.ts';

export interface LocalRepoOptions {
  path: string;
  rootSegs: string[];
  statusSegs: string[];
  statusBranch?: string;
  author?: { name: string; email: string };
  logger: GitLogger;
  clock?: GitClock;
}

export function openLocalRepo(opts: LocalRepoOptions): Repo {
  let info: fs.Stats | undefined;
  try {
    info = fs.statSync(opts.path);
  } catch {
    info = undefined;
  }
  if (!info?.isDirectory()) throw new GitError('path-not-found', `${opts.path}: no such folder`);
  // Only the folder itself counts as a repository root: a folder inside some other repository
  // (say, an example shipped inside a checkout) is treated as a plain folder, so gitset never
  // commits into a repository it was not pointed at.
  // A `.git` *file* (linked worktree, submodule) points elsewhere; isomorphic-git cannot commit
  // there safely, so such a checkout is handled like a plain folder (files written, no commit).
  const isGit = fs.statSync(join(opts.path, '.git'), { throwIfNoEntry: false })?.isDirectory() === true;
  if (!isGit && fs.existsSync(join(opts.path, '.git'))) {
    opts.logger.warn({ repo: opts.path }, 'linked worktree or submodule: status files are written but not committed');
  }
  const store: ObjectStore = { gitdir: join(opts.path, '.git'), cache: {} };
  const dir = join(opts.path, ...opts.rootSegs);
  const statusSegs = [...opts.rootSegs, ...opts.statusSegs];
  const statusDir = join(opts.path, ...statusSegs);
  const clock = opts.clock ?? realClock;
  const serial = serialized();
  let loaded: { revision: string; inputs: string } | undefined;

  async function head(): Promise<string | undefined> {
    return isGit ? git.resolveRef({ fs, gitdir: store.gitdir, ref: 'HEAD' }).catch(() => undefined) : undefined;
  }

  async function statusTip(): Promise<string | undefined> {
    if (!isGit) return undefined;
    if (opts.statusBranch) return git.resolveRef({ fs, gitdir: store.gitdir, ref: `refs/heads/${opts.statusBranch}` }).catch(() => undefined);
    return head();
  }

  async function pullNow(): Promise<PullResult> {
    const revision = (await head()) ?? 'working-tree';
    const inputs = await fingerprint(dir, statusDir);
    const changed = !loaded || loaded.inputs !== inputs;
    const revisionChanged = !loaded || loaded.revision !== revision;
    loaded = { revision, inputs };
    return { revision, revisionChanged, changed, inputsId: inputs, dir, forced: false };
  }

  async function commitNow(files: ReadonlyMap<string, string>, message: CommitMessage): Promise<CommitStatusResult> {
    const quiet: CommitStatusResult = { changed: false, committed: false, pushed: false, retries: 0, rerenders: 0 };
    if (isGit && opts.statusBranch) {
      const ref = `refs/heads/${opts.statusBranch}`;
      const base = await statusTip();
      const { commit } = await statusCommit(store, base, statusSegs, files, opts.author ?? DEFAULT_AUTHOR, message, clock.now());
      if (!commit) return quiet;
      await git.writeRef({ fs, gitdir: store.gitdir, ref, value: commit, force: true });
      opts.logger.info({ repo: opts.path, branch: opts.statusBranch, revision: commit }, `committed status: ${message.subject}`);
      return { ...quiet, changed: true, committed: true, revision: commit };
    }
    const written = await writeStatusFolder(statusDir, files);
    if (!isGit) return { ...quiet, changed: written.length > 0 };
    const branch = await git.currentBranch({ fs, gitdir: store.gitdir, fullname: true });
    if (!branch) {
      opts.logger.warn({ repo: opts.path }, 'HEAD is detached: status files written but not committed');
      return { ...quiet, changed: written.length > 0 };
    }
    // Re-read the branch right before moving it so a commit the user just made is built upon.
    for (let attempt = 0; attempt < 5; attempt++) {
      const base = await git.resolveRef({ fs, gitdir: store.gitdir, ref: branch }).catch(() => undefined);
      const { commit, changed } = await statusCommit(store, base, statusSegs, files, opts.author ?? DEFAULT_AUTHOR, message, clock.now());
      if (!commit) return { ...quiet, changed: written.length > 0 };
      const now = await git.resolveRef({ fs, gitdir: store.gitdir, ref: branch }).catch(() => undefined);
      if (now !== base) continue;
      await git.writeRef({ fs, gitdir: store.gitdir, ref: branch, value: commit, force: true });
      await syncIndex(changed.map((p) => [...statusSegs, p].join('/')));
      opts.logger.info({ repo: opts.path, branch, revision: commit }, `committed status: ${message.subject}`);
      return { ...quiet, changed: true, committed: true, revision: commit };
    }
    throw new GitError('push-conflict', `${opts.path}: the branch kept moving while gitset committed status; will try again next cycle`);
  }

  /** Stages exactly the status paths that changed, so `git status` stays clean after our commit. */
  async function syncIndex(changed: readonly string[]): Promise<void> {
    const present = changed.filter((p) => fs.existsSync(join(opts.path, ...p.split('/'))));
    if (present.length) await git.add({ fs, dir: opts.path, filepath: present, cache: store.cache });
    for (const path of changed) if (!present.includes(path)) await git.remove({ fs, dir: opts.path, filepath: path, cache: store.cache });
  }

  return {
    kind: isGit ? 'local-git' : 'local-folder',
    displayUrl: opts.path,
    dir,
    statusPath: statusSegs.join('/'),
    pull: () => serial(pullNow),
    readStatusFiles: () =>
      serial(async () => {
        const tip = await statusTip();
        if (tip) return readTextFiles(store, tip, statusSegs);
        return isGit && opts.statusBranch ? [] : readFolder(statusDir);
      }),
    commitStatus: (files, message) => serial(() => commitNow(files, message)),
    readFilesAt: (revision, sub) =>
      serial(async () => {
        const segs = sub === undefined ? statusSegs : [...opts.rootSegs, ...folderSegments(sub)];
        if (!isGit) {
          if (revision !== 'working-tree' && revision !== 'HEAD') throw new GitError('revision-not-found', `${opts.path} is not a Git repository: only the working tree can be read`);
          return readFolder(join(opts.path, ...segs));
        }
        const oid = await resolveRevision(store, revision);
        return readTextFiles(store, oid, segs).catch((err) => {
          throw new GitError('revision-not-found', `revision "${revision}" not found in ${opts.path}`, { cause: err });
        });
      }),
    close: async () => {
      await serial(async () => undefined);
    },
  };
}

/** Cheap identity of the inputs on disk: paths, sizes and mtimes outside .git and the status folder. */
export async function fingerprint(root: string, statusDir: string): Promise<string> {
  const hash = createHash('sha1');
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.name === '.git' || p === statusDir) continue;
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const s = await stat(p).catch(() => undefined);
        if (s) hash.update(`${p}\0${s.size}\0${s.mtimeMs}\n`);
      }
    }
  };
  await walk(root);
  return hash.digest('hex');
}

/** Files below a folder on disk, relative paths sorted; empty when the folder is absent. */
export async function readFolder(root: string): Promise<StatusFile[]> {
  const out: StatusFile[] = [];
  const walk = async (d: string, prefix: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(d, e.name), rel);
      else if (e.isFile()) out.push({ path: rel, text: await readFile(join(d, e.name), 'utf8') });
    }
  };
  await walk(root, '');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Makes the status folder on disk hold exactly `files`; returns the paths written or deleted. */
export async function writeStatusFolder(statusDir: string, files: ReadonlyMap<string, string>): Promise<string[]> {
  for (const path of files.keys()) statusFileSegments(path); // all checked before anything is written
  const existing = new Map((await readFolder(statusDir)).map((f) => [f.path, f.text]));
  const changed = [...files].filter(([path, text]) => existing.get(path) !== text).map(([path]) => path);
  for (const path of existing.keys()) if (!files.has(path)) changed.push(path);
  writeChangedStatusFiles(statusDir, files, changed);
  return changed;
}

/**
 * Writes (or deletes) just the listed status files, paths relative to the status folder.
 * Synchronous for the same reason as the loose-object writes: thousands of small files.
 */
export function writeChangedStatusFiles(statusDir: string, files: ReadonlyMap<string, string>, changed: readonly string[]): void {
  const made = new Set<string>();
  for (const path of changed) {
    const target = join(statusDir, ...statusFileSegments(path));
    const text = files.get(path);
    if (text === undefined) {
      unlinkQuiet(target);
      for (let d = dirname(target); d.startsWith(statusDir) && d !== statusDir; d = dirname(d)) {
        try {
          rmdirSync(d);
        } catch {
          break; // not empty
        }
      }
    } else {
      const parent = dirname(target);
      if (!made.has(parent)) mkdirSync(parent, { recursive: true });
      made.add(parent);
      // Unlink first: on ext4, truncating and rewriting an existing file forces its blocks out
      // at close (auto_da_alloc), ~10× slower than writing a fresh file.
      unlinkQuiet(target);
      writeFileSync(target, text);
    }
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
