// sprig's list functions (list.go). Lists are never changed in place (append copies, as
// sprig does); equality is reflect.DeepEqual. A function given something that is not a list
// fails as sprig's does ("Cannot first on type string").
import { def, FuncError, listOf, toInt64, variadic, type FuncDef } from './funcs.ts';
import { isMap, kindOf } from './value.ts';

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return (a === null || a === undefined) && (b === null || b === undefined);
}

/** The list functions take interface{}: nil is an empty list for some, an error for others. */
function list(v: unknown, fn: string): unknown[] {
  return listOf(v, fn);
}

function until(count: number): number[] {
  return untilStep(0, count, count < 0 ? -1 : 1);
}

/** More elements than any values file needs; beyond it a typo (`until 1000000000`) would exhaust memory. */
export const MAX_ELEMENTS = 1_000_000;

function untilStep(start: number, stop: number, step: number): number[] {
  const v: number[] = [];
  if (step !== 0 && Math.abs((stop - start) / step) > MAX_ELEMENTS) throw new FuncError(`more than ${MAX_ELEMENTS} elements`);
  if (stop < start) {
    if (step >= 0) return v;
    for (let i = start; i > stop; i += step) v.push(i);
    return v;
  }
  if (step <= 0) return v;
  for (let i = start; i < stop; i += step) v.push(i);
  return v;
}

function seq(...params: number[]): string {
  let [start, end, step] = [1, 0, 1];
  if (params.length === 1) [end, step] = [params[0]!, params[0]! < 1 ? -1 : 1];
  else if (params.length === 2) [start, end, step] = [params[0]!, params[1]!, params[1]! < params[0]! ? -1 : 1];
  else if (params.length === 3) {
    [start, step, end] = [params[0]!, params[1]!, params[2]!];
    if (end < start && step > 0) return '';
  } else return '';
  const inc = end < start ? -1 : 1;
  return untilStep(start, end + inc, step).join(' ');
}

function slice(v: unknown, ...indices: unknown[]): unknown {
  const l = list(v, 'slice');
  const start = indices.length > 0 ? toInt64(indices[0]) : 0;
  const end = indices.length > 1 ? toInt64(indices[1]) : l.length;
  if (start < 0 || end > l.length || start > end) throw new FuncError(`runtime error: slice bounds out of range [${start}:${end}] with capacity ${l.length}`);
  return l.slice(start, end);
}

function uniq(v: unknown): unknown[] {
  const out: unknown[] = [];
  for (const x of list(v, 'uniq')) if (!out.some((y) => deepEqual(x, y))) out.push(x);
  return out;
}

function has(needle: unknown, haystack: unknown): boolean {
  if (haystack === null) return false;
  return list(haystack, 'has').some((x) => deepEqual(needle, x));
}

function chunk(size: number, v: unknown): unknown[][] {
  const l = list(v, 'chunk');
  const out: unknown[][] = [];
  for (let i = 0; i < l.length; i += size) out.push(l.slice(i, i + size));
  return out;
}

function concat(...lists: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const l of lists) {
    if (!Array.isArray(l)) throw new FuncError(`Cannot concat type ${kindOf(l)} as list`);
    out.push(...l);
  }
  return out;
}

const LIST_FUNCS_BASE: Array<[string, FuncDef]> = [
  ['list', variadic(['any'], (...v: unknown[]) => v)],
  ['tuple', variadic(['any'], (...v: unknown[]) => v)],
  ['first', def(['any'], (v: unknown) => (list(v, 'find first').length ? list(v, 'find first')[0] : null))],
  ['last', def(['any'], (v: unknown) => (list(v, 'find last').length ? list(v, 'find last').at(-1) : null))],
  ['rest', def(['any'], (v: unknown) => (list(v, 'find rest').length ? list(v, 'find rest').slice(1) : null))],
  ['initial', def(['any'], (v: unknown) => (list(v, 'find initial').length ? list(v, 'find initial').slice(0, -1) : null))],
  ['reverse', def(['any'], (v: unknown) => [...list(v, 'find reverse')].reverse())],
  ['append', def(['any', 'any'], (v: unknown, x: unknown) => [...list(v, 'push'), x])],
  ['push', def(['any', 'any'], (v: unknown, x: unknown) => [...list(v, 'push'), x])],
  ['prepend', def(['any', 'any'], (v: unknown, x: unknown) => [x, ...list(v, 'prepend')])],
  ['concat', variadic(['any'], concat)],
  ['uniq', def(['any'], uniq)],
  ['compact', def(['any'], (v: unknown) => list(v, 'compact').filter((x) => !emptyValue(x)))],
  ['without', variadic(['any', 'any'], (v: unknown, ...omit: unknown[]) => list(v, 'find without').filter((x) => !omit.some((o) => deepEqual(o, x))))],
  ['has', def(['any', 'any'], has)],
  ['slice', variadic(['any', 'any'], slice)],
  ['chunk', def(['int', 'any'], chunk)],
  ['until', def(['int'], until)],
  ['untilStep', def(['int', 'int', 'int'], untilStep)],
  ['seq', variadic(['int'], seq)],
];

/** Each list function also has a must- form that returns its error instead of panicking: here, the same. */
export const LIST_FUNCS: ReadonlyArray<[string, FuncDef]> = [
  ...LIST_FUNCS_BASE,
  ...LIST_FUNCS_BASE.filter(([n]) => ['first', 'last', 'rest', 'initial', 'reverse', 'push', 'prepend', 'uniq', 'compact', 'without', 'has', 'slice', 'chunk'].includes(n)).map(
    ([n, f]): [string, FuncDef] => [`must${n[0]!.toUpperCase()}${n.slice(1)}`, f],
  ),
  ['mustAppend', LIST_FUNCS_BASE.find(([n]) => n === 'append')![1]],
];

/** sprig's empty: the zero value of its type, or nil. */
export function emptyValue(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return true;
    case 'bool':
      return v === false;
    case 'int':
    case 'float':
      return v === 0;
    case 'string':
      return v === '';
    case 'slice':
      return (v as unknown[]).length === 0;
    case 'map':
      return Object.keys(v as object).length === 0;
    case 'struct':
      return false;
  }
}
