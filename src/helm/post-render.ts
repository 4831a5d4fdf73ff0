// Pure: what helm applies for a release with Sveltos' `driftExclusions`. The fields under an
// excluded path are not gitset's: they are taken out of the rendered manifests before helm applies
// them, so neither a repair nor an upgrade resets what a person (or an autoscaler) set there.
// Documents keep their text (comments, order, quoting) except for the fields removed.
import { parseAllDocuments, isMap, isSeq, type Document } from 'yaml';
import { excludedPaths, type DriftExclusion } from '../observe/drift.ts';

/** What the post-renderer is told for one helm call (written to a private file, never to argv). */
export interface PostRenderRequest {
  /** The release namespace: the namespace of rendered objects that name none. */
  namespace: string;
  exclusions: DriftExclusion[];
}

export class PostRenderError extends Error {
  override readonly name = 'PostRenderError';
  readonly code = 'POST_RENDER_FAILED';
}

/** The rendered manifests with every excluded path of every matching object removed. */
export function stripExcluded(manifests: string, req: PostRenderRequest): string {
  const out: string[] = [];
  for (const doc of parseAllDocuments(manifests)) {
    if (doc.errors.length > 0) throw new PostRenderError(`rendered manifests do not parse: ${doc.errors[0]!.message}`);
    if (doc.contents === null) continue;
    stripDocument(doc, req);
    out.push(doc.toString({ lineWidth: 0 }));
  }
  return out.map((d) => (d.startsWith('---') ? d : `---\n${d}`)).join('');
}

function stripDocument(doc: Document, req: PostRenderRequest): void {
  const apiVersion = doc.get('apiVersion');
  const kind = doc.get('kind');
  const name = doc.getIn(['metadata', 'name']);
  const namespace = doc.getIn(['metadata', 'namespace']);
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof name !== 'string') return;
  const metadata = { name, ...(typeof namespace === 'string' ? { namespace } : {}) };
  for (const path of excludedPaths({ apiVersion, kind, metadata }, req.exclusions, req.namespace)) {
    // The identity of the object is not a field a person may take over.
    if (path.length === 0 || path[0] === 'apiVersion' || path[0] === 'kind' || (path[0] === 'metadata' && (path[1] === 'name' || path[1] === 'namespace'))) continue;
    removePath(doc, path);
  }
}

/** Removes `path` when it is there; list items are addressed by index. */
function removePath(doc: Document, path: readonly string[]): void {
  let node: unknown = doc.contents;
  for (let i = 0; i < path.length - 1; i++) node = child(node, path[i]!);
  const last = path[path.length - 1]!;
  if (isMap(node)) node.delete(last);
  else if (isSeq(node) && /^\d+$/.test(last)) node.delete(Number(last));
}

function child(node: unknown, key: string): unknown {
  if (isMap(node)) return node.get(key, true);
  if (isSeq(node) && /^\d+$/.test(key)) return node.get(Number(key), true);
  return undefined;
}

/** The request as the post-renderer reads it back: anything malformed is refused, not guessed. */
export function parsePostRenderRequest(text: string): PostRenderRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new PostRenderError('the drift exclusions file is not JSON');
  }
  const r = raw as { namespace?: unknown; exclusions?: unknown };
  if (!r || typeof r.namespace !== 'string' || !Array.isArray(r.exclusions)) throw new PostRenderError('the drift exclusions file has no namespace or exclusions');
  const exclusions: DriftExclusion[] = [];
  for (const e of r.exclusions as Array<{ paths?: unknown; target?: unknown }>) {
    if (!e || !Array.isArray(e.paths) || !e.paths.every((p) => typeof p === 'string')) throw new PostRenderError('a drift exclusion has no list of paths');
    const target = e.target && typeof e.target === 'object' ? (e.target as DriftExclusion['target']) : undefined;
    exclusions.push(target ? { paths: e.paths as string[], target } : { paths: e.paths as string[] });
  }
  return { namespace: r.namespace, exclusions };
}
