// The remote end over smart HTTP: ref listing, clone, fetch, and one push attempt. Every failure
// leaves here as a GitError naming the redacted URL (classifyRemoteError), never as a raw error.
import fs from 'node:fs';
import git, { Errors } from 'isomorphic-git';
import { GitError, classifyRemoteError, redactText } from './errors.ts';
import { gitHttpClient, type GitHttpClient } from './http.ts';
import { basicCredentials, type GitAuth } from './location.ts';
import { CLONE_DEPTH, cloneBranch, UnsupportedServer } from './fetch-pack.ts';
import { deepenClone } from './shallow.ts';
import { ObjectBatch } from './objects.ts';
import { buildPack, type Pack } from './pack.ts';
import { ReceivePackError, ZERO_OID, advertisedRefs, sendPack, type PushAccess } from './send-pack.ts';
import { readRef, readShallow, writeRef, type ObjectStore } from './store.ts';

export interface TransportOptions {
  /** Without credentials. */
  url: string;
  /** The branch followed, named in branch-not-found errors. */
  branch: string;
  auth?: GitAuth;
  /** Socket idle timeout of each request. */
  timeoutMs: number;
  /** The HTTP client under isomorphic-git; tests wrap it to inject races. Default: isomorphic-git's Node client. */
  http?: GitHttpClient;
}

/** A commit to push: `target` moves from exactly `base` (absent: the branch is new) to `commit`. */
export interface OutgoingCommit {
  target: string;
  base: string | undefined;
  commit: string;
  /** The objects the commit added, when known: sent as they are. */
  objects?: ObjectBatch;
  pack?: Pack;
}

export type PushOutcome = { outcome: 'pushed' } | { outcome: 'conflict'; reason: string };

export interface RemoteTransport {
  readonly url: string;
  /** Branch tips on the remote: full ref name → oid. */
  heads(): Promise<Map<string, string>>;
  /** Clones `branch` alone into `dir`, without checking it out. */
  clone(dir: string, branch: string): Promise<void>;
  /** Fetches `branch` into the store; returns its tip. */
  fetch(store: ObjectStore, branch: string): Promise<string>;
  /** Fetches `by` more commits below where the store's history of `branch` stops; false when it is whole. */
  deepen(store: ObjectStore, branch: string, by: number): Promise<boolean>;
  /** One push attempt; a conflict when the target is no longer at `base`. Throws GitError `push-rejected`. */
  push(store: ObjectStore, out: OutgoingCommit): Promise<PushOutcome>;
}

/** The outgoing commit sits here while isomorphic-git pushes it; the branch moves only once the push landed. */
const OUTGOING_REF = 'refs/gitset/outgoing';

/** What git's receive-pack says when the ref moved between our ref listing and its update. */
const MOVED = /non-fast-forward|fetch first|failed to (update|lock)|cannot lock|stale info|incorrect old value|reference already exists/i;

const UPSTREAM_MOVED: PushOutcome = { outcome: 'conflict', reason: 'upstream moved since the last fetch' };

/** What every request needs: the Authorization header is sent up front (one request per poll, not two). */
interface Remote extends PushAccess {
  onAuth: () => { username: string; password: string } | undefined;
  fail: (err: unknown) => never;
}

export function remoteTransport(opts: TransportOptions): RemoteTransport {
  const creds = basicCredentials(opts.auth);
  const { url } = opts;
  const remote: Remote = {
    url,
    // A server that accepts and then hangs must not stall the daemon's cycle forever.
    http: gitHttpClient({ timeoutMs: opts.timeoutMs, ...(opts.http ? { base: opts.http } : {}) }),
    onAuth: () => creds,
    headers: (): Record<string, string> => (creds ? { Authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` } : {}),
    fail: (err) => {
      throw classifyRemoteError(err, url, opts.branch);
    },
  };
  const { http, onAuth, headers, fail } = remote;
  return {
    url,
    heads: async () => {
      const refs = await git.listServerRefs({ http, url, onAuth, headers: headers(), protocolVersion: 1, prefix: 'refs/heads/' }).catch(fail);
      return new Map(refs.map((r) => [r.ref, r.oid]));
    },
    clone: async (dir, branch) => {
      // No checkout: the work tree is written by gitset (src/git/worktree.ts), which never follows a link and skips what it may.
      // Fetched and indexed by gitset (fetch-pack.ts); isomorphic-git's clone for a server that lacks side-band-64k.
      const cloned = await cloneBranch(remote, dir, branch).catch((err: unknown) => {
        if (err instanceof UnsupportedServer) return undefined;
        return fail(err);
      });
      if (cloned === false) throw new GitError('branch-not-found', `${url}: branch "${branch}" does not exist on the remote`);
      if (cloned) return;
      await git.clone({ fs, http, dir, url, ref: branch, singleBranch: true, noTags: true, noCheckout: true, onAuth, headers: headers(), cache: {} }).catch(fail);
    },
    fetch: async (store, branch) => {
      // A branch met for the first time in a shallow clone (a status branch of its own) comes with
      // its tip alone, as the clone did: its history is every cycle's status commit.
      const first = readShallow(store.gitdir).size > 0 && (await readRef(store, `refs/remotes/origin/${branch}`)) === undefined;
      const res = await git
        .fetch({ fs, http, gitdir: store.gitdir, url, remote: 'origin', ref: branch, remoteRef: branch, singleBranch: true, tags: false, onAuth, headers: headers(), cache: store.cache, ...(first ? { depth: CLONE_DEPTH } : {}) })
        .catch(fail);
      if (!res.fetchHead) throw new GitError('branch-not-found', `${url}: branch "${branch}" does not exist on the remote`);
      return res.fetchHead;
    },
    deepen: (store, branch, by) => deepenClone(remote, store, `refs/heads/${branch}`, by).catch(fail),
    push: (store, out) => pushOnce(remote, store, out),
  };
}

function rejected(remote: Remote, target: string, reason: string): GitError {
  return new GitError('push-rejected', `${remote.url}: the server refused the status push to ${target}: ${redactText(reason)}`);
}

/**
 * Sent by gitset itself: a receive-pack ref listing, then our commit's pack with an update of
 * the branch from exactly the commit we built on. When the branch moved, that is a conflict
 * before anything is sent (or the server's `ng` when it moved in between).
 */
async function pushOnce(remote: Remote, store: ObjectStore, out: OutgoingCommit): Promise<PushOutcome> {
  const ref = `refs/heads/${out.target}`;
  try {
    const adv = await advertisedRefs(remote);
    const current = adv.refs.get(ref);
    if (current === undefined && out.base !== undefined) return await pushWithIsomorphicGit(remote, store, out);
    if (current !== out.base) return UPSTREAM_MOVED;
    const pack = out.pack ?? buildPack(out.objects ?? new ObjectBatch());
    const result = await sendPack(remote, adv.capabilities, { ref, old: current ?? ZERO_OID, new: out.commit }, pack.bytes);
    if (result.ok) return { outcome: 'pushed' };
    if (MOVED.test(result.reason)) return { outcome: 'conflict', reason: `server: ${result.reason}` };
    throw rejected(remote, out.target, result.reason);
  } catch (err) {
    if (err instanceof ReceivePackError) throw rejected(remote, out.target, err.message);
    return remote.fail(err);
  }
}

/** isomorphic-git works out which objects the server lacks: for a branch gone while we hold a base. */
async function pushWithIsomorphicGit(remote: Remote, store: ObjectStore, out: OutgoingCommit): Promise<PushOutcome> {
  const { url, http, onAuth, headers } = remote;
  await writeRef(store, OUTGOING_REF, out.commit);
  try {
    await git.push({ fs, http, gitdir: store.gitdir, url, remote: 'origin', ref: OUTGOING_REF, remoteRef: `refs/heads/${out.target}`, onAuth, headers: headers(), cache: store.cache });
    return { outcome: 'pushed' };
  } catch (err) {
    const e = err as { code?: string; data?: { reason?: string; prettyDetails?: string } };
    if (e.code === Errors.PushRejectedError.code && e.data?.reason === 'not-fast-forward') return UPSTREAM_MOVED;
    if (e.code === Errors.GitPushError.code) {
      const details = e.data?.prettyDetails ?? '';
      if (MOVED.test(details)) return { outcome: 'conflict', reason: `server: ${details.trim().replace(/^- /, '')}` };
      throw new GitError('push-rejected', `${url}: the server refused the status push to ${out.target}:${details}`);
    }
    return remote.fail(err);
  } finally {
    await git.deleteRef({ fs, gitdir: store.gitdir, ref: OUTGOING_REF }).catch(() => undefined);
  }
}
