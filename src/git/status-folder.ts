// The status folder and the inputs as files on disk: what a plain folder repository reads and
// writes, and how a clone's work tree is brought in line with our own status commit.
import { createHash } from 'node:crypto';
import { mkdirSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { StatusFile } from '../model/ports.ts';
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

/** Files below a folder on disk, relative paths sorted; empty when the folder is absent. */
export async function readFolder(root: string): Promise<StatusFile[]> {
  const out: StatusFile[] = [];
  const walk = async (d: string, prefix: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(d, e.name), rel);
      else if (e.isFile()) out.push({ path: rel, text: await readFile(join(d, e.name), 'utf8') });
    }
  };
  await walk(root, '');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Makes the status folder on disk hold exactly `files`; returns the paths written or deleted. */
export async function writeStatusFolder(statusDir: string, files: ReadonlyMap<string, string>): Promise<string[]> {
  for (const path of files.keys()) statusFileSegments(path); // all checked before anything is written
  const existing = new Map((await readFolder(statusDir)).map((f) => [f.path, f.text]));
  const changed = [...files].filter(([path, text]) => existing.get(path) !== text).map(([path]) => path);
  for (const path of existing.keys()) if (!files.has(path)) changed.push(path);
  writeChangedStatusFiles(statusDir, files, changed);
  return changed;
}

/**
 * Writes (or deletes) just the listed status files, paths relative to the status folder.
 * Synchronous for the same reason as the loose-object writes: thousands of small files.
 */
export function writeChangedStatusFiles(statusDir: string, files: ReadonlyMap<string, string>, changed: readonly string[]): void {
  const made = new Set<string>();
  for (const path of changed) {
    const target = join(statusDir, ...statusFileSegments(path));
    const text = files.get(path);
    if (text === undefined) {
      unlinkQuiet(target);
      for (let d = dirname(target); d.startsWith(statusDir) && d !== statusDir; d = dirname(d)) {
        try {
          rmdirSync(d);
        } catch {
          break; // not empty
        }
      }
    } else {
      const parent = dirname(target);
      if (!made.has(parent)) mkdirSync(parent, { recursive: true });
      made.add(parent);
      // Unlink first: on ext4, truncating and rewriting an existing file forces its blocks out
      // at close (auto_da_alloc), ~10× slower than writing a fresh file.
      unlinkQuiet(target);
      writeFileSync(target, text);
    }
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
