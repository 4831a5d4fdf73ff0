// Read-only walks of a repository's history, for the Repo port's `history`, `inputsIdAt` and
// `folderIdAt`: which commit brought the inputs, which failovers older status recorded.
import fs from 'node:fs';
import git from 'isomorphic-git';
import type { CommitInfo, HistoryOptions } from '../model/ports.ts';
import { GitError } from './errors.ts';
import { layoutSegs, type RepoLayout } from './paths.ts';
import { commitTree, readCommitInfo, resolveRevision, subtreeAt, type ObjectStore } from './store.ts';
import { inputsTreeOid } from './tree.ts';

/**
 * Commits from `from` (a resolved oid) back, newest first. First parents only are read one at a
 * time, as the caller asks; every parent goes through isomorphic-git's log (committer time order).
 */
async function* commitHistory(store: ObjectStore, from: string, opts: HistoryOptions): AsyncGenerator<CommitInfo> {
  if (!opts.firstParent) {
    for (const c of await git.log({ fs, ...store, ref: from, depth: opts.max })) {
      yield { revision: c.oid, parents: c.commit.parent, committedAt: c.commit.committer.timestamp * 1000, message: c.commit.message };
    }
    return;
  }
  let next: string | undefined = from;
  for (let i = 0; i < opts.max && next; i++) {
    const commit = await readCommitInfo(store, next);
    yield commit;
    next = commit.parents[0];
  }
}

/** The Repo port's history reads, over a repository whose objects are in `store`. */
export interface HistoryReader {
  history(opts: HistoryOptions): AsyncIterable<CommitInfo>;
  inputsIdAt(revision: string): Promise<string>;
  folderIdAt(revision: string, dir: string): Promise<string | undefined>;
}

export interface HistorySource {
  store: ObjectStore;
  layout: RepoLayout;
  /** Where `history` starts without `from`. */
  tip(): Promise<string>;
}

/**
 * Not serialized with pull and commitStatus: these only read objects, which are never removed
 * while the daemon's cycle asks (a re-clone happens inside pull).
 */
export function historyReader(src: HistorySource): HistoryReader {
  const { store } = src;
  /** The root tree of a commit; GitError `revision-not-found` when the revision names none. */
  const treeOf = async (revision: string): Promise<{ oid: string; tree: string }> => {
    const oid = await resolveRevision(store, revision);
    const tree = await commitTree(store, oid).catch((err) => {
      throw new GitError('revision-not-found', `revision "${revision}" is not a commit of this repository`, { cause: err });
    });
    return { oid, tree };
  };
  return {
    history: async function* (opts) {
      yield* commitHistory(store, opts.from === undefined ? await src.tip() : (await treeOf(opts.from)).oid, opts);
    },
    inputsIdAt: async (revision) => inputsTreeOid(store, (await treeOf(revision)).oid, src.layout),
    folderIdAt: async (revision, dir) => subtreeAt(store, (await treeOf(revision)).tree, layoutSegs(src.layout, dir)),
  };
}
