// Which commit brought the current inputs: the tip itself, or, when the tip is one of gitset's
// own status commits (or several), the commit below them that the inputs first appeared in. The
// daemon can meet a user's commit first through its own rebased status push, and status/gitset.yaml
// must name the user's commit, not gitset's. Reads the history through the Repo port.
import type { Repo } from '../model/ports.ts';

/** Commits walked back at most; a longer run of status-only commits is named by the tip. */
export const MAX_WALK = 50;

export function introducedAtFinder(repo: Pick<Repo, 'history' | 'inputsIdAt'>): (tip: string) => Promise<string> {
  return async (tip) => {
    try {
      const inputs = await repo.inputsIdAt(tip);
      let current = tip;
      for await (const commit of repo.history({ from: tip, max: MAX_WALK, firstParent: true })) {
        const parent = commit.parents[0];
        if (!parent || (await repo.inputsIdAt(parent)) !== inputs) return commit.revision;
        current = parent;
      }
      return current;
    } catch {
      return tip; // shallow history or an object we do not have: the tip is the best we know
    }
  };
}
