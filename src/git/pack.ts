// Git objects made in memory, then stored and sent as one packfile. A fleet-wide status change is
// thousands of small blobs: as loose objects that is one file creation each (~1 ms on ext4),
// as a pack it is two files; and the very same pack bytes are what the push sends.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { TreeEntry } from 'isomorphic-git';

export type ObjectType = 'commit' | 'tree' | 'blob';

const PACK_TYPE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3 };

/** Below this many objects a batch is stored loose, like git does for small commits: no pack to count. */
const LOOSE_LIMIT = 64;

export interface NewObject {
  type: ObjectType;
  content: Buffer;
}

/** New objects of one status commit, by oid, in the order they were made. */
export class ObjectBatch {
  readonly objects = new Map<string, NewObject>();

  add(type: ObjectType, content: Buffer): string {
    const oid = createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest('hex');
    if (!this.objects.has(oid)) this.objects.set(oid, { type, content });
    return oid;
  }
}

/** Git's tree order: names compared bytewise, a folder's name as if it ended with `/`. */
function treeSortKey(e: TreeEntry): Buffer {
  return Buffer.from(e.type === 'tree' ? `${e.path}/` : e.path, 'utf8');
}

export function encodeTree(entries: readonly TreeEntry[]): Buffer {
  const sorted = entries.map((e) => ({ e, key: treeSortKey(e) })).sort((a, b) => Buffer.compare(a.key, b.key));
  const parts: Buffer[] = [];
  for (const { e } of sorted) {
    parts.push(Buffer.from(`${e.mode.replace(/^0+/, '')} ${e.path}\0`, 'utf8'), Buffer.from(e.oid, 'hex'));
  }
  return Buffer.concat(parts);
}

export interface CommitFields {
  tree: string;
  parents: readonly string[];
  author: { name: string; email: string };
  /** Seconds since the epoch; author and committer time, in UTC. */
  timestamp: number;
  message: string;
}

export function encodeCommit(c: CommitFields): Buffer {
  const who = `${c.author.name} <${c.author.email}> ${c.timestamp} +0000`;
  const head = [`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`), `author ${who}`, `committer ${who}`].join('\n');
  return Buffer.from(`${head}\n\n${c.message}`, 'utf8');
}

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

/**
 * Stores a batch in the repository: loose objects when few (what git does for a small commit),
 * else one pack and its index. Temp file then rename, so a crash never leaves a truncated object;
 * the index lands last, and readers only look for packs through their index.
 */
export function storeObjects(gitdir: string, batch: ObjectBatch): Pack | undefined {
  if (batch.objects.size <= LOOSE_LIMIT) {
    for (const [oid, obj] of batch.objects) writeLoose(gitdir, oid, obj);
    return undefined;
  }
  const p = buildPack(batch);
  const dir = join(gitdir, 'objects', 'pack');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `pack-${p.checksum}`);
  if (existsSync(`${base}.idx`)) return p;
  const tmp = join(dir, `tmp_pack_${process.pid}`);
  writeFileSync(tmp, p.bytes);
  renameSync(tmp, `${base}.pack`);
  writeFileSync(tmp, buildPackIndex(p));
  renameSync(tmp, `${base}.idx`);
  return p;
}

function writeLoose(gitdir: string, oid: string, obj: NewObject): void {
  const dir = join(gitdir, 'objects', oid.slice(0, 2));
  const file = join(dir, oid.slice(2));
  if (existsSync(file)) return;
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `tmp_obj_${process.pid}_${oid.slice(2, 10)}`);
  writeFileSync(tmp, deflateSync(Buffer.concat([Buffer.from(`${obj.type} ${obj.content.length}\0`), obj.content])));
  renameSync(tmp, file);
}
