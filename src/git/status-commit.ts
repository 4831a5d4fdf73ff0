// The status commit: `base`'s tree with only the status folder replaced by the given files,
// built from objects (no work tree, no index) and stored in the repository, ready to push.
import type { CommitMessage } from '../model/ports.ts';
import { ObjectBatch, encodeCommit } from './objects.ts';
import type { Pack } from './pack.ts';
import { commitMessageText, type Author } from './repo.ts';
import { commitTree, listBlobs, storeObjects, subtreeAt, type ObjectStore } from './store.ts';
import { replaceSubtree, writeFilesTree } from './tree.ts';

export interface StatusCommitRequest {
  /** The commit to build on; undefined for the first commit of a branch. */
  base: string | undefined;
  /** The status folder's segments from the repository root. */
  statusSegs: readonly string[];
  /** Status files, paths relative to the status folder. */
  files: ReadonlyMap<string, string>;
  author: Author;
  message: CommitMessage;
  /** Commit time, milliseconds since the epoch. */
  nowMs: number;
  /**
   * Which status files this writer owns (`--shards`): the others are kept as `base` has them, so
   * replicas writing disjoint files rebase on each other without loss. Absent: every file.
   */
  owned?: (path: string) => boolean;
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

/** Builds and stores the status commit; no commit when the resulting tree equals `base`'s tree. */
export async function statusCommit(store: ObjectStore, req: StatusCommitRequest): Promise<StatusCommit> {
  const { base, statusSegs } = req;
  const baseTree = base ? await commitTree(store, base) : undefined;
  const current = baseTree ? await listBlobs(store, await subtreeAt(store, baseTree, statusSegs)) : new Map<string, string>();
  const objects = new ObjectBatch();
  const owned = req.owned;
  const carried = owned ? new Map([...current].filter(([path]) => !req.files.has(path) && !owned(path))) : undefined;
  const written = writeFilesTree(objects, req.files, current, carried);
  const tree = await replaceSubtree(store, objects, baseTree, statusSegs, written.tree);
  const changed = written.changed;
  if (tree === baseTree || (!base && !written.tree)) return { tree, changed: [] };
  const commit = objects.add('commit', encodeCommit({
    tree, parents: base ? [base] : [], author: req.author, timestamp: Math.floor(req.nowMs / 1000), message: commitMessageText(req.message),
  }));
  const pack = storeObjects(store, objects);
  return { commit, objects, tree, changed, ...(pack ? { pack } : {}) };
}
