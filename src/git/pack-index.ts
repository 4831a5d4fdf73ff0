// Indexing a pack as it arrives: every object's name, offset and CRC (pack.ts writes the index),
// and every object resolved on the way for the first checkout. The server streams a clone's pack
// for a while after its first byte; objects are inflated, hashed and their deltas applied as their
// bytes come in, so that little is left to do when the last byte lands. Checked against the pack's
// trailer before anything is used: a truncated or corrupted pack is refused whole.
import { createHash } from 'node:crypto';
import { crc32, inflateSync } from 'node:zlib';
import { Errors } from 'isomorphic-git';
import type { Pack } from './pack.ts';
import { applyDelta, type PackedObject } from './pack-read.ts';

const TYPES = ['', 'commit', 'tree', 'blob', 'tag'] as const;
const OFS_DELTA = 6;
const REF_DELTA = 7;

interface Entry {
  offset: number;
  kind: number;
  /** Inflated: the object, or the delta against its base. */
  body: Buffer;
  base?: number | string;
  crc: number;
}

type Resolved = PackedObject & { oid: string };

export interface IndexedPack {
  pack: Pack;
  /** Every object, resolved while indexing, by offset. */
  objects: Map<number, PackedObject>;
}

/** Takes a pack's bytes in pieces of any size (push) and indexes what it can as they come; end() checks and finishes. */
export class PackIndexer {
  private buf = Buffer.allocUnsafe(1 << 20);
  private len = 0;
  private readonly hash = createHash('sha1');
  private hashed = 0;
  private at = 12;
  private count = -1;
  private readonly entries: Entry[] = [];
  private retryAt = 0;
  private readonly byOffset = new Map<number, Entry>();
  private readonly resolved = new Map<number, Resolved>();
  private readonly byOid = new Map<string, number>();
  /** Deltas left for the end: against a base named by oid, or a base itself left. */
  private readonly deferred = new Set<number>();

  /** Objects read so far: all of them once their bytes came, before end() is called. */
  get read(): number {
    return this.entries.length;
  }

  push(chunk: Uint8Array): void {
    if (this.len + chunk.length > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + chunk.length));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
    // The last 20 bytes may be the trailer: hashed only once more came after them.
    if (this.len - 20 > this.hashed) {
      this.hash.update(this.buf.subarray(this.hashed, this.len - 20));
      this.hashed = this.len - 20;
    }
    if (this.len < this.retryAt) return;
    try {
      this.drain(false);
    } catch {
      // Whatever is wrong is said by end(), after the checksum: a damaged pack is reported as one.
      this.retryAt = Infinity;
    }
  }

  end(): IndexedPack {
    const bytes = this.buf.subarray(0, this.len);
    if (bytes.length < 32 || bytes.toString('latin1', 0, 4) !== 'PACK') throw new Errors.SmartHttpError('the server sent no pack', '');
    const trailer = bytes.subarray(bytes.length - 20);
    if (!this.hash.digest().equals(trailer)) throw new Errors.SmartHttpError('the pack received does not match its checksum (truncated or corrupted)', '');
    this.drain(true);
    if (this.at !== bytes.length - 20) throw new Errors.SmartHttpError('the pack received has trailing bytes', '');
    this.resolveDeferred();
    const entries = this.entries.map((e) => ({ oid: this.resolved.get(e.offset)!.oid, offset: e.offset, crc: e.crc }));
    return { pack: { bytes, checksum: trailer.toString('hex'), entries }, objects: this.resolved };
  }

  /** Reads the objects whose bytes are all here (all of them once `final`). */
  private drain(final: boolean): void {
    if (this.count < 0) {
      if (this.len < 12) return;
      if (this.buf.toString('latin1', 0, 4) !== 'PACK') throw new Errors.SmartHttpError('the server sent no pack', '');
      this.count = this.buf.readUInt32BE(8);
    }
    const end = final ? this.len - 20 : this.len;
    while (this.entries.length < this.count) {
      const entry = readEntry(this.buf, this.at, end, final);
      if (!entry) {
        // Tried again once what came of it doubled: a large object is inflated a few times, not once per piece.
        this.retryAt = this.len + Math.max(1, this.len - this.at);
        return;
      }
      this.entries.push(entry.entry);
      this.byOffset.set(entry.entry.offset, entry.entry);
      this.at = entry.next;
      this.take(entry.entry);
    }
  }

  /** Names the object now unless it is a delta whose base is named by oid (or is itself left for the end). */
  private take(e: Entry): void {
    if (typeof e.base === 'string' || (typeof e.base === 'number' && this.deferred.has(e.base))) this.deferred.add(e.offset);
    else this.resolve(e, 0);
  }

  private resolveDeferred(): void {
    for (let pending = this.entries.filter((e) => this.deferred.has(e.offset)); pending.length > 0; ) {
      const ready = pending.filter((e) => (typeof e.base === 'string' ? this.byOid.has(e.base) : this.resolved.has(e.base!)));
      if (ready.length === 0) throw new Errors.SmartHttpError('the pack holds a delta whose base is missing', '');
      for (const e of ready) this.resolve(e, 0);
      pending = pending.filter((e) => !this.resolved.has(e.offset));
    }
  }

  private resolve(e: Entry, depth: number): Resolved {
    const done = this.resolved.get(e.offset);
    if (done) return done;
    if (depth > 10_000) throw new Errors.SmartHttpError('the pack holds a delta chain without end', '');
    let type: PackedObject['type'];
    let data: Buffer;
    if (e.base === undefined) {
      type = TYPES[e.kind] as PackedObject['type'];
      data = e.body;
    } else {
      const baseEntry = typeof e.base === 'number' ? this.byOffset.get(e.base) : this.byOffset.get(this.byOid.get(e.base) ?? -1);
      if (!baseEntry) throw new Errors.SmartHttpError(`the pack holds a delta whose base is missing (at ${e.offset})`, '');
      const base = this.resolve(baseEntry, depth + 1);
      type = base.type;
      data = applyDelta(base.data, e.body);
    }
    const oid = createHash('sha1').update(`${type} ${data.length}\0`).update(data).digest('hex');
    const out = { type, data, oid };
    this.resolved.set(e.offset, out);
    this.byOid.set(oid, e.offset);
    return out;
  }
}

/** Checks and indexes a whole pack. */
export function indexPack(bytes: Buffer): Pack {
  const indexer = new PackIndexer();
  indexer.push(bytes);
  return indexer.end().pack;
}

/** The object at `offset`, or undefined when its bytes run past `end` (and more may come: not `final`). */
function readEntry(bytes: Buffer, offset: number, end: number, final: boolean): { entry: Entry; next: number } | undefined {
  const header = readHeader(bytes, offset, end);
  if (!header) {
    if (final) throw new Errors.SmartHttpError(`the pack ends inside an object's header (at ${offset})`, '');
    return undefined;
  }
  const { kind, size, base, at } = header;
  let inflated: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    inflated = inflateSync(bytes.subarray(at, end), { info: true, chunkSize: outputChunk(size) }) as unknown as typeof inflated;
  } catch (err) {
    // Cut short by the end of what arrived so far: read again once more came.
    if (!final && (err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') return undefined;
    throw err;
  }
  const next = at + inflated.engine.bytesWritten;
  return { entry: { offset, kind, body: inflated.buffer, ...(base !== undefined ? { base } : {}), crc: crc32(bytes.subarray(offset, next)) }, next };
}

/** An object's type, size and base, and where its deflated bytes start; undefined when the header runs past `end`. */
function readHeader(bytes: Buffer, offset: number, end: number): { kind: number; size: number; base?: number | string; at: number } | undefined {
  let at = offset;
  if (at >= end) return undefined;
  let byte = bytes[at++]!;
  const kind = (byte >> 4) & 7;
  let size = byte & 0x0f;
  for (let shift = 16; byte & 0x80; shift *= 128) {
    if (at >= end) return undefined;
    byte = bytes[at++]!;
    size += (byte & 0x7f) * shift;
  }
  if (kind === OFS_DELTA) {
    if (at >= end) return undefined;
    byte = bytes[at++]!;
    let back = byte & 0x7f;
    while (byte & 0x80) {
      if (at >= end) return undefined;
      byte = bytes[at++]!;
      back = (back + 1) * 128 + (byte & 0x7f);
    }
    return { kind, size, base: offset - back, at };
  }
  if (kind === REF_DELTA) return at + 20 > end ? undefined : { kind, size, base: bytes.toString('hex', at, at + 20), at: at + 20 };
  if (!TYPES[kind]) throw new Errors.SmartHttpError(`the pack holds an object of unknown type ${kind} at ${offset}`, '');
  return { kind, size, at };
}

/** zlib's output buffer sized to the object (its default 16 KiB each is most of the cost for small files). */
function outputChunk(size: number): number {
  return Math.min(Math.max(size + 1, 64), 1 << 20);
}
