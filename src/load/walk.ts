// Finding and reading the manifests of a repository folder. The only I/O of the loader.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { basename, join } from 'node:path';
import type { Diagnostic } from '../model/diagnostics.ts';
import type { ManifestFile } from './index.ts';
import { MAX_MANIFEST_BYTES, tooLarge } from './parse-file.ts';
import { decodeUtf8 } from './utf8.ts';

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
  const p = path.replace(/\\/g, '/');
  if (!/\.ya?ml$/i.test(p)) return false;
  const status = normalizeDir(statusDir);
  if (status !== '' && (p === status || p.startsWith(`${status}/`))) return false;
  const segs = p.split('/');
  return !segs.some((d) => d.startsWith('.')) && !segs.slice(0, -1).includes('node_modules');
}

/**
 * Reads every manifest under `dir` (paths relative to it, sorted). What cannot be read as one
 * becomes a diagnostic: an unreadable file, a symbolic link (never followed: it could point out of
 * the repository), a file over MAX_MANIFEST_BYTES, bytes that are not UTF-8.
 */
export async function readManifests(
  dir: string,
  opts: { statusDir?: string } = {},
): Promise<{ files: ManifestFile[]; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  let single: boolean;
  let listing: Listing;
  try {
    // A single file (`gitset validate profile.yaml`) is a repository of one manifest, named by its user.
    single = (await stat(dir)).isFile();
    listing = single ? { files: [basename(dir)], links: [] } : await listFiles(dir, '', normalizeDir(opts.statusDir));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { files: [], diagnostics: [readError('.', `cannot read folder ${dir}: ${code}`)] };
  }
  for (const p of listing.links) diagnostics.push(readError(p, linkMessage(p)));
  const paths = single ? listing.files : listing.files.filter((p) => isManifestPath(p, opts.statusDir)).sort();
  const files: ManifestFile[] = [];
  for (let i = 0; i < paths.length; i++) {
    // Synchronous reads, a batch per turn of the event loop: a promise per open, stat, read and
    // close cost 5× the CPU for the 12k small files of a 10k fleet; a batch blocks for a few ms.
    if (i > 0 && i % READ_BATCH === 0) await nextTurn();
    const p = paths[i]!;
    const r = single ? readManifest(dir, p, { follow: true }) : readManifest(join(dir, p), p);
    if ('text' in r) files.push(r);
    else diagnostics.push(r);
  }
  return { files, diagnostics };
}

const READ_BATCH = 256;

function readError(path: string, message: string, line = 1, col = 1): Diagnostic {
  return { file: path, line, col, severity: 'error', code: 'read-error', message };
}

const linkMessage = (path: string): string => `${path} is a symbolic link: gitset never follows links in the repository; not read`;

/**
 * One manifest's text. Opened without following a link (a file swapped for one after the listing
 * is refused too), its size checked before reading, its bytes decoded strictly.
 */
function readManifest(abs: string, path: string, opts: { follow?: boolean } = {}): ManifestFile | Diagnostic {
  let fd: number | undefined;
  try {
    fd = openSync(abs, constants.O_RDONLY | constants.O_NONBLOCK | (opts.follow ? 0 : constants.O_NOFOLLOW));
    const info = fstatSync(fd);
    if (!info.isFile()) return readError(path, `${path} is not a regular file: not read`);
    if (info.size > MAX_MANIFEST_BYTES) return tooLarge(path, info.size);
    const bytes = readAll(fd, info.size);
    if (bytes.length > MAX_MANIFEST_BYTES) return tooLarge(path, bytes.length);
    const text = decodeUtf8(bytes);
    if (typeof text === 'string') return { path, text };
    return readError(path, `${path} is not UTF-8 text (byte 0x${text.byte.toString(16)} at line ${text.line}, column ${text.col}): not read`, text.line, text.col);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    // O_NOFOLLOW on a link fails with ELOOP: a link that was not one when the folder was listed.
    if (code === 'ELOOP') return readError(path, linkMessage(path));
    return readError(path, `cannot read ${path}: ${code}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** One buffer for every read: a file's bytes are decoded into a string before the next is read. */
let shared: Buffer | undefined;

/**
 * The file's bytes up to end of file, reading at most one byte past the limit (a file that grew
 * after its stat). A short read of a regular file is its end: no second read to find it.
 */
function readAll(fd: number, size: number): Buffer {
  const buf = (shared ??= Buffer.allocUnsafe(MAX_MANIFEST_BYTES + 1));
  let total = 0;
  for (let want = Math.min(size, MAX_MANIFEST_BYTES) + 1; total <= MAX_MANIFEST_BYTES; want = buf.length - total) {
    const n = readSync(fd, buf, total, want, null);
    total += n;
    if (n < want) break;
  }
  return buf.subarray(0, total);
}

interface Listing {
  files: string[];
  /** Symbolic links met outside the folders skipped: reported, never followed. */
  links: string[];
}

/** Repo-relative paths of the files under `dir`, not descending into skipped folders. */
async function listFiles(root: string, rel: string, statusDir: string): Promise<Listing> {
  const entries = await readdir(rel === '' ? root : join(root, rel), { withFileTypes: true });
  const out: Listing = { files: [], links: [] };
  for (const e of entries) {
    const p = rel === '' ? e.name : `${rel}/${e.name}`;
    const skippedDir = e.name.startsWith('.') || e.name === 'node_modules' || p === statusDir;
    if (e.isSymbolicLink()) {
      // Reported where a file or a folder of that name would have been read.
      if (!skippedDir || isManifestPath(p, statusDir)) out.links.push(p);
    } else if (e.isDirectory()) {
      if (skippedDir) continue;
      const inner = await listFiles(root, p, statusDir);
      out.files.push(...inner.files);
      out.links.push(...inner.links);
    } else if (e.isFile()) {
      out.files.push(p);
    }
  }
  return out;
}
