// The status folder as committed on another branch or ref (`gitset plan --status-branch`), read
// from the objects of the repository around a folder: no checkout, no network. Committed symbolic
// links are listed, never followed, as `readStatusFolder` does on disk.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { StatusFile } from '../model/ports.ts';
import { GitError } from './errors.ts';
import { folderSegments } from './paths.ts';
import { commitTree, readBlob, resolveRevision, treeEntries, type ObjectStore } from './store.ts';

export interface StatusAtRef {
  /** The commit the ref names. */
  revision: string;
  /** `*.yaml`/`*.yml` files below the status folder, paths relative to it, sorted. */
  files: StatusFile[];
  /** Symbolic links met (paths relative to the folder; `.` when the folder itself is one). */
  links: string[];
}

const LINK_MODE = '120000';

/**
 * The status folder (`statusDir`, relative to the manifests folder `dir`) in the commit `ref`
 * names, in the Git repository holding `dir`. `ref` is resolved as git does (`gitset-status`,
 * `origin/gitset-status`, `refs/…`, a commit id), then as `origin/<ref>`. Throws GitError
 * `path-not-found` outside a repository, `revision-not-found` for a ref that names no commit.
 */
export async function readStatusAtRef(opts: { dir: string; statusDir: string; ref: string }): Promise<StatusAtRef> {
  const dir = realpathSync(resolve(opts.dir));
  const root = enclosingRoot(dir);
  const store: ObjectStore = { gitdir: objectsDir(root), cache: {} };
  const inRepo = relative(root, dir).split(sep).filter((s) => s !== '');
  const segs = [...inRepo, ...folderSegments(opts.statusDir)];
  if (isAbsolute(opts.statusDir) || segs.length === inRepo.length) {
    throw new GitError('invalid-status-path', `--status-dir "${opts.statusDir}" must be a folder inside the repository`);
  }
  let revision: string;
  let tree: string;
  try {
    revision = await resolveRevision(store, opts.ref);
    tree = await commitTree(store, revision);
  } catch (err) {
    throw new GitError('revision-not-found', `"${opts.ref}" names no branch, ref or commit of the repository at ${root} (fetch it first, e.g. git fetch origin ${opts.ref}:refs/remotes/origin/${opts.ref})`, { cause: err });
  }
  const out: StatusAtRef = { revision, files: [], links: [] };
  const folder = await folderAt(store, tree, segs);
  if (folder === 'link') out.links.push('.');
  else if (folder) await walk(store, folder, '', out);
  out.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  out.links.sort();
  return out;
}

/** The nearest folder at or above `dir` holding a `.git`. */
function enclosingRoot(dir: string): string {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, '.git'))) return at;
    if (dirname(at) === at) throw new GitError('path-not-found', `${dir} is not inside a Git repository, so a status branch cannot be read`);
  }
}

/**
 * Where the repository's objects and refs are: `.git`, or for a linked worktree (a `.git` file
 * saying `gitdir: …`) the common folder of the main checkout, which holds every branch.
 */
function objectsDir(root: string): string {
  const dotGit = join(root, '.git');
  if (statSync(dotGit).isDirectory()) return dotGit;
  const line = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'));
  if (!line) throw new GitError('path-not-found', `${dotGit} is neither a folder nor a "gitdir:" file`);
  const gitdir = resolve(root, line[1]!.trim());
  const common = join(gitdir, 'commondir');
  return existsSync(common) ? resolve(gitdir, readFileSync(common, 'utf8').trim()) : gitdir;
}

/** The tree at `segs`, `link` when one of them is a symbolic link, undefined when absent or a file. */
async function folderAt(store: ObjectStore, tree: string, segs: readonly string[]): Promise<string | 'link' | undefined> {
  let current = tree;
  for (const seg of segs) {
    const entry = (await treeEntries(store, current)).find((e) => e.path === seg);
    if (entry?.mode === LINK_MODE) return 'link';
    if (!entry || entry.type !== 'tree') return undefined;
    current = entry.oid;
  }
  return current;
}

async function walk(store: ObjectStore, tree: string, prefix: string, out: StatusAtRef): Promise<void> {
  for (const e of await treeEntries(store, tree)) {
    const path = prefix ? `${prefix}/${e.path}` : e.path;
    if (e.mode === LINK_MODE) out.links.push(path);
    else if (e.type === 'tree') await walk(store, e.oid, path, out);
    else if (e.type === 'blob' && /\.ya?ml$/.test(e.path)) out.files.push({ path, text: Buffer.from(await readBlob(store, e.oid)).toString('utf8') });
  }
}
