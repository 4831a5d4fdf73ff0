// The one file-system adapter of status/: read a status folder into a snapshot and write rendered
// files into it. Everything else in status/ is pure and takes {path, text} lists, so the git part
// can hand over the files of any commit instead of a folder.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { readStatusFiles, type StatusFile } from './read.ts';
import type { PreviousStatus } from './snapshot.ts';

const OBJECT_KINDS = new Set(['SveltosCluster', 'ClusterSet', 'Set', 'ClusterProfile', 'Profile']);

/** Every `*.yaml` file under `dir`, paths relative to it with `/` separators; none when `dir` is missing or not a folder. */
export async function listStatusFiles(dir: string): Promise<StatusFile[]> {
  const out: StatusFile[] = [];
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
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && /\.ya?ml$/.test(e.name)) {
        out.push({ path: relative(dir, p).split(sep).join('/'), text: await readFile(p, 'utf8') });
      }
    }
  }
  await walk(dir);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export async function readStatusDir(dir: string): Promise<PreviousStatus> {
  return readStatusFiles(await listStatusFiles(dir));
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
