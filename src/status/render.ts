// Status files: one per object, the object as the repository has it with `status` filled in.
// Rendering is deterministic (keys sorted at every level, lists already in a fixed order, no
// clock readings beyond those that mark real changes) so an unchanged state is byte-identical
// and the daemon commits only when something happened.
import { committedClusterStatus } from './cluster-health.ts';
import { createHash } from 'node:crypto';
import { writeStatusYaml } from './status-writer.ts';
import type { StatusSnapshot } from './snapshot.ts';

export const HEADER = '# Written by gitset: the observed status of this object. Edit the object itself, not this file.\n';

/** `ClusterSet/prod.yaml`, `SveltosCluster/civo/cluster1.yaml`: relative to the status folder. */
export function statusPath(kind: string, metadata: { name: string; namespace?: string }): string {
  const file = statusFileName(metadata.name);
  return metadata.namespace ? `${kind}/${metadata.namespace}/${file}` : `${kind}/${file}`;
}

/** What file systems allow for one path segment (ext4, XFS, APFS, NTFS: 255 bytes). */
const MAX_FILE_NAME_BYTES = 255;
const HASH_CHARS = 16;

/**
 * `<name>.yaml`, or for a name too long for that (a valid object name has up to 253 characters)
 * a readable prefix, `_` and a hash of the whole name. `_` is not allowed in object names, so a
 * shortened file name never equals another object's plain one. Readers go by the content's
 * metadata, never by the file name, so both read back the same.
 */
export function statusFileName(name: string): string {
  const plain = `${name}.yaml`;
  if (Buffer.byteLength(plain, 'utf8') <= MAX_FILE_NAME_BYTES) return plain;
  const hash = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, HASH_CHARS);
  const room = MAX_FILE_NAME_BYTES - '.yaml'.length - 1 - HASH_CHARS;
  return `${utf8Prefix(name, room)}_${hash}.yaml`;
}

/** The longest prefix of `text` within `bytes` bytes of UTF-8, never splitting a character. */
function utf8Prefix(text: string, bytes: number): string {
  let out = '';
  let used = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (used + size > bytes) break;
    out += ch;
    used += size;
  }
  return out;
}

export function renderStatusFiles(snapshot: StatusSnapshot): Map<string, string> {
  const files = statusDocuments(snapshot).map(([path, doc]): [string, string] => [path, renderDocument(doc)]);
  files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(files);
}

/** Each object's status file: its path and the document renderDocument writes there. */
export function statusDocuments(snapshot: StatusSnapshot): Array<[string, object]> {
  const docs: Array<[string, object]> = [];
  for (const { object, status } of snapshot.clusters.values()) {
    docs.push([statusPath(object.kind, object.metadata), { ...object, status: committedClusterStatus(status) }]);
  }
  for (const { object, status } of [...snapshot.sets.values(), ...snapshot.profiles.values(), ...(snapshot.promotions?.values() ?? [])]) {
    docs.push([statusPath(object.kind, object.metadata), { ...object, status }]);
  }
  return docs;
}

export function renderDocument(doc: object): string {
  return HEADER + writeStatusYaml(sortKeys(doc) as Record<string, unknown>);
}

/** Keys sorted at every level (apiVersion, kind, metadata, spec, status comes out naturally); undefined dropped. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}
