// Finding and reading the manifests of a repository folder. The only I/O of the loader.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { basename, join } from 'node:path';
import type { Diagnostic } from '../model/diagnostics.ts';
import type { ManifestFile } from './index.ts';
import { MAX_MANIFEST_BYTES, tooLarge } from './parse-file.ts';
import { decodeUtf8 } from './utf8.ts';
import { readOnWorker, type RawRead } from './read-worker.ts';

export const DEFAULT_STATUS_DIR = 'status';

function normalizeDir(dir: string | undefined): string {
  return (dir ?? DEFAULT_STATUS_DIR).replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
}

/**
 * Whether a repo-relative path is a manifest gitset reads: `*.yaml`/`*.yml`, not under the status
 * folder, a hidden folder (`.git`, `.github`) or `node_modules`, and not hidden itself: files such
 * as `.gitlab-ci.yml` or `.pre-commit-config.yaml` configure tools, they are not manifests.
 */
export function isManifestPath(path: string, statusDir?: string): boolean {
  const p = path.includes('\\') ? path.replace(/\\/g, '/') : path;
  if (!isManifestName(p.slice(p.lastIndexOf('/') + 1))) return false;
  const status = statusDir === undefined ? DEFAULT_STATUS_DIR : normalizeDir(statusDir);
  if (status !== '' && (p === status || p.startsWith(`${status}/`))) return false;
  const segs = p.split('/');
  segs.pop();
  return !segs.some((d) => d.startsWith('.') || d === 'node_modules');
}

/** A file name gitset reads as a manifest: `*.yaml` or `*.yml` (any case), not hidden. */
function isManifestName(name: string): boolean {
  if (name.startsWith('.')) return false;
  const dot = name.lastIndexOf('.');
  const ext = dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
  return ext === 'yaml' || ext === 'yml';
}

/**
 * Reads every manifest under `dir` (paths relative to it, sorted), handing each to `each` as soon
 * as it is read, in path order: the loader parses a file while the next ones are read. What cannot
 * be read as one becomes a diagnostic, returned: an unreadable file, a symbolic link (never
 * followed: it could point out of the repository), a file over MAX_MANIFEST_BYTES, bytes that are
 * not UTF-8.
 */
export async function eachManifest(dir: string, opts: { statusDir?: string; inMemory?: FolderInMemory }, each: (file: ManifestFile) => void): Promise<Diagnostic[]> {
  if (opts.inMemory) return eachInMemory(opts.inMemory, normalizeDir(opts.statusDir), each);
  const diagnostics: Diagnostic[] = [];
  let single: boolean;
  let listing: Listing;
  try {
    // A single file (`gitset validate profile.yaml`) is a repository of one manifest, named by its user.
    single = (await stat(dir)).isFile();
    listing = single ? { files: [basename(dir)], links: [] } : await listFiles(dir, '', normalizeDir(opts.statusDir));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return [readError('.', `cannot read folder ${dir}: ${code}`)];
  }
  for (const p of listing.links) diagnostics.push(readError(p, linkMessage(p)));
  const paths = single ? listing.files.filter((p) => isManifestPath(p, opts.statusDir)) : listing.files.sort();
  const take = (i: number, raw: RawRead): void => {
    const r = manifestOf(paths[i]!, raw);
    if ('text' in r) each(r);
    else diagnostics.push(r);
  };
  // Many files: a worker reads all but the first ones while this thread parses. This thread reads
  // the first ones itself meanwhile (a worker takes about 50 ms to start); what the worker could
  // not read is read here too.
  const base = dir.endsWith('/') ? dir : `${dir}/`; // listed paths are relative and `/`-separated
  let from = 0;
  if (!single && paths.length >= WORKER_FROM) {
    const rest = readOnWorker(paths.slice(HEAD).map((p) => base + p), MAX_MANIFEST_BYTES, (i, raw) => take(HEAD + i, raw));
    for (; from < HEAD; from++) take(from, readRaw(base + paths[from]!));
    from += await rest;
  }
  for (let i = from; i < paths.length; i++) {
    // Synchronous reads, a batch per turn of the event loop: a promise per open, read and close
    // cost 5× the CPU for the 12k small files of a 10k fleet; a batch blocks for a few ms.
    if (i > from && (i - from) % READ_BATCH === 0) await nextTurn();
    take(i, single ? readRaw(dir, { follow: true }) : readRaw(base + paths[i]!));
  }
  return diagnostics;
}

/**
 * A folder's files in memory, by path relative to it: a fresh clone's checkout, which is being
 * written to disk meanwhile (git/clone.ts). Read as eachManifest reads the folder on disk.
 */
export interface FolderInMemory {
  files: ReadonlyMap<string, Uint8Array>;
  /** The symbolic links, by path. */
  links: readonly string[];
}

/** eachManifest over a folder in memory: the same listing (what listFiles would enter and report), the same judging of each file. */
function eachInMemory(folder: FolderInMemory, statusDir: string, each: (file: ManifestFile) => void): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  /** In a folder listFiles does not enter. */
  const unseen = (path: string): boolean => {
    const segs = path.split('/');
    segs.pop();
    return segs.some((seg, i) => skippedDir(seg, segs.slice(0, i + 1).join('/'), statusDir));
  };
  for (const p of folder.links) {
    if (!unseen(p) && (!skippedDir(p.slice(p.lastIndexOf('/') + 1), p, statusDir) || isManifestPath(p, statusDir))) diagnostics.push(readError(p, linkMessage(p)));
  }
  const paths = [...folder.files.keys()].filter((p) => !unseen(p) && isManifestName(p.slice(p.lastIndexOf('/') + 1))).sort();
  for (const p of paths) {
    const bytes = folder.files.get(p)!;
    const r = manifestOf(p, bytes.length > MAX_MANIFEST_BYTES ? { size: bytes.length } : { bytes });
    if ('text' in r) each(r);
    else diagnostics.push(r);
  }
  return diagnostics;
}

/** A folder listFiles does not enter: hidden, node_modules, or the status folder. */
function skippedDir(name: string, path: string, statusDir: string): boolean {
  return name.startsWith('.') || name === 'node_modules' || path === statusDir;
}

const READ_BATCH = 256;
/** From this many files on, a worker reads them (starting one costs about as much as reading 500). */
const WORKER_FROM = 1000;
/** Files read here while the worker starts: about the time it takes to start, at a 10k fleet's files. */
const HEAD = 512;

function readError(path: string, message: string, line = 1, col = 1): Diagnostic {
  return { file: path, line, col, severity: 'error', code: 'read-error', message };
}

const linkMessage = (path: string): string => `${path} is a symbolic link: gitset never follows links in the repository; not read`;

/** A file read, judged as a manifest, or a diagnostic about it. */
function manifestOf(path: string, raw: RawRead): ManifestFile | Diagnostic {
  if ('notFile' in raw) return readError(path, `${path} is not a regular file: not read`);
  if ('size' in raw) return tooLarge(path, raw.size);
  // O_NOFOLLOW on a link fails with ELOOP: a link that was not one when the folder was listed.
  if ('error' in raw) return readError(path, raw.error === 'ELOOP' ? linkMessage(path) : `cannot read ${path}: ${raw.error}`);
  const text = decodeUtf8(raw.bytes);
  if (typeof text === 'string') return { path, text };
  return readError(path, `${path} is not UTF-8 text (byte 0x${text.byte.toString(16)} at line ${text.line}, column ${text.col}): not read`, text.line, text.col);
}

/**
 * One file's bytes. Opened without following a link (a file swapped for one after the listing
 * is refused too) and without blocking (a FIFO swapped in reads as empty). One read of up to a
 * byte past the limit: a short read of a regular file is its end. The listing saw a regular
 * file; a folder swapped in fails the read, and only a file read to the limit is stat'ed, for
 * its size (a stat per file was a sixth of the reads' time).
 */
function readRaw(abs: string, opts: { follow?: boolean } = {}): RawRead {
  let fd: number | undefined;
  try {
    fd = openSync(abs, constants.O_RDONLY | constants.O_NONBLOCK | (opts.follow ? 0 : constants.O_NOFOLLOW));
    const buf = (shared ??= Buffer.allocUnsafe(MAX_MANIFEST_BYTES + 1));
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n > MAX_MANIFEST_BYTES) return { size: Math.max(n, fstatSync(fd).size) };
    return { bytes: buf.subarray(0, n) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return code === 'EISDIR' ? { notFile: true } : { error: code };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** One buffer for every read: a file's bytes are decoded into a string before the next is read. */
let shared: Buffer | undefined;

interface Listing {
  files: string[];
  /** Symbolic links met outside the folders skipped: reported, never followed. */
  links: string[];
}

/** Repo-relative paths of the manifests under `dir` (isManifestPath), not descending into skipped folders. */
async function listFiles(root: string, rel: string, statusDir: string): Promise<Listing> {
  const entries = await readdir(rel === '' ? root : join(root, rel), { withFileTypes: true });
  const out: Listing = { files: [], links: [] };
  for (const e of entries) {
    const p = rel === '' ? e.name : `${rel}/${e.name}`;
    const skipped = skippedDir(e.name, p, statusDir);
    if (e.isSymbolicLink()) {
      // Reported where a file or a folder of that name would have been read.
      if (!skipped || isManifestPath(p, statusDir)) out.links.push(p);
    } else if (e.isDirectory()) {
      if (skipped) continue;
      const inner = await listFiles(root, p, statusDir);
      out.files.push(...inner.files);
      out.links.push(...inner.links);
    } else if (e.isFile()) {
      // Hidden folders, node_modules and the status folder were not entered: the name decides.
      if (isManifestName(e.name)) out.files.push(p);
    }
  }
  return out;
}
