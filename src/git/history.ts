// Read-only walks of a repository's history, for the Repo port's `history`, `inputsIdAt` and
// `folderIdAt`: which commit brought the inputs, which failovers older status recorded.
import fs from 'node:fs';
import git from 'isomorphic-git';
import type { CommitInfo, HistoryOptions } from '../model/ports.ts';
import { GitError } from './errors.ts';
import { layoutSegs, type RepoLayout } from './paths.ts';
import { commitTree, readCommitInfo, readShallow, resolveRevision, subtreeAt, type ObjectStore } from './store.ts';
import { inputsTreeOid } from './tree.ts';

/**
 * Commits from `from` (a resolved oid) back, newest first. First parents only are read one at a
 * time, as the caller asks; every parent goes through isomorphic-git's log (committer time order),
 * which stops where a shallow clone's history does: deepened until it holds `max` or all of it.
 */
async function* commitHistory(src: HistorySource, from: string, opts: HistoryOptions): AsyncGenerator<CommitInfo> {
  const { store } = src;
  if (!opts.firstParent) {
    let log = await git.log({ fs, ...store, ref: from, depth: opts.max });
    const cut = (): boolean => {
      const shallow = readShallow(store.gitdir);
      return log.some((c) => shallow.has(c.oid));
    };
    while (log.length < opts.max && cut() && (await src.deepen?.(Math.max(opts.max - log.length, DEEPEN_FIRST)))) {
      log = await git.log({ fs, ...store, ref: from, depth: opts.max });
    }
    for (const c of log) {
      yield { revision: c.oid, parents: c.commit.parent, committedAt: c.commit.committer.timestamp * 1000, message: c.commit.message };
    }
    return;
  }
  let next: string | undefined = from;
  for (let i = 0; i < opts.max && next; i++) {
    const at: string = next;
    const commit = await deepening(src, opts.max - i, () => readCommitInfo(store, at));
    yield commit;
    next = commit.parents[0];
  }
}

/** The first commits fetched when a walk leaves a shallow clone's history; doubled at each try. */
const DEEPEN_FIRST = 64;

/**
 * `read`, and when it fails in a shallow clone, again after each deepening (`by` commits, then
 * twice as many each time) until it succeeds or the history is whole: then its error stands.
 */
export async function deepening<T>(src: Pick<HistorySource, 'deepen'>, by: number, read: () => Promise<T>): Promise<T> {
  for (let step = Math.max(by, DEEPEN_FIRST); ; step *= 2) {
    try {
      return await read();
    } catch (err) {
      if (!(await src.deepen?.(step).catch(() => false))) throw err;
    }
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
  /** Fetches `by` more commits below where a shallow clone's history stops; false when it is whole. */
  deepen?(by: number): Promise<boolean>;
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
    const tree = await deepening(src, DEEPEN_FIRST, () => commitTree(store, oid)).catch((err) => {
      throw new GitError('revision-not-found', `revision "${revision}" is not a commit of this repository`, { cause: err });
    });
    return { oid, tree };
  };
  return {
    history: async function* (opts) {
      yield* commitHistory(src, opts.from === undefined ? await src.tip() : (await treeOf(opts.from)).oid, opts);
    },
    inputsIdAt: async (revision) => inputsTreeOid(store, (await treeOf(revision)).oid, src.layout),
    folderIdAt: async (revision, dir) => subtreeAt(store, (await treeOf(revision)).tree, layoutSegs(src.layout, dir)),
  };
}
