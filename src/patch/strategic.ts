// Kubernetes strategic merge patch, the common cases kustomize applies: mappings merge field by
// field (a null deletes the field); lists of the built-in kinds merge by their merge key
// (containers, env and volumes by `name`, volumeMounts by `mountPath`, container ports by
// `containerPort`, Service ports by `port`, …), other lists of mappings by the key kustomize
// infers when there is no schema (`name`, `mountPath`, …), and the rest are replaced whole.
// Directives: `$patch: delete` (a mapping or a list item), `$patch: replace`, `$patch: merge`;
// anything else starting with `$` is refused rather than applied wrongly.
import type { JsonValue } from './json6902.ts';

export class StrategicMergeError extends Error {
  override readonly name = 'StrategicMergeError';
  readonly code = 'STRATEGIC_MERGE_FAILED';
}

type Obj = { [key: string]: JsonValue };

/** Merge keys of the lists of the built-in kinds, by field name and, where the name is ambiguous, its parent. */
function schemaMergeKey(kind: string, path: readonly string[]): string | undefined {
  const field = path[path.length - 1]!;
  const parent = path[path.length - 2];
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
    case 'resourceClaims':
    case 'schedulingGates':
      return 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'volumeDevices':
      return 'devicePath';
    case 'hostAliases':
      return 'ip';
    case 'ownerReferences':
      return 'uid';
    case 'conditions':
      return 'type';
    case 'topologySpreadConstraints':
      return 'topologyKey';
    case 'ports':
      if (parent === 'containers' || parent === 'initContainers' || parent === 'ephemeralContainers') return 'containerPort';
      if (kind === 'Service' && path.length === 2 && parent === 'spec') return 'port';
      return undefined;
    default:
      return undefined;
  }
}

/** Lists of the built-in kinds that are replaced whole even though their items carry a name. */
const ATOMIC = new Set(['tolerations', 'args', 'command', 'envFrom', 'subjects', 'rules', 'accessModes']);

/** kustomize's (kyaml) associative keys, used for lists it has no schema for. */
const INFERRED_KEYS = ['mountPath', 'devicePath', 'ip', 'type', 'topologyKey', 'name', 'containerPort'];

/** `target` merged with `patch`, both plain JSON mappings; neither input is changed. */
export function strategicMerge(target: Obj, patch: Obj, kind: string): Obj {
  const merged = mergeMap(target, patch, kind, []);
  if (merged === undefined) throw new StrategicMergeError('the patch deletes the whole object ($patch: delete at the top)');
  return merged;
}

function mergeMap(target: Obj | undefined, patch: Obj, kind: string, path: string[]): Obj | undefined {
  const directive = patch['$patch'];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return withoutDirectives(patch, path);
  if (directive !== undefined && directive !== 'merge') throw new StrategicMergeError(`${where(path)}: $patch ${JSON.stringify(directive)} is not one of delete, replace, merge`);
  const out: Obj = { ...(target ?? {}) };
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch') continue;
    if (k.startsWith('$')) throw new StrategicMergeError(`${where([...path, k])}: the directive ${k} is not supported`);
    if (k === '__proto__') throw new StrategicMergeError(`${where(path)}: "__proto__" is not a field name gitset writes`);
    const p = [...path, k];
    if (v === null) {
      delete out[k];
    } else if (isObj(v)) {
      const m = mergeMap(isObj(out[k]) ? (out[k] as Obj) : undefined, v, kind, p);
      if (m === undefined) delete out[k];
      else out[k] = m;
    } else if (Array.isArray(v)) {
      out[k] = mergeList(Array.isArray(out[k]) ? (out[k] as JsonValue[]) : [], v, kind, p);
    } else {
      out[k] = v;
    }
  }
  return out;
}

function mergeList(target: JsonValue[], patch: JsonValue[], kind: string, path: string[]): JsonValue[] {
  const field = path[path.length - 1]!;
  if (field === 'finalizers' && path.length === 2 && path[0] === 'metadata') return [...target, ...patch.filter((p) => !target.includes(p))];
  const key = ATOMIC.has(field) ? undefined : (schemaMergeKey(kind, path) ?? inferredKey(target, patch));
  if (key === undefined || !patch.every(isObj)) return patch.map((p) => (isObj(p) ? withoutDirectives(p, path) : p));
  // As the API server orders the result: the patch's items first, in its order, then the rest.
  const out: JsonValue[] = [];
  const used = new Set<number>();
  for (const item of patch as Obj[]) {
    const id = item[key];
    if (id === undefined) throw new StrategicMergeError(`${where(path)}: an item has no ${key} (the merge key of this list)`);
    const at = target.findIndex((t, i) => !used.has(i) && isObj(t) && sameKey(t[key], id));
    if (at >= 0) used.add(at);
    const merged = mergeMap(at >= 0 ? (target[at] as Obj) : undefined, item, kind, path);
    if (merged !== undefined) out.push(merged);
  }
  target.forEach((t, i) => {
    if (!used.has(i)) out.push(t);
  });
  return out;
}

/** The first associative key every item of both lists carries, as kyaml infers it. */
function inferredKey(target: JsonValue[], patch: JsonValue[]): string | undefined {
  const items = [...target, ...patch];
  if (items.length === 0 || !items.every(isObj)) return undefined;
  return INFERRED_KEYS.find((k) => (items as Obj[]).every((i) => i[k] !== undefined || i['$patch'] !== undefined));
}

/** `80` and `"80"` name the same port. */
function sameKey(a: JsonValue | undefined, b: JsonValue): boolean {
  return a === b || (a !== undefined && a !== null && typeof a !== 'object' && String(a) === String(b));
}

function withoutDirectives(v: Obj, path: string[]): Obj {
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '$patch') continue;
    if (k.startsWith('$')) throw new StrategicMergeError(`${where([...path, k])}: the directive ${k} is not supported`);
    if (k === '__proto__') continue;
    out[k] = x;
  }
  return out;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function where(path: readonly string[]): string {
  return path.length === 0 ? 'the patch' : `at ${path.join('.')}`;
}
