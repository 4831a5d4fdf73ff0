// The body of one helm release record (a Secret of type helm.sh/release.v1): base64 of gzipped
// JSON inside the Secret's (itself base64) `data.release`. Only what drift and health need is
// kept: the rendered manifest of the release's objects. Pure.
import { gunzipSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';

export interface ReleaseRecord {
  name: string;
  namespace: string;
  revision: number;
  status: string;
  /** The objects helm applied, as rendered (hooks excluded). */
  objects: ManifestObject[];
}

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export class ReleaseRecordError extends Error {
  readonly code = 'BadReleaseRecord';
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** Decodes the Secret's `data.release` as the API server returns it (base64 of helm's encoding). */
export function decodeReleaseRecord(secret: unknown): ReleaseRecord {
  const data = (secret as { data?: { release?: unknown } } | null)?.data?.release;
  if (typeof data !== 'string') throw new ReleaseRecordError('the release record has no data.release');
  let bytes = Buffer.from(Buffer.from(data, 'base64').toString('latin1'), 'base64');
  if (bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]) bytes = gunzipSync(bytes, { maxOutputLength: 64 * 1024 * 1024 });
  let rel: { name?: string; namespace?: string; version?: number; info?: { status?: string }; manifest?: string };
  try {
    rel = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ReleaseRecordError('the release record is not JSON');
  }
  return {
    name: String(rel.name ?? ''),
    namespace: String(rel.namespace ?? ''),
    revision: Number(rel.version ?? 0),
    status: String(rel.info?.status ?? 'unknown'),
    objects: manifestObjects(rel.manifest ?? ''),
  };
}

/** The objects of a rendered manifest (helm's `---`-separated YAML); empty documents skipped. */
export function manifestObjects(manifest: string): ManifestObject[] {
  const out: ManifestObject[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    if (doc.errors.length > 0) throw new ReleaseRecordError(`the release manifest does not parse: ${doc.errors[0]!.message}`);
    const v = doc.toJS() as ManifestObject | null;
    if (v && typeof v === 'object' && typeof v.kind === 'string' && typeof v.apiVersion === 'string' && typeof v.metadata?.name === 'string') out.push(v);
  }
  return out;
}
