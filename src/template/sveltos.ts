// Sveltos' own template functions: libsveltos' funcmap (toYaml, fromYaml, fromYamlArray,
// toJson, fromJson, fromJsonArray, toToml, fromToml) and addon-controller's functions over the
// objects named by templateResourceRefs (getResource, copy, getField, setField, removeField,
// chainSetField, chainRemoveField). Like Sveltos, these swallow their errors: fromYaml puts the
// error in the map's "Error" key, copy and getField give "".
import { Document, parse as parseYaml, visit } from 'yaml';
import { def, unsupported, type FuncDef } from './funcs.ts';
import { goJson, hasUnsupportedNumber } from './json.ts';
import { deepCopy, GoStruct, isMap, putKey, type GoMap } from './value.ts';

/**
 * sigs.k8s.io/yaml's Marshal (go-yaml v2 underneath), without the final newline: keys sorted,
 * sequences not indented, a string that would read back as another type ("true", "1", "") in
 * double quotes, one that plain style cannot hold ("a: 1") in single quotes.
 */
export function toYaml(v: unknown): string {
  if (hasUnsupportedNumber(v)) return '';
  const plain = v instanceof GoStruct ? { ...v.fields } : v === undefined ? null : v;
  const doc = new Document(plain, { version: '1.1', sortMapEntries: true, aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && !node.value.includes('\n') && readsAsOtherType(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ indentSeq: false, lineWidth: 0, singleQuote: true }).replace(/\n$/, '');
}

function readsAsOtherType(s: string): boolean {
  try {
    const v: unknown = parseYaml(s, { version: '1.1' });
    return v === null || typeof v === 'number' || typeof v === 'boolean';
  } catch {
    return false;
  }
}

function parsed(text: string, want: 'map' | 'list', json: boolean): { value?: unknown; error?: string } {
  let value: unknown;
  try {
    value = json ? JSON.parse(text) : parseYaml(text, { version: '1.1', uniqueKeys: false });
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0] };
  }
  if (value === null || value === undefined) return { value: want === 'map' ? {} : [] };
  const got = Array.isArray(value) ? 'array' : isMap(value) ? 'object' : typeof value;
  if ((want === 'map' && got === 'object') || (want === 'list' && got === 'array')) return { value };
  const goType = want === 'map' ? 'map[string]interface {}' : '[]interface {}';
  return { error: `${json ? '' : 'error unmarshaling JSON: while decoding JSON: '}json: cannot unmarshal ${got} into Go value of type ${goType}` };
}

function fromMap(json: boolean) {
  return (text: string): GoMap => {
    const r = parsed(text, 'map', json);
    return r.error !== undefined ? { Error: r.error } : (r.value as GoMap);
  };
}

function fromList(json: boolean) {
  return (text: string): unknown[] => {
    const r = parsed(text, 'list', json);
    return r.error !== undefined ? [r.error] : (r.value as unknown[]);
  };
}

/** The objects templateResourceRefs named, by identifier, from the template's data. */
function resources(data: unknown): GoMap {
  const r = data instanceof GoStruct ? data.fields['MgmtResources'] : undefined;
  return isMap(r) ? r : {};
}

function resource(data: unknown, id: string): GoMap | undefined {
  const r = resources(data)[id];
  return isMap(r) ? r : undefined;
}

/** unstructured.NestedFieldCopy: undefined when a step is missing or not a map. */
function nestedField(obj: GoMap, path: string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (!isMap(cur) || !Object.hasOwn(cur, p)) return undefined;
    cur = cur[p];
  }
  return deepCopy(cur);
}

/** unstructured.SetNestedField: creates missing maps; false when a step is not a map. */
export function setNestedField(obj: GoMap, value: unknown, path: string[]): boolean {
  let cur = obj;
  for (const p of path.slice(0, -1)) {
    if (!Object.hasOwn(cur, p) || cur[p] === null) putKey(cur, p, {});
    const next = cur[p];
    if (!isMap(next)) return false;
    cur = next;
  }
  putKey(cur, path.at(-1)!, deepCopy(value));
  return true;
}

export function removeNestedField(obj: GoMap, path: string[]): void {
  let cur: unknown = obj;
  for (const p of path.slice(0, -1)) {
    if (!isMap(cur) || !Object.hasOwn(cur, p)) return; // own keys only: never walk into a prototype
    cur = cur[p];
  }
  const last = path.at(-1)!;
  if (isMap(cur) && Object.hasOwn(cur, last)) delete cur[last];
}

const reads = { readsData: true };
const changes = { readsData: true, mutates: true };

export const SVELTOS_FUNCS: ReadonlyArray<[string, FuncDef]> = [
  ['toYaml', def(['any'], toYaml)],
  ['fromYaml', def(['string'], fromMap(false))],
  ['fromYamlArray', def(['string'], fromList(false))],
  ['toJson', def(['any'], (v: unknown) => (hasUnsupportedNumber(v) ? '' : goJson(v)))],
  ['fromJson', def(['string'], fromMap(true))],
  ['fromJsonArray', def(['string'], fromList(true))],
  ['toToml', unsupported('toToml', 'gitset has no TOML encoder; use toYaml or toJson')],
  ['fromToml', unsupported('fromToml', 'gitset has no TOML decoder; use fromYaml or fromJson')],
  ['getResource', def(['any', 'string'], (data: unknown, id: string) => resource(data, id) ?? {}, reads)],
  ['copy', def(['any', 'string'], (data: unknown, id: string) => {
    const r = resource(data, id);
    return r ? toYaml(r) : '';
  }, reads)],
  ['getField', def(['any', 'string', 'string'], (data: unknown, id: string, fields: string) => {
    const r = resource(data, id);
    return (r && nestedField(r, fields.split('.'))) ?? '';
  }, reads)],
  ['removeField', def(['any', 'string', 'string'], (data: unknown, id: string, fields: string) => {
    const r = resource(data, id);
    if (!r) return '';
    removeNestedField(r, fields.split('.'));
    return toYaml(r);
  }, changes)],
  ['setField', def(['any', 'string', 'string', 'any'], (data: unknown, id: string, fields: string, value: unknown) => {
    const r = resource(data, id);
    return r && setNestedField(r, value, fields.split('.')) ? toYaml(r) : '';
  }, changes)],
  ['chainRemoveField', def(['map', 'string'], (u: GoMap | null, fields: string) => (u && removeNestedField(u, fields.split('.')), u), { mutates: true })],
  ['chainSetField', def(['map', 'string', 'any'], (u: GoMap | null, fields: string, value: unknown) => (u && setNestedField(u, value, fields.split('.')) ? u : null), { mutates: true })],
];
