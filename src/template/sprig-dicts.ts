// sprig's dictionary functions (dict.go). set, unset, merge and mergeOverwrite change the map
// they are given and return it, as in sprig: templates rely on `$_ := set $d "k" "v"`. keys and
// values come in sorted key order (Go's map order is random; sorted is one of its outcomes).
import { def, FuncError, strval, variadic, type FuncDef } from './funcs.ts';
import { emptyValue } from './sprig-lists.ts';
import { deepCopy, isMap, putKey, sortedKeys, type GoMap } from './value.ts';

/** A nil map argument: reading it is fine, writing to it panics in Go. */
function writable(d: GoMap | null, fn: string): GoMap {
  if (d === null) throw new FuncError(`assignment to entry in nil map (${fn})`);
  return d;
}

function dict(...v: unknown[]): GoMap {
  const out: GoMap = {};
  for (let i = 0; i < v.length; i += 2) putKey(out, strval(v[i]), i + 1 < v.length ? v[i + 1] : '');
  return out;
}

/** dario.cat/mergo's Merge (overwrite false) and MergeWithOverwrite over maps, recursively. */
export function mergeInto(dst: GoMap, src: GoMap, overwrite: boolean): void {
  for (const key of Object.keys(src)) {
    const s = src[key];
    const hasDst = Object.hasOwn(dst, key);
    const d = dst[key];
    if (s === null || s === undefined) {
      if (overwrite) putKey(dst, key, null);
      continue;
    }
    if (isMap(s) && hasDst && isMap(d)) {
      mergeInto(d, s, overwrite);
      if (!emptyValue(d)) continue;
    }
    if (Array.isArray(s) && hasDst && !emptyValue(d) && !overwrite) continue;
    if (overwrite || !hasDst || emptyValue(d)) putKey(dst, key, s);
  }
}

function merge(overwrite: boolean) {
  return (dst: GoMap | null, ...srcs: Array<GoMap | null>): unknown => {
    const target = writable(dst, overwrite ? 'mergeOverwrite' : 'merge');
    for (const src of srcs) if (src) mergeInto(target, src, overwrite);
    return target;
  };
}

function dig(...args: unknown[]): unknown {
  if (args.length < 3) throw new FuncError('dig needs at least three arguments');
  const d = args.at(-1);
  const fallback = args.at(-2);
  const keys = args.slice(0, -2);
  let cur: unknown = d;
  for (const k of keys) {
    if (typeof k !== 'string') throw new FuncError(`interface conversion: interface {} is ${typeof k}, not string`);
    if (!isMap(cur) || !Object.hasOwn(cur, k)) return fallback;
    cur = cur[k];
  }
  return cur;
}

export const DICT_FUNCS: ReadonlyArray<[string, FuncDef]> = [
  ['dict', variadic(['any'], dict)],
  ['get', def(['map', 'string'], (d: GoMap | null, k: string) => (d && Object.hasOwn(d, k) ? d[k] : ''))],
  ['set', def(['map', 'string', 'any'], (d: GoMap | null, k: string, v: unknown) => (putKey(writable(d, 'set'), k, v), d), { mutates: true })],
  ['unset', def(['map', 'string'], (d: GoMap | null, k: string) => (d && delete d[k], d), { mutates: true })],
  ['hasKey', def(['map', 'string'], (d: GoMap | null, k: string) => d !== null && Object.hasOwn(d, k))],
  ['keys', variadic(['map'], (...ds: Array<GoMap | null>) => ds.flatMap((d) => (d ? sortedKeys(d) : [])))],
  ['values', def(['map'], (d: GoMap | null) => (d ? sortedKeys(d).map((k) => d[k]) : []))],
  ['pluck', variadic(['string', 'map'], (k: string, ...ds: Array<GoMap | null>) => ds.filter((d): d is GoMap => d !== null && Object.hasOwn(d, k)).map((d) => d[k]))],
  ['pick', variadic(['map', 'string'], (d: GoMap | null, ...ks: string[]) => Object.fromEntries(ks.filter((k) => d && Object.hasOwn(d, k)).map((k) => [k, d![k]])))],
  ['omit', variadic(['map', 'string'], (d: GoMap | null, ...ks: string[]) => Object.fromEntries(Object.entries(d ?? {}).filter(([k]) => !ks.includes(k))))],
  ['merge', variadic(['map', 'map'], merge(false), { mutates: true })],
  ['mustMerge', variadic(['map', 'map'], merge(false), { mutates: true })],
  ['mergeOverwrite', variadic(['map', 'map'], merge(true), { mutates: true })],
  ['mustMergeOverwrite', variadic(['map', 'map'], merge(true), { mutates: true })],
  ['deepCopy', def(['any'], (v: unknown) => deepCopy(v))],
  ['mustDeepCopy', def(['any'], (v: unknown) => deepCopy(v))],
  ['dig', variadic(['any'], dig)],
];
