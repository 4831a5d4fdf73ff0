// A Flux GitRepository fetched the GitOps way, without a source-controller: its ref resolved to
// a commit with one ref listing, and that commit checked out once into the work dir's cache
// (one folder per (url, commit), made beside it and renamed in, so a killed fetch leaves no
// half-written checkout). The checkout is hostile input: a symlink out of it is refused.
import fs from 'node:fs';
import { lstat, mkdir, readdir, readlink, rename, rm, stat } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { dirname, join, resolve, sep } from 'node:path';
import git from 'isomorphic-git';
import { classifyRemoteError } from './errors.ts';
import { gitHttpClient, type GitHttpClient } from './http.ts';
import type { FluxSource } from '../model/sources.ts';
import { compareVersions, parseVersion, semverCompare } from '../template/semver.ts';
import { authHeaders, type SourceAuth } from './source-credentials.ts';

export interface GitSourceOptions {
  /** Checkouts live in `<cacheDir>/<url hash>/<commit>`. */
  cacheDir: string;
  timeoutMs: number;
  http?: GitHttpClient;
}

export interface ResolvedRevision {
  /** The commit to check out. */
  commit: string;
  /** The remote ref to fetch to reach it: `refs/heads/…`, `refs/tags/…` (undefined: the remote's HEAD). */
  cloneRef?: string;
  /** Whether `commit` is pinned (then the clone is full, not shallow). */
  pinned: boolean;
}

export class SourceError extends Error {
  override readonly name = 'SourceError';
  constructor(
    readonly code: 'ref-not-found' | 'unsafe-checkout' | 'fetch-failed',
    message: string,
  ) {
    super(message);
  }
}

/** The commit the GitRepository's ref points at on the remote now (Flux's order: commit, name, semver, tag, branch). */
export async function resolveGitRevision(source: FluxSource, auth: SourceAuth | undefined, opts: GitSourceOptions): Promise<ResolvedRevision> {
  const { url, ref = {} } = source.spec;
  const id = `GitRepository/${source.metadata.namespace}/${source.metadata.name}`;
  if (ref.commit) return { commit: ref.commit, ...(ref.branch ? { cloneRef: `refs/heads/${ref.branch}` } : {}), pinned: true };
  const http = gitHttpClient({ timeoutMs: opts.timeoutMs, ...(opts.http ? { base: opts.http } : {}) });
  const refs = await git.listServerRefs({ http, url, headers: authHeaders(auth), protocolVersion: 1, prefix: 'refs/' }).catch((err: unknown) => {
    throw classifyRemoteError(err, url, ref.branch ?? 'master');
  });
  const oid = (name: string): string | undefined => {
    const hit = refs.find((r) => r.ref === name);
    return hit ? (hit.peeled ?? hit.oid) : undefined;
  };
  const pick = (full: string, what: string): ResolvedRevision => {
    const commit = oid(full);
    if (!commit) throw new SourceError('ref-not-found', `${id}: ${what} does not exist on ${url}`);
    return { commit, cloneRef: full, pinned: false };
  };
  if (ref.name) return pick(ref.name, `ref ${ref.name}`);
  if (ref.semver) return pick(`refs/tags/${highestTag(refs.map((r) => r.ref), ref.semver, id)}`, `tag matching ${ref.semver}`);
  if (ref.tag) return pick(`refs/tags/${ref.tag}`, `tag ${ref.tag}`);
  // Flux's default when no ref is given is the master branch.
  const branch = ref.branch ?? 'master';
  return pick(`refs/heads/${branch}`, `branch ${branch}`);
}

function highestTag(refs: readonly string[], constraint: string, id: string): string {
  let best: { tag: string; v: ReturnType<typeof parseVersion> } | undefined;
  for (const r of refs) {
    if (!r.startsWith('refs/tags/') || r.endsWith('^{}')) continue;
    const tag = r.slice('refs/tags/'.length);
    try {
      if (!semverCompare(constraint, tag)) continue;
      const v = parseVersion(tag);
      if (!best || compareVersions(v, best.v) > 0) best = { tag, v };
    } catch (err) {
      if (/constraint/.test(String(err))) throw new SourceError('ref-not-found', `${id}: spec.ref.semver ${JSON.stringify(constraint)} is not a semver constraint`);
    }
  }
  if (!best) throw new SourceError('ref-not-found', `${id}: no tag matches semver ${constraint}`);
  return best.tag;
}

/** `<cacheDir>/<url hash>`: the checkouts of one remote. */
export function checkoutsOf(url: string, cacheDir: string): string {
  return join(cacheDir, createHash('sha256').update(url).digest('hex').slice(0, 16));
}

/** The folder holding `revision.commit` of the source's remote, checked out now unless cached. Returns the folder. */
export async function checkoutGitRevision(source: FluxSource, revision: ResolvedRevision, auth: SourceAuth | undefined, opts: GitSourceOptions): Promise<string> {
  const base = checkoutsOf(source.spec.url, opts.cacheDir);
  const final = join(base, revision.commit);
  if (await isDir(final)) return final;
  await mkdir(base, { recursive: true });
  const tmp = join(base, `.tmp-${randomBytes(6).toString('hex')}`);
  const gitdir = `${tmp}.git`;
  const http = gitHttpClient({ timeoutMs: opts.timeoutMs, ...(opts.http ? { base: opts.http } : {}) });
  const { url } = source.spec;
  try {
    await mkdir(tmp, { recursive: true });
    await git.init({ fs, dir: tmp, gitdir });
    // Any ref (branch or tag) lands under refs/fetched/: the checkout goes by commit anyway.
    await git.setConfig({ fs, gitdir, path: 'remote.origin.url', value: url });
    await git.setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: '+refs/*:refs/fetched/*' });
    await git
      .fetch({ fs, http, dir: tmp, gitdir, remote: 'origin', remoteRef: revision.cloneRef ?? 'HEAD', singleBranch: true, tags: false, ...(revision.pinned ? {} : { depth: 1 }), headers: authHeaders(auth), cache: {} })
      .catch((err: unknown) => {
        throw classifyRemoteError(err, url, revision.cloneRef ?? 'HEAD');
      });
    // A ref that moved between the listing and the fetch is fetched again next cycle; a pinned commit must be there.
    await git.checkout({ fs, dir: tmp, gitdir, ref: revision.commit, force: true }).catch(() => {
      throw new SourceError(revision.pinned ? 'ref-not-found' : 'fetch-failed', `${url}: commit ${revision.commit} is not on ${revision.cloneRef ?? 'the default branch'}${revision.pinned ? '' : ' any more (it moved while fetched); fetched again next cycle'}`);
    });
    await refuseLinksOut(tmp);
    await rename(tmp, final).catch(async (err: unknown) => {
      if (!(await isDir(final))) throw err; // else another build made it meanwhile
    });
    return final;
  } finally {
    await rm(tmp, { recursive: true, force: true });
    await rm(gitdir, { recursive: true, force: true });
  }
}

/** Refuses a tree holding a symlink that leads out of it (or anywhere absolute). */
export async function refuseLinksOut(root: string): Promise<void> {
  const top = resolve(root);
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isSymbolicLink()) {
        const target = await readlink(path);
        const resolved = resolve(dirname(path), target);
        if (target.startsWith('/') || (resolved !== top && !resolved.startsWith(top + sep))) {
          throw new SourceError('unsafe-checkout', `${path.slice(top.length + 1)} is a symlink out of the source (${JSON.stringify(target)}): refused`);
        }
      }
    }
  };
  await walk(top);
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}

/** Removes the checkouts of `url` other than `keep` (older revisions no build needs any more). */
export async function pruneCheckouts(url: string, cacheDir: string, keep: ReadonlySet<string>): Promise<void> {
  const base = checkoutsOf(url, cacheDir);
  for (const name of await readdir(base).catch(() => [] as string[])) {
    if (/^[0-9a-f]{40}$/.test(name) && !keep.has(name) && (await lstat(join(base, name))).isDirectory()) await rm(join(base, name), { recursive: true, force: true });
  }
}
