// RFC 6902 JSON Patch on a plain JSON value, as kustomize applies a `- op: …` patch: add, remove,
// replace, move, copy, test, with RFC 6901 pointers (`~1` is `/`, `~0` is `~`, `-` appends).
// Pure and copy-on-write: the input is never changed. Every failure names the operation's index
// and path. Written here rather than taken from npm: the RFC is six operations, and the patched
// objects are plain data we parse ourselves (no prototypes to guard beyond `__proto__`).

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: JsonValue;
}

export class JsonPatchError extends Error {
  override readonly name = 'JsonPatchError';
  readonly code = 'JSON_PATCH_FAILED';
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** The operations of a parsed patch, checked for shape: `op`, a pointer `path`, `value`/`from` where needed. */
export function jsonPatchOps(raw: unknown): JsonPatchOp[] {
  if (!Array.isArray(raw)) throw new JsonPatchError('a JSON 6902 patch is a list of operations');
  return raw.map((item, i) => {
    const o = item as Record<string, unknown>;
    if (!o || typeof o !== 'object' || Array.isArray(o)) throw new JsonPatchError(`operation ${i} is not a mapping`);
    if (typeof o.op !== 'string' || !OPS.has(o.op)) throw new JsonPatchError(`operation ${i}: op must be one of add, remove, replace, move, copy, test`);
    if (typeof o.path !== 'string') throw new JsonPatchError(`operation ${i} (${o.op}): path must be a string`);
    pointer(o.path, i);
    if ((o.op === 'add' || o.op === 'replace' || o.op === 'test') && !Object.hasOwn(o, 'value')) throw new JsonPatchError(`operation ${i} (${o.op} ${o.path}): value is required`);
    if (o.op === 'move' || o.op === 'copy') {
      if (typeof o.from !== 'string') throw new JsonPatchError(`operation ${i} (${o.op} ${o.path}): from must be a string`);
      pointer(o.from, i);
    }
    return o as unknown as JsonPatchOp;
  });
}

/** Applies `ops` in order to a copy of `doc`; the first failing operation fails the whole patch. */
export function applyJsonPatch(doc: JsonValue, ops: readonly JsonPatchOp[]): JsonValue {
  let out = structuredClone(doc);
  ops.forEach((op, i) => {
    out = applyOne(out, op, i);
  });
  return out;
}

function applyOne(doc: JsonValue, op: JsonPatchOp, i: number): JsonValue {
  const where = `operation ${i} (${op.op} ${op.path})`;
  const path = pointer(op.path, i);
  switch (op.op) {
    case 'add':
      return add(doc, path, structuredClone(op.value as JsonValue), where);
    case 'remove':
      return remove(doc, path, where).doc;
    case 'replace':
      if (path.length === 0) return structuredClone(op.value as JsonValue);
      get(doc, path, where);
      return add(remove(doc, path, where).doc, path, structuredClone(op.value as JsonValue), where);
    case 'move': {
      const from = pointer(op.from!, i);
      if (path.length > from.length && from.every((t, k) => path[k] === t)) throw new JsonPatchError(`${where}: cannot move a value into itself`);
      const taken = remove(doc, from, where);
      return add(taken.doc, path, taken.value, where);
    }
    case 'copy':
      return add(doc, path, structuredClone(get(doc, pointer(op.from!, i), where)), where);
    case 'test':
      if (!deepEqual(get(doc, path, where), op.value as JsonValue)) throw new JsonPatchError(`${where}: test failed, the value differs`);
      return doc;
    default: {
      const never: never = op.op;
      throw new JsonPatchError(`operation ${i}: unknown op ${String(never)}`);
    }
  }
}

/** RFC 6901: `""` is the whole document; every other pointer starts with `/`. */
export function pointer(text: string, i = 0): string[] {
  if (text === '') return [];
  if (!text.startsWith('/')) throw new JsonPatchError(`operation ${i}: path ${JSON.stringify(text)} is not a JSON pointer (it must start with "/")`);
  return text
    .slice(1)
    .split('/')
    .map((t) => {
      if (/~[^01]|~$/.test(t)) throw new JsonPatchError(`operation ${i}: path ${JSON.stringify(text)} has a "~" not followed by 0 or 1`);
      return t.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

function get(doc: JsonValue, path: readonly string[], where: string): JsonValue {
  let node: JsonValue = doc;
  for (const t of path) {
    if (Array.isArray(node)) node = node[index(node, t, where, false)]!;
    else if (isObject(node) && Object.hasOwn(node, t)) node = node[t]!;
    else throw new JsonPatchError(`${where}: the document has no ${JSON.stringify(t)} there`);
  }
  return node;
}

function add(doc: JsonValue, path: readonly string[], value: JsonValue, where: string): JsonValue {
  if (path.length === 0) return value;
  const parent = get(doc, path.slice(0, -1), where);
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) {
    parent.splice(last === '-' ? parent.length : index(parent, last, where, true), 0, value);
  } else if (isObject(parent)) {
    if (last === '__proto__') throw new JsonPatchError(`${where}: "__proto__" is not a field name gitset writes`);
    parent[last] = value;
  } else {
    throw new JsonPatchError(`${where}: the parent is not a mapping or a list`);
  }
  return doc;
}

function remove(doc: JsonValue, path: readonly string[], where: string): { doc: JsonValue; value: JsonValue } {
  if (path.length === 0) throw new JsonPatchError(`${where}: cannot remove the whole document`);
  const parent = get(doc, path.slice(0, -1), where);
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) {
    const value = parent.splice(index(parent, last, where, false), 1)[0]!;
    return { doc, value };
  }
  if (isObject(parent) && Object.hasOwn(parent, last)) {
    const value = parent[last]!;
    delete parent[last];
    return { doc, value };
  }
  throw new JsonPatchError(`${where}: the document has no ${JSON.stringify(last)} there`);
}

/** A list index: digits without a leading zero, within bounds (`length` allowed when inserting). */
function index(list: readonly JsonValue[], token: string, where: string, inserting: boolean): number {
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new JsonPatchError(`${where}: ${JSON.stringify(token)} is not a list index`);
  const n = Number(token);
  if (n > list.length || (!inserting && n === list.length)) throw new JsonPatchError(`${where}: index ${n} is out of bounds (the list has ${list.length} items)`);
  return n;
}

function isObject(v: unknown): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]!));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k]!, b[k]!));
  }
  return false;
}
