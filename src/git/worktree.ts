// Bringing the clone's work tree from one commit to the next by writing only what differs.
// isomorphic-git's checkout, even limited to a few paths, reads and rewrites the whole index
// (~250 ms for 22,000 files) for a merged pull request that changed one file. The index is
// left to lag, as for our own status commits: nothing but gitset reads this work tree, and a
// full checkout (after a restart) rewrites whatever the index no longer describes. The status
// folder is left out: gitset reads status from Git objects, and a fresh clone at 10k clusters
// then writes 12,000 files instead of 24,000.
import { lstatSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TreeEntry } from 'isomorphic-git';
import { GitError } from './errors.ts';
import { readBlob, treeEntries, type ObjectStore } from './store.ts';
import { changedPaths } from './tree.ts';
import type { PlannedTree } from './write-worker.ts';

/** Names git itself refuses to check out: nothing may land outside the folder or in `.git`. */
function safeSegments(path: string): string[] {
  const segs = path.split('/');
  if (segs.some((s) => s === '' || s === '.' || s === '..' || s.toLowerCase() === '.git' || s.includes('\\'))) {
    throw new GitError('invalid-status-path', `the repository holds a path git will not check out: "${path}"`);
  }
  return segs;
}

/** Never write through a symlink: every folder above the target must be a real folder (or absent). */
function assertNoSymlinkAbove(dir: string, segs: readonly string[], checked: Set<string>): void {
  let at = dir;
  for (const seg of segs.slice(0, -1)) {
    at = join(at, seg);
    if (checked.has(at)) continue;
    const st = lstatSync(at, { throwIfNoEntry: false });
    if (!st) return;
    if (!st.isDirectory()) rmSync(at, { force: true });
    checked.add(at);
  }
}

async function entryAt(store: ObjectStore, tree: string, segs: readonly string[]): Promise<TreeEntry | undefined> {
  let entry: TreeEntry | undefined = { mode: '040000', path: '', oid: tree, type: 'tree' };
  for (const seg of segs) {
    if (entry.type !== 'tree') return undefined;
    entry = (await treeEntries(store, entry.oid)).find((e) => e.path === seg);
    if (!entry) return undefined;
  }
  return entry;
}

/**
 * Paths the work tree leaves out (repository-relative; a folder's path leaves out all below it):
 * the status folder, which gitset reads from Git objects and never from disk.
 */
export type LeftOut = (path: string) => boolean;

/** `parentMade`: the folder above `target` was just made (a full write): no mkdir per file. */
async function writeEntry(store: ObjectStore, target: string, entry: TreeEntry, rel: string, leftOut: LeftOut, parentMade = false): Promise<void> {
  if (leftOut(rel)) return;
  switch (entry.type) {
    case 'blob': {
      if (!parentMade) mkdirSync(dirname(target), { recursive: true });
      const blob = await readBlob(store, entry.oid);
      if (entry.mode === '120000') symlinkSync(Buffer.from(blob).toString('utf8'), target);
      else writeFileSync(target, blob, { mode: entry.mode === '100755' ? 0o777 : 0o666 });
      return;
    }
    case 'tree': {
      mkdirSync(target, { recursive: true });
      for (const e of await treeEntries(store, entry.oid)) {
        safeSegments(e.path);
        await writeEntry(store, join(target, e.path), e, `${rel}/${e.path}`, leftOut, true);
      }
      return;
    }
    case 'commit':
      // A submodule: git leaves an empty folder where it is not initialised.
      mkdirSync(target, { recursive: true });
      return;
    default: {
      const never: never = entry.type;
      throw new Error(`unexpected tree entry type ${String(never)}`);
    }
  }
}

/**
 * Makes the work tree at `dir`, which holds `fromTree`, hold `toTree` but what is left out: each
 * differing path is removed and written anew (unlinking first is also the fast way to replace a
 * file on ext4). Returns the paths written or removed.
 */
export async function applyTreeChange(store: ObjectStore, dir: string, fromTree: string, toTree: string, leftOut: LeftOut): Promise<string[]> {
  const paths = await changedPaths(store, fromTree, toTree, leftOut);
  const checked = new Set<string>();
  for (const path of paths) {
    const segs = safeSegments(path);
    assertNoSymlinkAbove(dir, segs, checked);
    const target = join(dir, ...segs);
    rmSync(target, { recursive: true, force: true });
    const entry = await entryAt(store, toTree, segs);
    if (entry) await writeEntry(store, target, entry, path, leftOut);
  }
  return paths;
}

/**
 * What makes the work tree hold exactly `tree` (but what is left out) when what it holds is
 * unknown (a fresh clone, a move cut short): every name checked, the files' bytes in one buffer of
 * their own; write-worker.ts empties the folder but for `.git` and writes it. Costs a full write,
 * but only then: isomorphic-git's checkout goes by the index, which lags (see above), so it would
 * leave files that a later commit deleted.
 */
export async function planWorkTree(store: ObjectStore, tree: string, leftOut: LeftOut): Promise<PlannedTree> {
  const planned: Omit<PlannedTree, 'bytes'> = { dirs: [], files: [], links: [] };
  const blobs: Uint8Array[] = [];
  let size = 0;
  const walk = async (oid: string, prefix: string): Promise<void> => {
    for (const e of await treeEntries(store, oid)) {
      safeSegments(e.path);
      const rel = prefix ? `${prefix}/${e.path}` : e.path;
      if (leftOut(rel)) continue;
      if (e.type === 'tree') {
        planned.dirs.push(rel);
        await walk(e.oid, rel);
      } else if (e.type === 'commit') {
        planned.dirs.push(rel); // a submodule: git leaves an empty folder where it is not initialised
      } else {
        const blob = await readBlob(store, e.oid);
        if (e.mode === '120000') planned.links.push([rel, Buffer.from(blob).toString('utf8')]);
        else {
          planned.files.push([rel, size, size + blob.byteLength, e.mode === '100755' ? 0o777 : 0o666]);
          blobs.push(blob);
          size += blob.byteLength;
        }
      }
    }
  };
  await walk(tree, '');
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const blob of blobs) {
    bytes.set(blob, at);
    at += blob.byteLength;
  }
  return { ...planned, bytes };
}
