// Which commit brought the current inputs: the tip itself, or, when the tip is one of gitset's
// own status commits (or several), the commit below them that the inputs first appeared in. The
// daemon can meet a user's commit first through its own rebased status push, and status/gitset.yaml
// must name the user's commit, not gitset's. Adapter over the git module's object-level reads.
import fs from 'node:fs';
import git from 'isomorphic-git';
import type { ObjectStore } from '../git/store.ts';
import { inputsTreeOid } from '../git/tree.ts';

/** Commits walked back at most; a longer run of status-only commits is named by the tip. */
export const MAX_WALK = 50;

export function introducedAtFinder(gitdir: string, rootSegs: readonly string[], statusSegs: readonly string[]): (tip: string) => Promise<string> {
  const store: ObjectStore = { gitdir, cache: {} };
  return async (tip) => {
    try {
      const inputs = await inputsTreeOid(store, tip, { rootSegs, statusSegs });
      let current = tip;
      for (let i = 0; i < MAX_WALK; i++) {
        const { commit } = await git.readCommit({ fs, gitdir, oid: current, cache: store.cache });
        const parent = commit.parent[0];
        if (!parent || (await inputsTreeOid(store, parent, { rootSegs, statusSegs })) !== inputs) return current;
        current = parent;
      }
      return current;
    } catch {
      return tip; // shallow history or an object we do not have: the tip is the best we know
    }
  };
}
