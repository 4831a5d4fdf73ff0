// Pack encoding: a batch of new objects as one version-2 packfile and its index. The very same
// pack bytes are stored in the clone and sent by the push.
import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import type { ObjectBatch, ObjectType } from './objects.ts';

const PACK_TYPE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3 };

/** zlib with a window no larger than the object: same bytes out, a fraction of the set-up cost per small object. */
function deflate(content: Buffer): Buffer {
  return deflateSync(content, content.length < 4000 ? { windowBits: 12, memLevel: 4 } : {});
}

export interface Pack {
  bytes: Buffer;
  /** Hex SHA-1 of the pack (its trailer), which also names it. */
  checksum: string;
  entries: Array<{ oid: string; offset: number; crc: number }>;
}

/** A version-2 pack of whole (undeltified) objects. */
export function buildPack(batch: ObjectBatch): Pack {
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(batch.objects.size, 8);
  const parts: Buffer[] = [header];
  const entries: Pack['entries'] = [];
  let offset = header.length;
  for (const [oid, obj] of batch.objects) {
    const bytes: number[] = [];
    let size = obj.content.length;
    let byte = (PACK_TYPE[obj.type] << 4) | (size & 0x0f);
    size = Math.floor(size / 16);
    while (size > 0) {
      bytes.push(byte | 0x80);
      byte = size & 0x7f;
      size = Math.floor(size / 128);
    }
    bytes.push(byte);
    const entry = Buffer.concat([Buffer.from(bytes), deflate(obj.content)]);
    parts.push(entry);
    entries.push({ oid, offset, crc: crc32(entry) });
    offset += entry.length;
  }
  const body = Buffer.concat(parts);
  const trailer = createHash('sha1').update(body).digest();
  return { bytes: Buffer.concat([body, trailer]), checksum: trailer.toString('hex'), entries };
}

/** The version-2 index git (and isomorphic-git) use to find objects in a pack. */
export function buildPackIndex(pack: Pack): Buffer {
  const sorted = [...pack.entries].sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0));
  const n = sorted.length;
  const large = sorted.filter((e) => e.offset >= 0x80000000);
  const buf = Buffer.alloc(8 + 256 * 4 + n * 28 + large.length * 8 + 40);
  buf.writeUInt32BE(0xff744f63, 0);
  buf.writeUInt32BE(2, 4);
  const fanout = new Array<number>(256).fill(0);
  for (const e of sorted) fanout[parseInt(e.oid.slice(0, 2), 16)]!++;
  let total = 0;
  for (let i = 0; i < 256; i++) buf.writeUInt32BE((total += fanout[i]!), 8 + i * 4);
  let at = 8 + 256 * 4;
  for (const e of sorted) at += buf.write(e.oid, at, 'hex');
  for (const e of sorted) at = buf.writeUInt32BE(e.crc >>> 0, at);
  let nextLarge = 0;
  for (const e of sorted) at = buf.writeUInt32BE(e.offset < 0x80000000 ? e.offset : (0x80000000 | nextLarge++) >>> 0, at);
  for (const e of large) at = buf.writeBigUInt64BE(BigInt(e.offset), at);
  at += buf.write(pack.checksum, at, 'hex');
  createHash('sha1').update(buf.subarray(0, at)).digest().copy(buf, at);
  return buf;
}
