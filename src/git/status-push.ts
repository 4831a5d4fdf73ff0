// Commit the status folder on top of upstream and push; when upstream moved meanwhile, take the
// new upstream, re-apply the status (re-rendered if the inputs changed) and try again. The result
// is always a fast-forward of what others pushed: no force, no merge commit, nobody's work lost.
import type { CommitMessage, CommitStatusResult, Rerender } from '../model/ports.ts';
import type { WorkClone } from './clone.ts';
import { GitError } from './errors.ts';
import { statusFolderSegs } from './paths.ts';
import type { Author, GitClock, GitLogger } from './repo.ts';
import { statusCommit } from './status-commit.ts';
import { inputsTreeOid } from './tree.ts';

/** What a status push needs of the clone it works in. */
export type PushClone = Pick<WorkClone, 'url' | 'store' | 'branch' | 'layout' | 'dir' | 'tracked' | 'fetch' | 'moveTo' | 'landed' | 'push'>;

/** How status is pushed: the same for every push of a Repo. */
export interface PushPolicy {
  /** The followed branch, or the separate status branch. */
  target: string;
  author: Author;
  clock: GitClock;
  log: GitLogger;
  /** Push attempts before giving up with `push-conflict`. */
  maxAttempts: number;
  /** First retry delay; doubles per attempt (jittered), capped at 5 s. */
  backoffMs: number;
  /** The status files this replica writes (`--shards`); the rest are carried over from upstream. Absent: all. */
  owned?: (path: string) => boolean;
}

/** One commitStatus call. */
export interface StatusUpdate {
  files: ReadonlyMap<string, string>;
  message: CommitMessage;
  rerender?: Rerender | undefined;
}

function backoff(policy: PushPolicy, attempt: number): number {
  const base = Math.min(5000, policy.backoffMs * 2 ** (attempt - 1));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

export async function pushStatus(clone: PushClone, policy: PushPolicy, update: StatusUpdate): Promise<CommitStatusResult> {
  const { clock, log, target } = policy;
  let files = update.files;
  let retries = 0;
  let rerenders = 0;
  for (;;) {
    const started = clock.now();
    const base = await clone.tracked(target);
    const made = await statusCommit(clone.store, {
      base, statusSegs: statusFolderSegs(clone.layout), files, author: policy.author, message: update.message, nowMs: clock.now(),
      ...(policy.owned ? { owned: policy.owned } : {}),
    });
    const { commit, changed } = made;
    if (!commit) return { changed: false, committed: false, pushed: false, retries, rerenders };
    const built = clock.now();
    const pushedOrNot = await clone.push({ ...made, target, base, commit });
    if (pushedOrNot.outcome === 'pushed') {
      const pushed = clock.now();
      await clone.landed(target, commit);
      const timing = { files: changed.length, buildMs: built - started, pushMs: pushed - built, workTreeMs: clock.now() - pushed };
      log.info({ repo: clone.url, branch: target, revision: commit, retries, rerenders, ...timing }, `pushed status: ${update.message.subject}`);
      return { changed: true, committed: true, revision: commit, pushed: true, retries, rerenders };
    }
    retries++;
    if (retries >= policy.maxAttempts) {
      throw new GitError('push-conflict', `${clone.url}: status push to ${target} rejected ${retries} times because upstream kept moving; will try again next cycle`);
    }
    const delay = backoff(policy, retries);
    log.info({ repo: clone.url, branch: target, attempt: retries, delayMs: delay, reason: pushedOrNot.reason }, 'status push rejected (upstream moved); re-applying on top of the new upstream');
    await clock.sleep(delay);
    const upstream = await clone.fetch(target);
    if (target !== clone.branch) continue;
    const before = update.rerender && base ? await inputsTreeOid(clone.store, base, clone.layout) : undefined;
    await clone.moveTo(upstream);
    if (update.rerender && before !== (await inputsTreeOid(clone.store, upstream, clone.layout))) {
      files = await update.rerender(clone.dir, upstream);
      rerenders++;
    }
  }
}

