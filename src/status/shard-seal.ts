// With several replicas, each goes by the status the others committed: their clusters' health,
// their sets' selections. Anyone who can push to the status folder could write those files, so
// each replica seals what it writes: an HMAC-SHA256, under a key all replicas share
// (`--shard-key-file`), of every file its shard owns by path and of its heartbeat, kept in its
// own `gitset.yaml`. A reader takes another shard's files only when the seal holds; otherwise it
// keeps that shard's last sealed status. A replayed older commit fails too: its heartbeat is older
// than one already taken. Files no shard owns by path (a shortened long name) are never taken
// from another shard. Pure.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ownerOfPath, revisionFileOf } from './shards.ts';

/** The key must be at least this long: it is a shared secret, not a password to remember. */
export const MIN_SHARD_KEY_LENGTH = 16;
const VERSION = 'gitset status seal v1';

/** The files shard `k` writes (its gitset.yaml aside), by path, from all committed status files. */
export function filesOfShard(files: ReadonlyMap<string, string>, k: number, count: number): Map<string, string> {
  const own = revisionFileOf(k);
  const out = new Map<string, string>();
  for (const [path, text] of files) if (path !== own && ownerOfPath(path, count) === k) out.set(path, text);
  return out;
}

/** The seal of shard `k`'s files and heartbeat: hex HMAC-SHA256. */
export function sealOf(key: string, k: number, count: number, heartbeat: string, files: ReadonlyMap<string, string>): string {
  const mac = createHmac('sha256', key);
  mac.update(`${VERSION}\n${k} of ${count}\n${heartbeat}\n`);
  for (const path of [...files.keys()].sort()) {
    mac.update(`${path}\0${createHash('sha256').update(files.get(path)!).digest('hex')}\n`);
  }
  return mac.digest('hex');
}

export type SealCheck = { ok: true } | { ok: false; why: string };

/**
 * Whether shard `k`'s committed files carry its seal. `record` is its gitset.yaml as read;
 * `lastBeat` the newest heartbeat already taken from it (a commit replayed from before is refused).
 */
export function checkSeal(
  key: string,
  k: number,
  count: number,
  files: ReadonlyMap<string, string>,
  record: { heartbeat?: string; seal?: string },
  lastBeat: string | undefined,
): SealCheck {
  if (!record.heartbeat || !record.seal) return { ok: false, why: `${revisionFileOf(k)} has no seal` };
  const want = Buffer.from(sealOf(key, k, count, record.heartbeat, filesOfShard(files, k, count)), 'hex');
  const got = /^[0-9a-f]{64}$/.test(record.seal) ? Buffer.from(record.seal, 'hex') : Buffer.alloc(0);
  if (got.length !== want.length || !timingSafeEqual(got, want)) {
    return { ok: false, why: `its files do not match the seal in ${revisionFileOf(k)}: a status file of shard ${k} was written by someone else` };
  }
  if (lastBeat !== undefined && Date.parse(record.heartbeat) < Date.parse(lastBeat)) {
    return { ok: false, why: `its heartbeat ${record.heartbeat} is older than ${lastBeat}, already seen: an older commit of its files was brought back` };
  }
  return { ok: true };
}
