// Trees built and compared without a work tree or index: the status folder made a tree, a root
// tree with only the status folder replaced, the paths two trees differ in. Status commits are
// made from these, so nothing outside the status folder can end up in one by construction.
import type { TreeEntry } from 'isomorphic-git';
import { GitError } from './errors.ts';
import { ObjectBatch, blobOid, encodeTree } from './objects.ts';
import { statusFileSegments, type RepoLayout } from './paths.ts';
import { commitTree, subtreeAt, treeEntries, type ObjectStore } from './store.ts';

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbef4904';

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
export function writeFilesTree(batch: ObjectBatch, files: ReadonlyMap<string, string>, current: ReadonlyMap<string, string>, carried?: ReadonlyMap<string, string>): FilesTree {
  type Dir = { files: Map<string, string>; dirs: Map<string, Dir> };
  const root: Dir = { files: new Map(), dirs: new Map() };
  const known = new Set(current.values());
  const changed: string[] = [];
  const place = (path: string, oid: string): void => {
    const segs = statusFileSegments(path);
    let dir = root;
    for (const seg of segs.slice(0, -1)) {
      let next = dir.dirs.get(seg);
      if (!next) dir.dirs.set(seg, (next = { files: new Map(), dirs: new Map() }));
      dir = next;
    }
    dir.files.set(segs[segs.length - 1]!, oid);
  };
  for (const [path, text] of files) {
    const blob = Buffer.from(text, 'utf8');
    const oid = blobOid(blob);
    if (!known.has(oid)) batch.add('blob', blob);
    if (current.get(path) !== oid) changed.push(path);
    place(path, oid);
  }
  // Files another writer owns (another shard's): kept as the base has them, by oid.
  for (const [path, oid] of carried ?? []) if (!files.has(path)) place(path, oid);
  for (const path of current.keys()) if (!files.has(path) && !carried?.has(path)) changed.push(path);
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
  const entries = tree ? await treeEntries(store, tree) : [];
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
 * subtrees with equal oids: cheap even for large repositories when a merge changed a few files. Paths
 * `leftOut` names are skipped, and not descended into.
 */
export async function changedPaths(store: ObjectStore, from: string, to: string, leftOut: (path: string) => boolean, prefix = ''): Promise<string[]> {
  if (from === to) return [];
  const a = new Map((await treeEntries(store, from)).map((e) => [e.path, e]));
  const b = new Map((await treeEntries(store, to)).map((e) => [e.path, e]));
  const out: string[] = [];
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(name);
    const y = b.get(name);
    if (x?.oid === y?.oid && x?.mode === y?.mode) continue;
    const path = prefix ? `${prefix}/${name}` : name;
    if (leftOut(path)) continue;
    if (x?.type === 'tree' && y?.type === 'tree') out.push(...(await changedPaths(store, x.oid, y.oid, leftOut, path)));
    else out.push(path);
  }
  return out;
}

/**
 * Identity of the inputs of a commit: the tree of the loading root with the status folder taken
 * out. Two commits that differ only inside the status folder get the same value, which is what
 * keeps gitset's own status commits from triggering a reconcile.
 */
export async function inputsTreeOid(store: ObjectStore, commitOid: string, layout: RepoLayout): Promise<string> {
  const root = await subtreeAt(store, await commitTree(store, commitOid), layout.rootSegs);
  if (!root) return EMPTY_TREE;
  // Only the oid is wanted: the trees are hashed, never stored.
  return replaceSubtree(store, new ObjectBatch(), root, layout.statusSegs, undefined);
}
