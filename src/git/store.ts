// Object storage: reading commits, trees, blobs and refs from a repository's `.git` through
// isomorphic-git, and storing a batch of new objects (loose when few, else as one pack).
// A fleet-wide status change is thousands of small blobs: as loose objects that is one file
// creation each (~1 ms on ext4), as a pack it is two files.
import fs, { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import git, { type TreeEntry } from 'isomorphic-git';
import type { CommitInfo, StatusFile } from '../model/ports.ts';
import { GitError } from './errors.ts';
import type { NewObject, ObjectBatch } from './objects.ts';
import { buildPack, buildPackIndex, type Pack } from './pack.ts';
import { parseTree, readPacked } from './pack-read.ts';

export interface ObjectStore {
  gitdir: string;
  /** isomorphic-git's cache object, shared between calls for pack-index reuse. */
  cache: object;
}

/** Below this many objects a batch is stored loose, like git does for small commits: no pack to count. */
const LOOSE_LIMIT = 64;

/** The oid `ref` points at, undefined when there is no such ref. */
export async function readRef(store: ObjectStore, ref: string): Promise<string | undefined> {
  return git.resolveRef({ fs, gitdir: store.gitdir, ref }).catch(() => undefined);
}

export async function writeRef(store: ObjectStore, ref: string, oid: string): Promise<void> {
  await git.writeRef({ fs, gitdir: store.gitdir, ref, value: oid, force: true });
}

export async function hasCommit(store: ObjectStore, oid: string): Promise<boolean> {
  if (packedCommitTree(store, oid) !== undefined) return true;
  return git.readCommit({ fs, ...store, oid }).then(() => true, () => false);
}

/** `oid` has `ancestor` in its history. */
export async function isDescendent(store: ObjectStore, oid: string, ancestor: string): Promise<boolean> {
  return git.isDescendent({ fs, ...store, oid, ancestor, depth: -1 });
}

export async function readCommitInfo(store: ObjectStore, oid: string): Promise<CommitInfo> {
  const { commit } = await git.readCommit({ fs, ...store, oid });
  return { revision: oid, parents: commit.parent, committedAt: commit.committer.timestamp * 1000, message: commit.message };
}

export async function commitTree(store: ObjectStore, commitOid: string): Promise<string> {
  const packed = packedCommitTree(store, commitOid);
  if (packed !== undefined) return packed;
  const { commit } = await git.readCommit({ fs, ...store, oid: commitOid });
  return commit.tree;
}

/**
 * A packed commit's tree, read straight from the packs: isomorphic-git's first read of a
 * commit loads every pack index into its cache (most of a restart's pull at 10k clusters).
 * Undefined when no pack holds it as a commit (loose, or not there): isomorphic-git answers.
 */
function packedCommitTree(store: ObjectStore, oid: string): string | undefined {
  const packed = readPacked(store.gitdir, store.cache, oid);
  if (packed?.type !== 'commit') return undefined;
  return /^tree ([0-9a-f]{40})\n/.exec(packed.data.toString('latin1', 0, 46))?.[1];
}

/** Straight from the packs when they hold it (see pack-read.ts); else, and for anything unusual, isomorphic-git. */
export async function treeEntries(store: ObjectStore, treeOid: string): Promise<TreeEntry[]> {
  const packed = readPacked(store.gitdir, store.cache, treeOid);
  const parsed = packed?.type === 'tree' ? parseTree(packed.data) : undefined;
  return parsed ?? (await git.readTree({ fs, ...store, oid: treeOid })).tree;
}

export async function readBlob(store: ObjectStore, oid: string): Promise<Uint8Array> {
  const packed = readPacked(store.gitdir, store.cache, oid);
  if (packed?.type === 'blob') return packed.data;
  return (await git.readBlob({ fs, ...store, oid })).blob;
}

/** The tree at `segs` below `treeOid`, or undefined when that path is absent or not a folder. */
export async function subtreeAt(store: ObjectStore, treeOid: string, segs: readonly string[]): Promise<string | undefined> {
  let current = treeOid;
  for (const seg of segs) {
    const entry = (await treeEntries(store, current)).find((e) => e.path === seg);
    if (!entry || entry.type !== 'tree') return undefined;
    current = entry.oid;
  }
  return current;
}

/** Every blob below a tree, as relative path → blob oid; symbolic links (mode 120000) too unless `files` only. */
export async function listBlobs(store: ObjectStore, treeOid: string | undefined, prefix = '', only?: 'files'): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!treeOid) return out;
  for (const e of await treeEntries(store, treeOid)) {
    const p = prefix ? `${prefix}/${e.path}` : e.path;
    if (e.type === 'tree') for (const [k, v] of await listBlobs(store, e.oid, p, only)) out.set(k, v);
    else if (e.type === 'blob' && !(only === 'files' && e.mode === '120000')) out.set(p, e.oid);
  }
  return out;
}

/** The text of every file below `segs` in a commit, sorted by path (empty when the folder is absent). */
export async function readTextFiles(store: ObjectStore, commitOid: string, segs: readonly string[]): Promise<StatusFile[]> {
  const tree = await subtreeAt(store, await commitTree(store, commitOid), segs);
  // A committed link is not a file: its "text" would be a path, and nothing follows it.
  const blobs = await listBlobs(store, tree, '', 'files');
  const out: StatusFile[] = [];
  for (const [path, oid] of [...blobs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const blob = await readBlob(store, oid);
    // A view, not a copy: 76 MB of status at 10k clusters.
    out.push({ path, text: Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('utf8') });
  }
  return out;
}

/** Resolves a full or abbreviated commit oid, or a branch/tag/ref name, to a commit oid. */
export async function resolveRevision(store: ObjectStore, revision: string): Promise<string> {
  try {
    if (/^[0-9a-f]{40}$/i.test(revision)) return revision.toLowerCase();
    if (/^[0-9a-f]{4,39}$/i.test(revision)) {
      try {
        return await git.expandOid({ fs, ...store, oid: revision.toLowerCase() });
      } catch {
        // not an abbreviation of an object we have; maybe a ref name made of hex digits
      }
    }
    for (const ref of [revision, `refs/remotes/origin/${revision}`]) {
      try {
        return await git.resolveRef({ fs, gitdir: store.gitdir, ref });
      } catch {
        // try the next spelling
      }
    }
  } catch (err) {
    throw new GitError('revision-not-found', `revision "${revision}" not found`, { cause: err });
  }
  throw new GitError('revision-not-found', `revision "${revision}" not found`);
}

/**
 * Stores a batch in the repository: loose objects when few (what git does for a small commit),
 * else one pack and its index. Temp file then rename, so a crash never leaves a truncated object;
 * the index lands last, and readers only look for packs through their index.
 */
export function storeObjects(store: ObjectStore, batch: ObjectBatch): Pack | undefined {
  if (batch.objects.size <= LOOSE_LIMIT) {
    for (const [oid, obj] of batch.objects) writeLoose(store.gitdir, oid, obj);
    return undefined;
  }
  const p = buildPack(batch);
  storePack(store, p);
  return p;
}

/** One pack and its index (built, fetched or deepened), each by temp file and rename, the index last. */
export function storePack(store: ObjectStore, p: Pack): void {
  const dir = join(store.gitdir, 'objects', 'pack');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `pack-${p.checksum}`);
  if (existsSync(`${base}.idx`)) return;
  const tmp = join(dir, `tmp_pack_${process.pid}`);
  writeFileSync(tmp, p.bytes);
  renameSync(tmp, `${base}.pack`);
  writeFileSync(tmp, buildPackIndex(p));
  renameSync(tmp, `${base}.idx`);
}

/** A full object name, as git writes it. */
export const isOid = (s: string): boolean => /^[0-9a-f]{40}$/.test(s);

/** The commits a shallow clone's history stops at (git's `.git/shallow`); empty for a whole history. */
export function readShallow(gitdir: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(join(gitdir, 'shallow'), 'latin1');
  } catch {
    return new Set();
  }
  return new Set(text.split('\n').filter(isOid));
}

/** Replaces `.git/shallow` at once (removed when the history is whole). */
export function writeShallow(gitdir: string, oids: Iterable<string>): void {
  const file = join(gitdir, 'shallow');
  const list = [...new Set(oids)].sort();
  if (list.length === 0) {
    rmSync(file, { force: true });
    return;
  }
  writeFileSync(`${file}.tmp`, list.map((o) => `${o}\n`).join(''));
  renameSync(`${file}.tmp`, file);
}

function writeLoose(gitdir: string, oid: string, obj: NewObject): void {
  const dir = join(gitdir, 'objects', oid.slice(0, 2));
  const file = join(dir, oid.slice(2));
  if (existsSync(file)) return;
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `tmp_obj_${process.pid}_${oid.slice(2, 10)}`);
  writeFileSync(tmp, deflateSync(Buffer.concat([Buffer.from(`${obj.type} ${obj.content.length}\0`), obj.content])));
  renameSync(tmp, file);
}
