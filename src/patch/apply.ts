// Sveltos' `patches` (kustomize inline patches) applied to the objects gitset deploys: each patch
// is a strategic-merge patch (a partial object) or a JSON 6902 patch (a list of operations), with
// an optional `target` selecting the objects it applies to. Pure: objects in, patched copies out.
// As in Sveltos, a JSON 6902 `remove` of a path the object does not have is skipped, not an error.
import { parseAllDocuments } from 'yaml';
import { applyJsonPatch, jsonPatchOps, pointer, type JsonPatchOp, type JsonValue } from './json6902.ts';
import { strategicMerge } from './strategic.ts';
import { compileTarget, type PatchTarget, type TargetObject, type TargetTest } from './target.ts';

export type { PatchTarget };

/** One patch as a profile (or a patchesFrom data key) writes it. */
export interface Patch {
  patch: string;
  target?: PatchTarget;
}

export type PatchErrorCode = 'BAD_PATCH' | 'PATCH_FAILED';

export class PatchError extends Error {
  override readonly name = 'PatchError';
  constructor(
    readonly code: PatchErrorCode,
    /** `patch`, `target.name`, …: the field of the patch entry at fault. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

type Obj = { [key: string]: JsonValue };

/** A patch ready to apply: what it selects and what it does. */
export interface CompiledPatch {
  /** Undefined for an untargeted strategic-merge patch: it selects the object it names. */
  target?: TargetTest;
  json?: JsonPatchOp[];
  strategic?: Obj[];
}

/** Parses and checks one patch; throws PatchError naming the field. */
export function compilePatch(p: unknown): CompiledPatch {
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw new PatchError('BAD_PATCH', '', 'a patch entry must be a mapping with patch and, optionally, target');
  const entry = p as Record<string, unknown>;
  for (const k of Object.keys(entry)) if (k !== 'patch' && k !== 'target') throw new PatchError('BAD_PATCH', k, `${k} is not a field of a patch (patch, target)`);
  if (typeof entry.patch !== 'string' || entry.patch.trim() === '') throw new PatchError('BAD_PATCH', 'patch', 'patch must be a non-empty string');
  let target: TargetTest | undefined;
  if (entry.target !== undefined && entry.target !== null) {
    try {
      target = compileTarget(entry.target);
    } catch (err) {
      throw new PatchError('BAD_PATCH', (err as { field?: string }).field ? `target.${(err as { field: string }).field}` : 'target', (err as Error).message);
    }
  }
  const docs = parseDocuments(entry.patch);
  if (docs.length === 1 && Array.isArray(docs[0])) {
    let json: JsonPatchOp[];
    try {
      json = jsonPatchOps(docs[0]);
    } catch (err) {
      throw new PatchError('BAD_PATCH', 'patch', `JSON 6902 patch: ${(err as Error).message}`);
    }
    if (!target) throw new PatchError('BAD_PATCH', 'target', 'a JSON 6902 patch needs a target (kustomize refuses one without)');
    return { target, json };
  }
  const strategic = docs.map((d, i) => {
    if (!isObj(d)) throw new PatchError('BAD_PATCH', 'patch', `document ${i + 1} is neither a list of JSON 6902 operations nor a mapping (a strategic-merge patch)`);
    if (!target && !identityOf(d)) throw new PatchError('BAD_PATCH', 'patch', 'a strategic-merge patch without a target must name its object (apiVersion, kind, metadata.name)');
    return d;
  });
  return target ? { target, strategic } : { strategic };
}

function parseDocuments(text: string): JsonValue[] {
  const out: JsonValue[] = [];
  for (const doc of parseAllDocuments(text, { prettyErrors: false })) {
    const err = doc.errors[0];
    if (err) throw new PatchError('BAD_PATCH', 'patch', `YAML syntax error: ${err.message.split('\n')[0]!.replace(/:$/, '')}`);
    const v = doc.toJS({ maxAliasCount: 100 }) as JsonValue | undefined;
    if (v !== null && v !== undefined) out.push(v);
  }
  if (out.length === 0) throw new PatchError('BAD_PATCH', 'patch', 'the patch is empty');
  return out;
}

/**
 * `objects` with every patch applied in order to each object it selects. Throws PatchError
 * (`PATCH_FAILED`) naming the patch's position and the object when a patch cannot be applied.
 */
export function applyPatches<T extends Record<string, unknown>>(objects: readonly T[], patches: readonly CompiledPatch[]): T[] {
  if (patches.length === 0) return [...objects];
  return objects.map((o) => {
    let out = o as unknown as Obj;
    patches.forEach((p, i) => {
      out = applyOne(out, p, i);
    });
    return out as unknown as T;
  });
}

function applyOne(o: Obj, p: CompiledPatch, i: number): Obj {
  const view = targetView(o);
  if (!view) return o;
  try {
    if (p.json) {
      if (!p.target!(view)) return o;
      const ops = p.json.filter((op) => op.op !== 'remove' || hasPath(o, op.path));
      const out = applyJsonPatch(withAnnotations(o, ops), ops);
      if (!isObj(out)) throw new Error('the result is not an object');
      return keptIdentity(o, out);
    }
    let out = o;
    for (const body of p.strategic ?? []) {
      if (p.target ? !p.target(view) : !sameObject(view, identityOf(body)!)) continue;
      out = keptIdentity(o, strategicMerge(out, withoutIdentity(body), view.kind));
    }
    return out;
  } catch (err) {
    const ns = view.metadata.namespace ? `${view.metadata.namespace}/` : '';
    throw new PatchError('PATCH_FAILED', 'patch', `patch ${i} on ${view.kind} ${ns}${view.metadata.name}: ${(err as Error).message}`);
  }
}

/**
 * kustomize holds annotations of its own on every object while it patches, so an `add` under
 * `/metadata/annotations/` works on an object that has none (Sveltos' driftDetectionIgnore
 * example relies on it). The same here: an empty mapping while patching, gone if still empty.
 */
function withAnnotations(o: Obj, ops: readonly JsonPatchOp[]): Obj {
  const meta = o.metadata as Obj;
  if (meta.annotations !== undefined || !ops.some((op) => op.path.startsWith('/metadata/annotations/'))) return o;
  return { ...o, metadata: { ...meta, annotations: {} } };
}

/** A patch never renames an object nor moves it: identity is what gitset tracks it by. */
function keptIdentity(before: Obj, after: Obj): Obj {
  const b = before.metadata as Obj;
  const a: Obj = isObj(after.metadata) ? { ...after.metadata } : {};
  if (b.annotations === undefined && isObj(a.annotations) && Object.keys(a.annotations).length === 0) delete a.annotations;
  const metadata: Obj = { ...a, name: b.name! };
  if (b.namespace !== undefined) metadata.namespace = b.namespace;
  else delete metadata.namespace;
  return { ...after, apiVersion: before.apiVersion!, kind: before.kind!, metadata };
}

function withoutIdentity(body: Obj): Obj {
  const { apiVersion: _a, kind: _k, metadata, ...rest } = body;
  if (!isObj(metadata)) return rest;
  const { name: _n, namespace: _ns, ...meta } = metadata;
  return Object.keys(meta).length > 0 ? { ...rest, metadata: meta } : rest;
}

function identityOf(d: Obj): TargetObject | undefined {
  const meta = d.metadata;
  if (typeof d.apiVersion !== 'string' || typeof d.kind !== 'string' || !isObj(meta) || typeof meta.name !== 'string') return undefined;
  return { apiVersion: d.apiVersion, kind: d.kind, metadata: { name: meta.name, ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}) } };
}

/** kustomize's identity match: same apiVersion, kind and name; no namespace stands for `default`. */
function sameObject(o: TargetObject, id: TargetObject): boolean {
  return o.apiVersion === id.apiVersion && o.kind === id.kind && o.metadata.name === id.metadata.name && (o.metadata.namespace || 'default') === (id.metadata.namespace || 'default');
}

function targetView(o: Obj): TargetObject | undefined {
  const meta = o.metadata;
  if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || !isObj(meta) || typeof meta.name !== 'string') return undefined;
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: {
      name: meta.name,
      ...(typeof meta.namespace === 'string' && meta.namespace !== '' ? { namespace: meta.namespace } : {}),
      ...(isObj(meta.labels) ? { labels: meta.labels as Record<string, string> } : {}),
      ...(isObj(meta.annotations) ? { annotations: meta.annotations as Record<string, string> } : {}),
    },
  };
}

function hasPath(o: JsonValue, path: string): boolean {
  let node: JsonValue | undefined = o;
  for (const t of pointer(path)) {
    if (Array.isArray(node)) node = /^\d+$/.test(t) ? node[Number(t)] : undefined;
    else if (isObj(node) && Object.hasOwn(node, t)) node = node[t];
    else return false;
    if (node === undefined) return false;
  }
  return true;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
