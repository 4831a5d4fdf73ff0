// The first clone, fetched and indexed by gitset: one upload-pack request for the branch tip
// (protocol v0 over smart HTTP, side-band-64k, ofs-delta), the pack indexed as it arrives with
// Node's zlib and SHA-1 (pack-index.ts) and checked against its trailer. isomorphic-git indexes a
// clone's pack in JavaScript (pako, an async digest per object): 3.8 s of CPU for a 10k-cluster
// fleet, against 0.4 s for the whole `git clone`. Later fetches stay with isomorphic-git; a
// shallow clone's history is deepened through uploadPack (shallow.ts).
import fs from 'node:fs';
import { join } from 'node:path';
import git, { Errors } from 'isomorphic-git';
import type { Pack } from './pack.ts';
import { offerFetched, type PackedObject } from './pack-read.ts';
import { advertisedRefs, checkedStream, pktLine, pktLineAt, type Advertisement, type PushAccess } from './send-pack.ts';
import { PackIndexer, type IndexedPack } from './pack-index.ts';
import { isOid, storePack, writeShallow } from './store.ts';

export interface FetchedPack {
  pack: Pack;
  /** Every object, resolved while indexing, by offset: what the first checkout reads. */
  objects: Map<number, PackedObject>;
  /** The branch tip fetched. */
  tip: string;
  /** The commits whose parents were left out (git's `.git/shallow`); empty for a whole history. */
  shallow: string[];
}

/** The server lacks what this client needs: the caller falls back to isomorphic-git. */
export class UnsupportedServer extends Error {
  override readonly name = 'UnsupportedServer';
}

/**
 * Fetches every object of `ref`'s tip, and of its last commits only when the server can cut the
 * history (`shallow`): a daemon needs the tip, and a status branch's history grows every cycle.
 * Older commits are fetched when a walk reaches them (shallow.ts). Undefined when the remote has
 * no such ref.
 */
export async function fetchBranchPack(access: PushAccess, ref: string): Promise<FetchedPack | undefined> {
  const adv = await advertisedRefs(access, 'git-upload-pack');
  const tip = adv.refs.get(ref);
  if (!tip) return undefined;
  if (!adv.capabilities.has('side-band-64k')) throw new UnsupportedServer('no side-band-64k');
  const depth = adv.capabilities.has('shallow') ? [`deepen ${CLONE_DEPTH}`] : [];
  const { shallow, indexed } = await uploadPack(access, adv, { wants: [tip], depth });
  if (!indexed) throw new Errors.SmartHttpError('the server sent no pack', '');
  return { ...indexed, tip, shallow };
}

/** Commits a clone holds below its tip at first: the tip alone. */
export const CLONE_DEPTH = 1;

export interface UploadPackRequest {
  wants: string[];
  /** `deepen` lines, `shallow` lines for the commits the client's history stops at, and so on. */
  depth: string[];
  /** Commits the client holds: what they reach is not sent again. */
  haves?: string[];
  /** Capabilities asked for beyond side-band-64k, ofs-delta and no-progress, when the server has them. */
  caps?: string[];
}

/**
 * One stateless upload-pack exchange: the server's shallow-info lines, and its pack indexed as it
 * arrives (absent when the server sent none).
 */
export async function uploadPack(access: PushAccess, adv: Advertisement, req: UploadPackRequest): Promise<{ shallow: string[]; unshallow: string[]; indexed?: IndexedPack }> {
  const caps = ['side-band-64k', 'ofs-delta', 'no-progress', ...(req.caps ?? [])].filter((c) => adv.capabilities.has(c));
  const body = [
    ...req.wants.map((w, i) => pktLine(i === 0 ? `want ${w} ${[...caps, 'agent=gitset'].join(' ')}\n` : `want ${w}\n`)),
    ...req.depth.map((line) => pktLine(`${line}\n`)),
    Buffer.from('0000', 'latin1'),
    ...(req.haves ?? []).map((h) => pktLine(`have ${h}\n`)),
    pktLine('done\n'),
  ];
  const res = await access.http.request({
    url: `${access.url}/git-upload-pack`,
    method: 'POST',
    headers: { ...access.headers(), 'content-type': 'application/x-git-upload-pack-request', accept: 'application/x-git-upload-pack-result' },
    body: body as unknown as AsyncIterableIterator<Uint8Array>,
  });
  const answer = { shallow: [] as string[], unshallow: [] as string[] };
  const indexer = new PackIndexer();
  let packed = false;
  let acked = false;
  // Before the server's NAK (or its ACK of a common commit): shallow-info lines. After it: band 1
  // is the pack, band 2 progress, band 3 a fatal error.
  for await (const line of pktLines(await checkedStream(res, 'application/x-git-upload-pack-result'))) {
    if (!line || line.length === 0) continue;
    if (!acked) {
      const text = line.toString('latin1');
      if (/^(NAK|ACK )/.test(text)) acked = true;
      const [word, oid] = text.trim().split(' ');
      if ((word === 'shallow' || word === 'unshallow') && oid && isOid(oid)) answer[word].push(oid);
    } else if (line[0] === 1) {
      indexer.push(line.subarray(1));
      packed = true;
    } else if (line[0] === 3) {
      throw new Errors.SmartHttpError(`server error: ${line.subarray(1).toString('utf8').trim()}`, '');
    }
  }
  if (!acked) throw new Errors.SmartHttpError('upload-pack sent no NAK', '');
  return { ...answer, ...(packed ? { indexed: indexer.end() } : {}) };
}

/** Pkt-lines as the body arrives (`null` for a flush), each whole even when split across chunks. */
async function* pktLines(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Buffer | null> {
  let held = Buffer.alloc(0);
  for await (const chunk of body) {
    const buf = held.length > 0 ? Buffer.concat([held, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let at = 0;
    for (let pkt = pktLineAt(buf, at); pkt; pkt = pktLineAt(buf, at)) {
      yield pkt.line;
      at = pkt.next;
    }
    held = Buffer.from(buf.subarray(at));
  }
  if (held.length > 0) throw new Errors.SmartHttpError('truncated pkt-line from the server', '');
}

/**
 * Clones `branch` alone into `dir` without a checkout, as isomorphic-git's clone with
 * singleBranch and noTags leaves it: origin's URL and refspec, the remote-tracking ref, the local
 * branch and HEAD on it, one pack and its index. False when the remote has no such branch.
 */
export async function cloneBranch(access: PushAccess, dir: string, branch: string): Promise<boolean> {
  const fetched = await fetchBranchPack(access, `refs/heads/${branch}`);
  if (!fetched) return false;
  const gitdir = join(dir, '.git');
  await git.init({ fs, dir, defaultBranch: branch });
  await git.addRemote({ fs, dir, remote: 'origin', url: access.url });
  storePack({ gitdir, cache: {} }, fetched.pack);
  writeShallow(gitdir, fetched.shallow);
  // The first checkout follows at once: it reads the objects resolved here instead of inflating them again.
  offerFetched(fetched.pack.checksum, fetched.objects);
  await git.writeRef({ fs, gitdir, ref: `refs/remotes/origin/${branch}`, value: fetched.tip, force: true });
  await git.writeRef({ fs, gitdir, ref: `refs/heads/${branch}`, value: fetched.tip, force: true });
  await git.writeRef({ fs, gitdir, ref: 'HEAD', value: `refs/heads/${branch}`, symbolic: true, force: true });
  await git.setConfig({ fs, gitdir, path: `branch.${branch}.remote`, value: 'origin' });
  await git.setConfig({ fs, gitdir, path: `branch.${branch}.merge`, value: `refs/heads/${branch}` });
  return true;
}
