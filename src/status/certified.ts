// A committed status file known to be exactly what gitset renders for the document read from it.
// Reading status back already checks that (status-reader.ts, StatusRead.canonical), so the first
// render after a start can take an unchanged object's text from Git with a comparison of plain
// data instead of writing 76 MB of YAML again at 10k clusters. A hand-edited file, one an older
// gitset wrote, or one written by any other rule is not certified and is rendered and written back.
import { HEADER } from './render.ts';
import type { StatusRead } from './status-reader.ts';

export interface CertifiedFile {
  text: string;
  /** What was read from `text`; renderDocument(doc) === text. */
  doc: unknown;
}

/**
 * The file as certified, when its text is the header and then exactly what the writer writes for
 * what it holds. The writer writes a mapping at the top: a file that holds a sequence there (a
 * hand edit) is canonical YAML, but not gitset's.
 */
export function certify(text: string, read: StatusRead): CertifiedFile | undefined {
  const mapping = typeof read.doc === 'object' && read.doc !== null && !Array.isArray(read.doc);
  return mapping && read.canonical && read.comments === 1 && text.startsWith(HEADER) ? { text, doc: read.doc } : undefined;
}

/** Whether rendering `doc` writes the certified file's text. */
export function rendersAs(doc: object, file: CertifiedFile): boolean {
  return sameWritten(doc, file.doc);
}

/**
 * Whether the status writer writes `a` and `b` alike: the same plain data as it sees it (keys in
 * any order, since it sorts them; undefined values dropped from mappings and written as null in
 * sequences; numbers by Object.is, as `-0.0` and `0` are written apart).
 */
export function sameWritten(a: unknown, b: unknown): boolean {
  if (typeof a === 'number') return Object.is(a, b);
  if (a === b) return true;
  if (typeof a !== 'object' || a === null) return (a ?? null) === null && (b ?? null) === null;
  if (typeof b !== 'object' || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameWritten(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  // for-in rather than Object.keys (no array per mapping: 40% faster here); an inherited key, which
  // the writer would not write, finds no own key on the other side and the answer is false.
  const am = a as Record<string, unknown>;
  const bm = b as Record<string, unknown>;
  let written = 0;
  for (const key in am) {
    const v = am[key];
    if (v === undefined) continue;
    written++;
    const w = bm[key];
    if (w === undefined || !Object.hasOwn(bm, key) || !Object.hasOwn(am, key) || !sameWritten(v, w)) return false;
  }
  for (const key in bm) if (bm[key] !== undefined) written--;
  return written === 0;
}
