// Unpacks the `kustomize.tar.gz` a ConfigMap carries (Sveltos' format for kustomizationRefs of
// kind ConfigMap) into a fresh folder. The archive comes from a pull request, so it is hostile
// until proven otherwise: only regular files and folders, no absolute path, no `..`, no link of
// any kind, bounded in size and entries. Anything else refuses the whole archive.
import { gunzipSync } from 'node:zlib';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';

/** Unpacked size and entry count an archive may reach: far above any kustomization. */
export const MAX_UNPACKED_BYTES = 32 * 1024 * 1024;
export const MAX_ENTRIES = 10_000;

export type TarballErrorCode = 'bad-archive' | 'unsafe-entry' | 'too-large';

export class TarballError extends Error {
  override readonly name = 'TarballError';
  constructor(
    readonly code: TarballErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface TarEntry {
  path: string;
  type: 'file' | 'dir';
  data: Buffer;
}

/** The entries of a tar or tar.gz archive, checked; throws TarballError. Pure. */
export function readTarball(archive: Buffer): TarEntry[] {
  const tar = isGzip(archive) ? gunzip(archive) : archive;
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break; // end of archive
    if (!checksumOk(header)) throw new TarballError('bad-archive', `not a tar archive (bad header checksum at byte ${offset})`);
    const size = octal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156] ?? 0);
    const start = offset + 512;
    if (start + size > tar.length) throw new TarballError('bad-archive', 'the archive is truncated');
    const body = tar.subarray(start, start + size);
    offset = start + Math.ceil(size / 512) * 512;
    if (type === 'L') longName = cString(body);
    else if (type === 'x') paxPath = paxRecords(body).get('path');
    else if (type === 'g') continue;
    else {
      const name = paxPath ?? longName ?? headerName(header);
      longName = paxPath = undefined;
      const entry = checkedEntry(name, type, body);
      if (entry) entries.push(entry);
      if (entries.length > MAX_ENTRIES) throw new TarballError('too-large', `the archive holds more than ${MAX_ENTRIES} entries`);
    }
  }
  return entries;
}

/** Writes the entries under `dir` (a fresh folder: nothing there can be a link). */
export async function writeEntries(dir: string, entries: readonly TarEntry[]): Promise<void> {
  for (const e of entries) {
    const target = join(dir, ...e.path.split('/'));
    if (e.type === 'dir') await mkdir(target, { recursive: true });
    else {
      await mkdir(join(target, '..'), { recursive: true });
      await writeFile(target, e.data, { mode: 0o644 });
    }
  }
}

function checkedEntry(name: string, type: string, body: Buffer): TarEntry | undefined {
  const shown = JSON.stringify(name.slice(0, 200));
  if (name.includes('\0') || name.includes('\\')) throw new TarballError('unsafe-entry', `entry ${shown}: a path with NUL or backslash is refused`);
  if (posix.isAbsolute(name)) throw new TarballError('unsafe-entry', `entry ${shown}: an absolute path is refused`);
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw new TarballError('unsafe-entry', `entry ${shown}: a path with .. is refused`);
  if (type === '1' || type === '2') throw new TarballError('unsafe-entry', `entry ${shown}: links are refused`);
  if (type !== '0' && type !== '\0' && type !== '5' && type !== '7') throw new TarballError('unsafe-entry', `entry ${shown}: only files and folders are unpacked (type ${JSON.stringify(type)})`);
  if (segments.length === 0) return undefined; // the root folder itself
  // macOS tar's AppleDouble companions carry no kustomization content (Sveltos skips them too).
  if (segments.at(-1)!.startsWith('._')) return undefined;
  return { path: segments.join('/'), type: type === '5' ? 'dir' : 'file', data: type === '5' ? Buffer.alloc(0) : Buffer.from(body) };
}

function isGzip(b: Buffer): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

function gunzip(archive: Buffer): Buffer {
  try {
    return gunzipSync(archive, { maxOutputLength: MAX_UNPACKED_BYTES });
  } catch (err) {
    if (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new TarballError('too-large', `the archive unpacks to more than ${MAX_UNPACKED_BYTES / (1024 * 1024)} MiB`);
    }
    throw new TarballError('bad-archive', `not a gzip archive: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function headerName(h: Buffer): string {
  const name = cString(h.subarray(0, 100));
  const magic = h.subarray(257, 262).toString('latin1');
  const prefix = magic === 'ustar' ? cString(h.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function cString(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
}

function octal(b: Buffer): number {
  const text = cString(b).trim();
  if (!/^[0-7]*$/.test(text)) throw new TarballError('bad-archive', 'not a tar archive (bad size field)');
  return text === '' ? 0 : parseInt(text, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return octal(h.subarray(148, 156)) === sum;
}

/** PAX extended header records: `<len> <key>=<value>\n`. */
function paxRecords(body: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of body.toString('utf8').split('\n')) {
    const m = /^\d+ ([^=]+)=(.*)$/s.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}
