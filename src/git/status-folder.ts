// The status folder and the inputs as files on disk: what a plain folder repository reads and
// writes, and how a clone's work tree is brought in line with our own status commit.
import { createHash } from 'node:crypto';
import { constants, lstatSync, mkdirSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { StatusFile } from '../model/ports.ts';
import { GitError } from './errors.ts';
import { statusFileSegments } from './paths.ts';

/** Cheap identity of the inputs on disk: paths, sizes and mtimes outside .git and the status folder. */
export async function fingerprint(root: string, statusDir: string): Promise<string> {
  const hash = createHash('sha1');
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.name === '.git' || p === statusDir) continue;
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const s = await stat(p).catch(() => undefined);
        if (s) hash.update(`${p}\0${s.size}\0${s.mtimeMs}\n`);
      }
    }
  };
  await walk(root);
  return hash.digest('hex');
}

/** Files below a folder on disk, relative paths sorted; empty when the folder is absent. Symbolic links are skipped, never followed. */
export async function readFolder(root: string): Promise<StatusFile[]> {
  const out: StatusFile[] = [];
  const walk = async (d: string, prefix: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(d, e.name), rel);
      else if (e.isFile()) {
        // O_NOFOLLOW: a file swapped for a link after the listing is skipped (ELOOP), never followed.
        const text = await readFile(join(d, e.name), { encoding: 'utf8', flag: constants.O_RDONLY | constants.O_NOFOLLOW }).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ELOOP') return undefined;
          throw err;
        });
        if (text !== undefined) out.push({ path: rel, text });
      }
    }
  };
  await walk(root, '');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The first of `segs` below `root` that is a symbolic link (its path relative to `root`), if any.
 * gitset neither reads nor writes through one: a committed link could point anywhere.
 */
export function symlinkOnPath(root: string, segs: readonly string[]): string | undefined {
  let at = root;
  for (let i = 0; i < segs.length; i++) {
    at = join(at, segs[i]!);
    const st = lstatSync(at, { throwIfNoEntry: false });
    if (!st) return undefined;
    if (st.isSymbolicLink()) return segs.slice(0, i + 1).join('/');
  }
  return undefined;
}

/** Throws when the status folder (`statusSegs` below `root`) is reached through a symbolic link. */
export function assertRealStatusFolder(root: string, statusSegs: readonly string[]): void {
  const link = symlinkOnPath(root, statusSegs);
  if (link !== undefined) {
    throw new GitError('invalid-status-path', `${link} is a symbolic link where the status folder should be: gitset neither reads nor writes through it`);
  }
}

/** Makes the status folder on disk (`statusSegs` below `root`) hold exactly `files`; returns the paths written or deleted. */
export async function writeStatusFolder(root: string, statusSegs: readonly string[], files: ReadonlyMap<string, string>): Promise<string[]> {
  for (const path of files.keys()) statusFileSegments(path); // all checked before anything is written
  assertRealStatusFolder(root, statusSegs);
  const existing = new Map((await readFolder(join(root, ...statusSegs))).map((f) => [f.path, f.text]));
  const changed = [...files].filter(([path, text]) => existing.get(path) !== text).map(([path]) => path);
  for (const path of existing.keys()) if (!files.has(path)) changed.push(path);
  writeChangedStatusFiles(root, statusSegs, files, changed);
  return changed;
}

/**
 * Writes (or deletes) just the listed status files, paths relative to the status folder
 * (`statusSegs` below `root`). Never through a symbolic link: the status folder itself must not be
 * one, and a link or file inside it where a folder belongs is gitset's to replace (the status
 * commit already replaced it). Synchronous for the same reason as the loose-object writes:
 * thousands of small files.
 */
function writeChangedStatusFiles(root: string, statusSegs: readonly string[], files: ReadonlyMap<string, string>, changed: readonly string[]): void {
  assertRealStatusFolder(root, statusSegs);
  const statusDir = join(root, ...statusSegs);
  const made = new Set<string>();
  // Removals first: a link that a folder replaces is gone before anything is written below it.
  for (const path of [...changed].sort((a, b) => Number(files.has(a)) - Number(files.has(b)))) {
    const segs = statusFileSegments(path);
    const target = join(statusDir, ...segs);
    const text = files.get(path);
    if (text === undefined) {
      // Under a link the file is not in the status folder at all: nothing of ours to remove.
      if (symlinkOnPath(statusDir, segs.slice(0, -1)) === undefined) unlinkQuiet(target);
      for (let d = dirname(target); d.startsWith(statusDir) && d !== statusDir; d = dirname(d)) {
        try {
          rmdirSync(d);
        } catch {
          break; // not empty
        }
      }
    } else {
      const parent = dirname(target);
      if (!made.has(parent)) realFolders(statusDir, segs.slice(0, -1));
      made.add(parent);
      // Unlink first: on ext4, truncating and rewriting an existing file forces its blocks out
      // at close (auto_da_alloc), ~10× slower than writing a fresh file. `wx`: a link that
      // appeared meanwhile is never written through.
      unlinkQuiet(target);
      writeFileSync(target, text, { flag: 'wx' });
    }
  }
}

/** Makes each of `segs` below `dir` a real folder, replacing a link or file in the way. */
function realFolders(dir: string, segs: readonly string[]): void {
  mkdirSync(dir, { recursive: true });
  let at = dir;
  for (const seg of segs) {
    at = join(at, seg);
    const st = lstatSync(at, { throwIfNoEntry: false });
    if (st?.isDirectory()) continue;
    if (st) unlinkSync(at);
    mkdirSync(at);
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENAMETOOLONG: a name no file can have (left by an older gitset in Git) is not on disk.
    if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'ENAMETOOLONG') throw err;
  }
}
