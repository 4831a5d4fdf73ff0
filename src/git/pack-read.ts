// Reading objects straight out of the clone's packs: the index binary-searched, the entry
// inflated with Node's zlib, deltas applied here. isomorphic-git's own read of one object
// stats the gitdir, lists the pack folder, tries a loose file and hashes the result; for
// a checkout of 22,000 files that was most of a first start. Whatever is not found here
// (loose objects, a pack written since) is left to isomorphic-git by the caller.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';

export type PackedType = 'commit' | 'tree' | 'blob' | 'tag';

export interface PackedObject {
  type: PackedType;
  data: Buffer;
}

const TYPES: Record<number, PackedType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
const OFS_DELTA = 6;
const REF_DELTA = 7;
/** Resolved delta bases kept, in bytes: a checkout reads neighbours that share bases. */
const BASE_CACHE_BYTES = 64 * 2 ** 20;

interface OnePack {
  idx: Buffer;
  /** Resolved delta bases of this pack, by offset (an offset names an object in one pack only). */
  bases: Map<number, PackedObject>;
  /** Objects the clone that wrote this pack resolved already, by offset (until the checkout is written). */
  fetched?: Map<number, PackedObject>;
  count: number;
  /** Where each object ends: the next object's offset, or the trailer. Keyed by offset. */
  ends: Map<number, number>;
  data: Buffer;
}

interface Packs {
  dir: string;
  names: string;
  packs: OnePack[];
  /** Bytes of resolved bases kept across all packs. */
  baseBytes: number;
}

/**
 * Objects a clone just resolved while indexing its pack (fetch-pack.ts), by pack checksum: the
 * first checkout reads them from memory instead of inflating every object a second time. Taken
 * by the pack when it is first loaded, let go with dropFetched once the checkout is written.
 */
const offered = new Map<string, Map<number, PackedObject>>();

export function offerFetched(checksum: string, objects: Map<number, PackedObject>): void {
  offered.clear(); // one clone at a time: an earlier offer no checkout took is let go
  offered.set(checksum, objects);
}

/** The checkout is written: the objects offered by the clone are let go. */
export function dropFetched(gitdir: string, cache: object): void {
  offered.clear();
  for (const pack of byCache.get(cache)?.get(gitdir)?.packs ?? []) delete pack.fetched;
}

/** One pack set per isomorphic-git cache object: a re-clone starts a new cache, and so new packs. */
const byCache = new WeakMap<object, Map<string, Packs>>();

function packsOf(gitdir: string, cache: object): Packs {
  let perDir = byCache.get(cache);
  if (!perDir) byCache.set(cache, (perDir = new Map()));
  let packs = perDir.get(gitdir);
  if (!packs) perDir.set(gitdir, (packs = { dir: join(gitdir, 'objects', 'pack'), names: '', packs: [], baseBytes: 0 }));
  return packs;
}

/** Loads the packs that appeared since the last look; false when none did. */
function refresh(p: Packs): boolean {
  let names: string[];
  try {
    names = readdirSync(p.dir).filter((n) => n.endsWith('.idx')).sort();
  } catch {
    return false;
  }
  const key = names.join('\n');
  if (key === p.names) return false;
  const known = new Set(p.names.split('\n'));
  for (const name of names) if (!known.has(name)) p.packs.push(loadPack(join(p.dir, name)));
  p.names = key;
  return true;
}

function loadPack(idxPath: string): OnePack {
  const idx = readFileSync(idxPath);
  if (idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) throw new Error(`${idxPath}: not a version-2 pack index`);
  const count = idx.readUInt32BE(8 + 255 * 4);
  const data = readFileSync(idxPath.replace(/\.idx$/, '.pack'));
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) offsets.push(offsetAt(idx, count, i));
  offsets.sort((a, b) => a - b);
  const ends = new Map<number, number>();
  for (let i = 0; i < count; i++) ends.set(offsets[i]!, offsets[i + 1] ?? data.length - 20);
  const checksum = data.length >= 20 ? data.toString('hex', data.length - 20) : '';
  const fetched = offered.get(checksum);
  offered.delete(checksum);
  return { idx, bases: new Map(), count, ends, data, ...(fetched ? { fetched } : {}) };
}

function offsetAt(idx: Buffer, count: number, i: number): number {
  const base = 8 + 256 * 4 + count * 24;
  const small = idx.readUInt32BE(base + i * 4);
  if (small < 0x80000000) return small;
  return Number(idx.readBigUInt64BE(base + count * 4 + (small & 0x7fffffff) * 8));
}

/** The entry's offset in the pack, by binary search between the fan-out bounds. */
function find(pack: OnePack, oid: Buffer): number | undefined {
  const { idx, count } = pack;
  const first = oid[0]!;
  let lo = first === 0 ? 0 : idx.readUInt32BE(8 + (first - 1) * 4);
  let hi = idx.readUInt32BE(8 + first * 4);
  const names = 8 + 256 * 4;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = oid.compare(idx, names + mid * 20, names + mid * 20 + 20);
    if (c === 0) return offsetAt(idx, count, mid);
    if (c < 0) hi = mid;
    else lo = mid + 1;
  }
  return undefined;
}

/** The object `oid` from the clone's packs, or undefined when no pack holds it. */
export function readPacked(gitdir: string, cache: object, oid: string): PackedObject | undefined {
  const p = packsOf(gitdir, cache);
  const key = Buffer.from(oid, 'hex');
  if (key.length !== 20) return undefined;
  if (p.packs.length === 0) refresh(p);
  for (;;) {
    for (const pack of p.packs) {
      const at = find(pack, key);
      if (at !== undefined) return readAt(p, pack, at);
    }
    if (!refresh(p)) return undefined;
  }
}

/** `asBase`: a delta builds on it, and likely others too: kept. */
function readAt(p: Packs, pack: OnePack, offset: number, asBase = false): PackedObject | undefined {
  const cached = pack.fetched?.get(offset) ?? pack.bases.get(offset);
  if (cached) return cached;
  const { data } = pack;
  let at = offset;
  let byte = data[at++]!;
  const kind = (byte >> 4) & 7;
  let size = byte & 0x0f;
  for (let shift = 16; byte & 0x80; shift *= 128) {
    byte = data[at++]!;
    size += (byte & 0x7f) * shift;
  }
  let base: PackedObject | undefined;
  if (kind === OFS_DELTA) {
    byte = data[at++]!;
    let back = byte & 0x7f;
    while (byte & 0x80) {
      byte = data[at++]!;
      back = (back + 1) * 128 + (byte & 0x7f);
    }
    base = readAt(p, pack, offset - back, true);
  } else if (kind === REF_DELTA) {
    const baseOid = data.subarray(at, at + 20);
    at += 20;
    const baseAt = find(pack, baseOid);
    base = baseAt === undefined ? undefined : readAt(p, pack, baseAt, true);
  }
  const body = inflateSync(data.subarray(at, pack.ends.get(offset)), { chunkSize: Math.min(Math.max(size + 1, 64), 1 << 20) });
  let out: PackedObject | undefined;
  if (kind !== OFS_DELTA && kind !== REF_DELTA) {
    const type = TYPES[kind];
    out = type ? { type, data: body } : undefined;
  } else if (base) {
    out = { type: base.type, data: applyDelta(base.data, body) };
  }
  if (out && asBase) remember(p, pack, offset, out);
  return out;
}

/** Delta results are what later deltas build on; kept until the budget is spent, then dropped at once. */
function remember(p: Packs, pack: OnePack, offset: number, obj: PackedObject): void {
  if (p.baseBytes + obj.data.length > BASE_CACHE_BYTES) {
    for (const each of p.packs) each.bases.clear();
    p.baseBytes = 0;
  }
  pack.bases.set(offset, obj);
  p.baseBytes += obj.data.length;
}

/** A git delta applied to its base. */
export function applyDelta(base: Buffer, delta: Buffer): Buffer {
  let at = 0;
  const varint = (): number => {
    let n = 0;
    let shift = 1;
    let byte: number;
    do {
      byte = delta[at++]!;
      n += (byte & 0x7f) * shift;
      shift *= 128;
    } while (byte & 0x80);
    return n;
  };
  if (varint() !== base.length) throw new Error('pack delta does not fit its base');
  const out = Buffer.allocUnsafe(varint());
  let written = 0;
  while (at < delta.length) {
    const op = delta[at++]!;
    if (op & 0x80) {
      let from = 0;
      let size = 0;
      for (let i = 0; i < 4; i++) if (op & (1 << i)) from += delta[at++]! * 2 ** (8 * i);
      for (let i = 0; i < 3; i++) if (op & (0x10 << i)) size += delta[at++]! * 2 ** (8 * i);
      if (size === 0) size = 0x10000;
      if (from + size > base.length || written + size > out.length) throw new Error('pack delta copies from outside its base');
      written += copyBytes(base, from, size, out, written);
    } else if (op > 0) {
      if (at + op > delta.length || written + op > out.length) throw new Error('pack delta is cut short');
      written += copyBytes(delta, at, op, out, written);
      at += op;
    } else {
      throw new Error('pack delta holds a reserved instruction');
    }
  }
  if (written !== out.length) throw new Error('pack delta result has the wrong size');
  return out;
}

/**
 * Most delta instructions copy a few dozen bytes: a loop is cheaper than Buffer#copy, which
 * makes a view per call (half of indexing a clone's pack went there). Bounds checked by the caller.
 */
function copyBytes(from: Buffer, start: number, size: number, to: Buffer, at: number): number {
  if (size > 64) return from.copy(to, at, start, start + size);
  for (let i = 0; i < size; i++) to[at + i] = from[start + i]!;
  return size;
}

export interface PackedTreeEntry {
  mode: '040000' | '100644' | '100755' | '120000' | '160000';
  path: string;
  oid: string;
  type: 'tree' | 'blob' | 'commit';
}

const MODES: Record<string, [PackedTreeEntry['mode'], PackedTreeEntry['type']]> = {
  '40000': ['040000', 'tree'], '100644': ['100644', 'blob'], '100755': ['100755', 'blob'], '120000': ['120000', 'blob'], '160000': ['160000', 'commit'],
};

/**
 * A tree's entries as isomorphic-git's readTree gives them (same modes, types and order), or
 * undefined for anything unusual: a name that is not plain ASCII or that git refuses, an odd
 * mode. The caller then asks isomorphic-git, whose answer (or error) stands.
 */
export function parseTree(data: Buffer): PackedTreeEntry[] | undefined {
  const out: PackedTreeEntry[] = [];
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(32, at);
    const nul = data.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 21 > data.length) return undefined;
    const mode = MODES[data.toString('latin1', at, space)];
    for (let i = space + 1; i < nul; i++) if (data[i]! >= 0x80 || data[i] === 0x5c || data[i] === 0x2f || data[i] === 0x3a) return undefined;
    const path = data.toString('latin1', space + 1, nul);
    const plain = path.toLowerCase().replace(/[. ]+$/, '');
    if (!mode || path === '.' || path === '..' || plain === '.git' || /^\.?git~[1-9]$/.test(plain)) return undefined;
    out.push({ mode: mode[0], path, oid: data.toString('hex', nul + 1, nul + 21), type: mode[1] });
    at = nul + 21;
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
