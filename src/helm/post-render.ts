// Pure: what helm applies for a release with Sveltos' `patches`/`patchesFrom`, `reloader` or
// `driftExclusions`. The profile's patches are applied to the rendered objects first (Sveltos'
// post-render patches), then workloads mounting ConfigMaps/Secrets of the release get the
// reloader's hash, then the fields under an excluded path are taken out: they are not gitset's,
// so neither a repair nor an upgrade resets what a person (or an autoscaler) set there.
// Documents no patch changed keep their text (comments, order, quoting) except for the fields removed.
import { Document, parseAllDocuments, isMap, isSeq } from 'yaml';
import { excludedPaths, type DriftExclusion } from '../observe/drift.ts';
import { applyPatches, compilePatch, type CompiledPatch, type Patch } from '../patch/apply.ts';
import { deepEqual, type JsonValue } from '../patch/json6902.ts';
import { withReloadAnnotations } from '../patch/reloader.ts';

/** What the post-renderer is told for one helm call (written to a private file, never to argv). */
export interface PostRenderRequest {
  /** The release namespace: the namespace of rendered objects that name none. */
  namespace: string;
  exclusions: DriftExclusion[];
  /** The profile's patches as rendered for the cluster, applied in order. */
  patches?: Patch[];
  /** Sveltos' `reloader: true`: workloads mounting a ConfigMap/Secret of the release carry its hash. */
  reloader?: boolean;
}

/** Where the post-renderer leaves the reason it failed, beside its request file. */
export function failureFile(requestFile: string): string {
  return `${requestFile}.error`;
}

export class PostRenderError extends Error {
  override readonly name = 'PostRenderError';
  readonly code = 'POST_RENDER_FAILED';
}

/** The rendered manifests patched, annotated for the reloader, and without the excluded paths. */
export function postRender(manifests: string, req: PostRenderRequest): string {
  const docs: Document[] = [];
  for (const doc of parseAllDocuments(manifests)) {
    if (doc.errors.length > 0) throw new PostRenderError(`rendered manifests do not parse: ${doc.errors[0]!.message}`);
    if (doc.contents !== null) docs.push(doc as Document);
  }
  const out = patched(docs, req).map((doc) => {
    stripDocument(doc, req);
    return doc.toString({ lineWidth: 0 });
  });
  return out.map((d) => (d.startsWith('---') ? d : `---\n${d}`)).join('');
}

/** The rendered manifests with every excluded path of every matching object removed (nothing else). */
export function stripExcluded(manifests: string, req: PostRenderRequest): string {
  return postRender(manifests, { namespace: req.namespace, exclusions: req.exclusions });
}

/** The documents with the patches and the reloader applied; a document they change is written anew. */
function patched(docs: Document[], req: PostRenderRequest): Document[] {
  const patches = compiledPatches(req.patches ?? []);
  if (patches.length === 0 && req.reloader !== true) return docs;
  const objects = docs.map((d) => d.toJS({ maxAliasCount: 100 }) as Record<string, unknown>);
  let out: Array<Record<string, unknown>>;
  try {
    out = applyPatches(objects, patches);
  } catch (err) {
    throw new PostRenderError((err as Error).message);
  }
  if (req.reloader === true) out = withReloadAnnotations(out, req.namespace);
  return docs.map((d, i) => (deepEqual(objects[i] as JsonValue, out[i] as JsonValue) ? d : new Document(out[i])));
}

function compiledPatches(patches: readonly Patch[]): CompiledPatch[] {
  return patches.map((p, i) => {
    try {
      return compilePatch(p);
    } catch (err) {
      const field = (err as { field?: string }).field;
      throw new PostRenderError(`patch ${i}${field ? ` ${field}` : ''}: ${(err as Error).message}`);
    }
  });
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
  const patches = (raw as { patches?: unknown }).patches;
  if (patches !== undefined && (!Array.isArray(patches) || !patches.every((p) => p && typeof p === 'object' && typeof (p as Patch).patch === 'string'))) {
    throw new PostRenderError('the patches in the request file are not a list of {patch, target}');
  }
  const reloader = (raw as { reloader?: unknown }).reloader === true;
  return { namespace: r.namespace, exclusions, ...(patches ? { patches: patches as Patch[] } : {}), ...(reloader ? { reloader } : {}) };
}
