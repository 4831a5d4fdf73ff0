// Git objects encoded in memory: blobs, trees and commits, hashed as git hashes them. A status
// commit is built here object by object, then stored and sent as one batch.
import { createHash } from 'node:crypto';
import type { TreeEntry } from 'isomorphic-git';
import type { Author } from './repo.ts';

export type ObjectType = 'commit' | 'tree' | 'blob';

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

/** The oid git gives `content` as a blob. */
export function blobOid(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
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
  author: Author;
  /** Seconds since the epoch; author and committer time, in UTC. */
  timestamp: number;
  message: string;
}

export function encodeCommit(c: CommitFields): Buffer {
  const who = `${c.author.name} <${c.author.email}> ${c.timestamp} +0000`;
  const head = [`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`), `author ${who}`, `committer ${who}`].join('\n');
  return Buffer.from(`${head}\n\n${c.message}`, 'utf8');
}
