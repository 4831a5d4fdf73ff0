// The PATCH flavours the simulated API server accepts: JSON merge patch (RFC 7386),
// JSON patch (RFC 6902), strategic merge patch (as a merge patch that also merges lists of
// named items by `name` and drops `$` directives), and server-side apply, approximated as
// "merge the applied configuration, and remove what the same field manager applied last
// time but no longer applies".

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

export class PatchError extends Error {
  readonly code = 'BadPatch';
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k] ?? null, v);
  }
  return result;
}

/** Lists whose items all carry a `name` merge by it, as most strategic-merge lists do. */
function namedItems(list: Json[]): list is JsonObject[] {
  return list.length > 0 && list.every((x) => isObject(x) && typeof x.name === 'string');
}

export function strategicMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue; // $setElementOrder, $retainKeys, $patch: directives we do not model
    if (v === null) delete result[k];
    else if (Array.isArray(v) && Array.isArray(result[k]) && namedItems(v)) {
      const merged = [...(result[k] as Json[])];
      for (const item of v) {
        const i = merged.findIndex((x) => isObject(x) && x.name === item.name);
        if (item.$patch === 'delete') {
          if (i >= 0) merged.splice(i, 1);
        } else if (i >= 0) merged[i] = strategicMergePatch(merged[i]!, item);
        else merged.push(strategicMergePatch(null, item));
      }
      result[k] = merged;
    } else result[k] = strategicMergePatch(result[k] ?? null, v);
  }
  return result;
}

interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: Json;
  from?: string;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(path)}`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, parts: string[]): { parent: Json; key: string } {
  let cur = doc;
  for (const p of parts.slice(0, -1)) {
    const next = Array.isArray(cur) ? cur[Number(p)] : isObject(cur) ? cur[p] : undefined;
    if (next === undefined) throw new PatchError(`path /${parts.join('/')} does not exist`);
    cur = next;
  }
  return { parent: cur, key: parts[parts.length - 1]! };
}

function getAt(doc: Json, path: string): Json {
  let cur: Json | undefined = doc;
  for (const p of pointer(path)) cur = Array.isArray(cur) ? cur[Number(p)] : isObject(cur) ? cur[p] : undefined;
  if (cur === undefined) throw new PatchError(`path ${path} does not exist`);
  return cur;
}

function removeAt(doc: Json, path: string): Json {
  const { parent, key } = parentOf(doc, pointer(path));
  if (Array.isArray(parent)) return parent.splice(Number(key), 1)[0]!;
  if (isObject(parent) && key in parent) {
    const v = parent[key]!;
    delete parent[key];
    return v;
  }
  throw new PatchError(`path ${path} does not exist`);
}

function addAt(doc: Json, path: string, value: Json, replace: boolean): Json {
  const parts = pointer(path);
  if (parts.length === 0) return value;
  const { parent, key } = parentOf(doc, parts);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (replace) parent[i] = value;
    else parent.splice(i, 0, value);
  } else if (isObject(parent)) {
    if (replace && !(key in parent)) throw new PatchError(`path ${path} does not exist`);
    parent[key] = value;
  } else throw new PatchError(`path ${path} does not exist`);
  return doc;
}

export function jsonPatch(target: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch must be an array of operations');
  let doc = structuredClone(target);
  for (const op of ops as JsonPatchOp[]) {
    switch (op.op) {
      case 'add':
        doc = addAt(doc, op.path, structuredClone(op.value ?? null), false);
        break;
      case 'replace':
        doc = addAt(doc, op.path, structuredClone(op.value ?? null), true);
        break;
      case 'remove':
        removeAt(doc, op.path);
        break;
      case 'move':
        doc = addAt(doc, op.path, removeAt(doc, op.from ?? ''), false);
        break;
      case 'copy':
        doc = addAt(doc, op.path, structuredClone(getAt(doc, op.from ?? '')), false);
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, op.path)) !== JSON.stringify(op.value)) throw new PatchError(`test operation failed at ${op.path}`);
        break;
      default:
        throw new PatchError(`unknown JSON patch operation ${JSON.stringify((op as { op: unknown }).op)}`);
    }
  }
  return doc;
}

/** Removes from `live` the fields present in `previous` but absent from `next` (maps recursively). */
function pruneDropped(live: Json, previous: Json, next: Json): Json {
  if (!isObject(live) || !isObject(previous)) return live;
  const result: JsonObject = { ...live };
  for (const [k, prev] of Object.entries(previous)) {
    const nxt = isObject(next) ? next[k] : undefined;
    if (nxt === undefined) delete result[k];
    else if (isObject(prev) && isObject(nxt) && k in result) result[k] = pruneDropped(result[k]!, prev, nxt);
  }
  return result;
}

/** Deep merge where the applied configuration wins; lists are replaced whole (atomic). */
function applyMerge(live: Json, applied: Json): Json {
  if (!isObject(applied) || !isObject(live)) return structuredClone(applied);
  const result: JsonObject = { ...live };
  for (const [k, v] of Object.entries(applied)) result[k] = k in result ? applyMerge(result[k]!, v) : structuredClone(v);
  return result;
}

/**
 * Server-side apply of `applied` by one field manager onto `live` (undefined: the object
 * does not exist yet). `previous` is what that manager applied last time, if anything.
 */
export function serverSideApply(live: Json | undefined, applied: Json, previous: Json | undefined): Json {
  if (live === undefined) return structuredClone(applied);
  const base = previous === undefined ? live : pruneDropped(live, previous, applied);
  return applyMerge(base, applied);
}
