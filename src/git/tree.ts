// Object-level Git operations: reading files out of a commit and building a new tree where only
// the status folder differs. Status commits are made here, from trees, never from the working
// tree or index, so nothing outside the status folder can end up in one by construction.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import git, { type TreeEntry } from 'isomorphic-git';
import { GitError } from './errors.ts';
import { ObjectBatch, encodeTree } from './pack.ts';

export interface ObjectStore {
  gitdir: string;
  /** isomorphic-git's cache object, shared between calls for pack-index reuse. */
  cache: object;
}

export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbef4904';

/** Splits and checks a repository-relative folder path (`''` is the root). */
export function folderSegments(path: string | undefined): string[] {
  const segs = (path ?? '').split('/').filter((s) => s !== '' && s !== '.');
  if (segs.some((s) => s === '..')) throw new GitError('invalid-status-path', `path "${path}" must stay inside the repository`);
  return segs;
}

/** Checks a status file path relative to the status folder: no escape, no empty segment. */
export function statusFileSegments(path: string): string[] {
  const segs = path.split('/');
  if (path.startsWith('/') || path.includes('\\') || segs.some((s) => s === '' || s === '.' || s === '..' || s === '.git')) {
    throw new GitError('invalid-status-path', `status file path "${path}" must be a relative path inside the status folder`);
  }
  return segs;
}

export async function commitTree(store: ObjectStore, commitOid: string): Promise<string> {
  const { commit } = await git.readCommit({ fs, ...store, oid: commitOid });
  return commit.tree;
}

async function readEntries(store: ObjectStore, treeOid: string): Promise<TreeEntry[]> {
  return (await git.readTree({ fs, ...store, oid: treeOid })).tree;
}

/** The tree at `segs` below `treeOid`, or undefined when that path is absent or not a folder. */
export async function subtreeAt(store: ObjectStore, treeOid: string, segs: readonly string[]): Promise<string | undefined> {
  let current = treeOid;
  for (const seg of segs) {
    const entry = (await readEntries(store, current)).find((e) => e.path === seg);
    if (!entry || entry.type !== 'tree') return undefined;
    current = entry.oid;
  }
  return current;
}

/** Every blob below a tree, as relative path → blob oid. */
export async function listBlobs(store: ObjectStore, treeOid: string | undefined, prefix = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!treeOid) return out;
  for (const e of await readEntries(store, treeOid)) {
    const p = prefix ? `${prefix}/${e.path}` : e.path;
    if (e.type === 'tree') for (const [k, v] of await listBlobs(store, e.oid, p)) out.set(k, v);
    else if (e.type === 'blob') out.set(p, e.oid);
  }
  return out;
}

/** The text of every file below `segs` in a commit, sorted by path (empty when the folder is absent). */
export async function readTextFiles(store: ObjectStore, commitOid: string, segs: readonly string[]): Promise<Array<{ path: string; text: string }>> {
  const tree = await subtreeAt(store, await commitTree(store, commitOid), segs);
  const blobs = await listBlobs(store, tree);
  const out: Array<{ path: string; text: string }> = [];
  for (const [path, oid] of [...blobs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const { blob } = await git.readBlob({ fs, ...store, oid });
    out.push({ path, text: Buffer.from(blob).toString('utf8') });
  }
  return out;
}

/** The oid git gives `content` as a blob. */
export function blobOid(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

export interface FilesTree {
  /** Undefined for no files. */
  tree: string | undefined;
  /** Paths (relative to the folder) added, modified or removed compared with `current`. */
  changed: string[];
}

/**
 * Makes the given files a tree, its new objects added to `batch` (stored by the caller). Blobs
 * already in `current` (path → oid of the committed folder) are left out: a quiet cycle hashes,
 * but adds nothing.
 */
export function writeFilesTree(batch: ObjectBatch, files: ReadonlyMap<string, string>, current: ReadonlyMap<string, string>): FilesTree {
  type Dir = { files: Map<string, string>; dirs: Map<string, Dir> };
  const root: Dir = { files: new Map(), dirs: new Map() };
  const known = new Set(current.values());
  const changed: string[] = [];
  for (const [path, text] of files) {
    const segs = statusFileSegments(path);
    let dir = root;
    for (const seg of segs.slice(0, -1)) {
      let next = dir.dirs.get(seg);
      if (!next) dir.dirs.set(seg, (next = { files: new Map(), dirs: new Map() }));
      dir = next;
    }
    const name = segs[segs.length - 1]!;
    const blob = Buffer.from(text, 'utf8');
    const oid = blobOid(blob);
    if (!known.has(oid)) batch.add('blob', blob);
    if (current.get(path) !== oid) changed.push(path);
    dir.files.set(name, oid);
  }
  for (const path of current.keys()) if (!files.has(path)) changed.push(path);
  const write = (dir: Dir): string | undefined => {
    const entries: TreeEntry[] = [];
    for (const [name, oid] of dir.files) entries.push({ mode: '100644', path: name, oid, type: 'blob' });
    for (const [name, sub] of dir.dirs) {
      if (dir.files.has(name)) throw new GitError('invalid-status-path', `status path "${name}" is both a file and a folder`);
      const oid = write(sub);
      if (oid) entries.push({ mode: '040000', path: name, oid, type: 'tree' });
    }
    return entries.length ? batch.add('tree', encodeTree(entries)) : undefined;
  };
  return { tree: write(root), changed };
}

/**
 * A copy of `rootTree` with the folder at `segs` replaced by `subtree` (removed when undefined);
 * the new trees go to `batch`. Every other entry is carried over by oid, untouched. Empty parent
 * folders are dropped.
 */
export async function replaceSubtree(store: ObjectStore, batch: ObjectBatch, rootTree: string | undefined, segs: readonly string[], subtree: string | undefined): Promise<string> {
  const replaced = await replaceIn(store, batch, rootTree, segs, subtree);
  return replaced ?? batch.add('tree', Buffer.alloc(0));
}

async function replaceIn(store: ObjectStore, batch: ObjectBatch, tree: string | undefined, segs: readonly string[], subtree: string | undefined): Promise<string | undefined> {
  if (segs.length === 0) return subtree;
  const [head, ...rest] = segs as [string, ...string[]];
  const entries = tree ? await readEntries(store, tree) : [];
  const existing = entries.find((e) => e.path === head);
  if (existing && existing.type !== 'tree') {
    throw new GitError('invalid-status-path', `"${head}" is a file in the repository where the status folder should be; gitset will not replace it`);
  }
  const child = await replaceIn(store, batch, existing?.type === 'tree' ? existing.oid : undefined, rest, subtree);
  const kept = entries.filter((e) => e.path !== head);
  if (child) kept.push({ mode: '040000', path: head, oid: child, type: 'tree' });
  if (kept.length === 0) return undefined;
  if (existing?.oid === child && existing?.type === 'tree') return tree;
  return batch.add('tree', encodeTree(kept));
}

/**
 * Paths that differ between two trees (a whole folder when it was added or removed), skipping
 * subtrees with equal oids: cheap even for large repositories when a merge changed a few files.
 */
export async function changedPaths(store: ObjectStore, from: string, to: string, prefix = ''): Promise<string[]> {
  if (from === to) return [];
  const a = new Map((await readEntries(store, from)).map((e) => [e.path, e]));
  const b = new Map((await readEntries(store, to)).map((e) => [e.path, e]));
  const out: string[] = [];
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(name);
    const y = b.get(name);
    if (x?.oid === y?.oid && x?.mode === y?.mode) continue;
    const path = prefix ? `${prefix}/${name}` : name;
    if (x?.type === 'tree' && y?.type === 'tree') out.push(...(await changedPaths(store, x.oid, y.oid, path)));
    else out.push(path);
  }
  return out;
}

/**
 * Identity of the inputs of a commit: the tree of the loading root with the status folder taken
 * out. Two commits that differ only inside the status folder get the same value, which is what
 * keeps gitset's own status commits from triggering a reconcile.
 */
export async function inputsTreeOid(store: ObjectStore, commitOid: string, rootSegs: readonly string[], statusSegs: readonly string[]): Promise<string> {
  const root = await subtreeAt(store, await commitTree(store, commitOid), rootSegs);
  if (!root) return EMPTY_TREE;
  // Only the oid is wanted: the trees are hashed, never stored.
  return replaceSubtree(store, new ObjectBatch(), root, statusSegs, undefined);
}

/** Resolves a full or abbreviated commit oid, or a branch/tag/ref name, to a commit oid. */
export async function resolveRevision(store: ObjectStore, revision: string): Promise<string> {
  try {
    if (/^[0-9a-f]{40}$/i.test(revision)) return revision.toLowerCase();
    if (/^[0-9a-f]{4,39}$/i.test(revision)) {
      try {
        return await git.expandOid({ fs, ...store, oid: revision.toLowerCase() });
      } catch {
        // not an abbreviation of an object we have; maybe a ref name made of hex digits
      }
    }
    for (const ref of [revision, `refs/remotes/origin/${revision}`]) {
      try {
        return await git.resolveRef({ fs, gitdir: store.gitdir, ref });
      } catch {
        // try the next spelling
      }
    }
  } catch (err) {
    throw new GitError('revision-not-found', `revision "${revision}" not found`, { cause: err });
  }
  throw new GitError('revision-not-found', `revision "${revision}" not found`);
}
