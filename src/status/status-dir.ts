// The one file-system adapter of status/: read a status folder into a snapshot and write rendered
// files into it. Everything else in status/ is pure and takes {path, text} lists, so the git part
// can hand over the files of any commit instead of a folder.
import { constants } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { readStatusFiles, type StatusFile } from './read.ts';
import type { PreviousStatus } from './snapshot.ts';

const OBJECT_KINDS = new Set(['SveltosCluster', 'ClusterSet', 'Set', 'ClusterProfile', 'Profile', 'ClusterPromotion']);

/** A status folder as found on disk: its files, and the symbolic links met (never followed). */
export interface StatusFolder {
  files: StatusFile[];
  /** Paths relative to the folder; `.` when the folder itself is a link. */
  links: string[];
}

/** What is said about a link in the status folder. */
export const LINK_MESSAGE = 'a symbolic link: gitset neither reads nor writes through it';

/**
 * Every `*.yaml` file under `dir`, paths relative to it with `/` separators; none when `dir` is
 * missing or not a folder. Symbolic links, the folder itself included, are listed, not followed.
 */
export async function readStatusFolder(dir: string): Promise<StatusFolder> {
  const out: StatusFolder = { files: [], links: [] };
  const top = await lstat(dir).catch(() => undefined);
  if (top?.isSymbolicLink()) return { files: [], links: ['.'] };
  async function walk(d: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (err) {
      // No folder (or a file where it would be, as when validating one manifest): no status files.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw err;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      const path = relative(dir, p).split(sep).join('/');
      if (e.isSymbolicLink()) out.links.push(path);
      else if (e.isDirectory()) await walk(p);
      else if (e.isFile() && /\.ya?ml$/.test(e.name)) {
        // O_NOFOLLOW: a file swapped for a link after the listing fails (ELOOP) rather than being followed.
        const text = await readFile(p, { encoding: 'utf8', flag: constants.O_RDONLY | constants.O_NOFOLLOW }).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ELOOP') throw err;
          out.links.push(path);
          return undefined;
        });
        if (text !== undefined) out.files.push({ path, text });
      }
    }
  }
  await walk(dir);
  out.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  out.links.sort();
  return out;
}

/** The files of `readStatusFolder`. */
export async function listStatusFiles(dir: string): Promise<StatusFile[]> {
  return (await readStatusFolder(dir)).files;
}

/** The snapshot the folder's files give; each link is a problem (reported, never followed). */
export async function readStatusDir(dir: string): Promise<PreviousStatus> {
  return statusFromFolder(await readStatusFolder(dir));
}

/** The same for a folder however it was read (on disk, or from a commit of a status branch). */
export function statusFromFolder(folder: StatusFolder): PreviousStatus {
  const snapshot = readStatusFiles(folder.files);
  if (folder.links.length === 0) return snapshot;
  return { ...snapshot, problems: [...(snapshot.problems ?? []), ...folder.links.map((path) => ({ path, message: LINK_MESSAGE }))] };
}

/**
 * Makes `dir` hold exactly `files` (relative path → content): writes what differs, removes status
 * files of objects that are gone. Returns the relative paths written and removed.
 */
export async function writeStatusDir(dir: string, files: ReadonlyMap<string, string>): Promise<{ written: string[]; removed: string[] }> {
  const existing = new Map((await listStatusFiles(dir)).map((f) => [f.path, f.text]));
  const written: string[] = [];
  const removed: string[] = [];
  for (const [path, text] of files) {
    if (existing.get(path) === text) continue;
    const target = join(dir, ...path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, text);
    written.push(path);
  }
  for (const path of existing.keys()) {
    // Only object files (`<Kind>/…`) are ours to remove; e.g. the daemon's gitset.yaml stays.
    if (!files.has(path) && OBJECT_KINDS.has(path.split('/')[0]!) && path.includes('/')) {
      await rm(join(dir, ...path.split('/')), { force: true });
      removed.push(path);
    }
  }
  return { written, removed };
}
