// sprig's defaults, flow control, conversions, integer arithmetic and reflection functions
// (defaults.go, numeric.go, reflect.go). Arithmetic is int64 as in sprig: `div 7 2` is 3.
import { def, FuncError, toFloat64, toInt64, variadic, type FuncDef } from './funcs.ts';
import { deepEqual, emptyValue } from './sprig-lists.ts';
import { kindOf, typeName } from './value.ts';

function divide(a: unknown, b: unknown): number {
  const d = toInt64(b);
  if (d === 0) throw new FuncError('runtime error: integer divide by zero');
  return Math.trunc(toInt64(a) / d);
}

function modulo(a: unknown, b: unknown): number {
  const d = toInt64(b);
  if (d === 0) throw new FuncError('runtime error: integer divide by zero');
  return toInt64(a) % d;
}

/** sprig's round: to `p` decimal places, rounding up from `roundOn` (0.5 unless given). */
function round(a: unknown, p: number, ...opt: number[]): number {
  const roundOn = opt[0] ?? 0.5;
  const pow = 10 ** p;
  const digit = pow * toFloat64(a);
  const frac = digit - Math.trunc(digit);
  return (frac >= roundOn ? Math.ceil(digit) : Math.floor(digit)) / pow;
}

/** Go's reflect Kind names, as sprig's kindOf returns them. */
function reflectKind(v: unknown): string {
  const k = kindOf(v);
  return k === 'float' ? 'float64' : k === 'nil' ? 'invalid' : k === 'struct' ? 'ptr' : k;
}

function atoi(s: string): number {
  return /^[+-]?\d+$/.test(s) ? Number(s) : 0;
}

export const VALUE_FUNCS: ReadonlyArray<[string, FuncDef]> = [
  ['default', variadic(['any', 'any'], (d: unknown, ...given: unknown[]) => (given.length === 0 || emptyValue(given[0]) ? d : given[0]))],
  ['empty', def(['any'], emptyValue)],
  ['coalesce', variadic(['any'], (...v: unknown[]) => v.find((x) => !emptyValue(x)) ?? null)],
  ['all', variadic(['any'], (...v: unknown[]) => v.every((x) => !emptyValue(x)))],
  ['any', variadic(['any'], (...v: unknown[]) => v.some((x) => !emptyValue(x)))],
  ['ternary', def(['any', 'any', 'bool'], (t: unknown, f: unknown, c: boolean) => (c ? t : f))],
  ['fail', def(['string'], (msg: string) => {
    throw new FuncError(msg);
  })],
  ['int', def(['any'], toInt64)],
  ['int64', def(['any'], toInt64)],
  ['float64', def(['any'], toFloat64)],
  ['atoi', def(['string'], atoi)],
  ['toDecimal', def(['any'], (v: unknown) => (/^[+-]?[0-7]+$/.test(String(v)) ? parseInt(String(v), 8) : 0))],
  ['add1', def(['any'], (a: unknown) => toInt64(a) + 1)],
  ['add', variadic(['any'], (...v: unknown[]) => v.reduce<number>((s, x) => s + toInt64(x), 0))],
  ['sub', def(['any', 'any'], (a: unknown, b: unknown) => toInt64(a) - toInt64(b))],
  ['mul', variadic(['any', 'any'], (a: unknown, ...v: unknown[]) => v.reduce<number>((s, x) => s * toInt64(x), toInt64(a)))],
  ['div', def(['any', 'any'], divide)],
  ['mod', def(['any', 'any'], modulo)],
  ['max', variadic(['any', 'any'], (a: unknown, ...v: unknown[]) => Math.max(toInt64(a), ...v.map(toInt64)))],
  ['biggest', variadic(['any', 'any'], (a: unknown, ...v: unknown[]) => Math.max(toInt64(a), ...v.map(toInt64)))],
  ['min', variadic(['any', 'any'], (a: unknown, ...v: unknown[]) => Math.min(toInt64(a), ...v.map(toInt64)))],
  ['maxf', variadic(['any', 'any'], (a: unknown, ...v: unknown[]) => Math.max(toFloat64(a), ...v.map(toFloat64)))],
  ['minf', variadic(['any', 'any'], (a: unknown, ...v: unknown[]) => Math.min(toFloat64(a), ...v.map(toFloat64)))],
  ['floor', def(['any'], (a: unknown) => Math.floor(toFloat64(a)))],
  ['ceil', def(['any'], (a: unknown) => Math.ceil(toFloat64(a)))],
  ['round', variadic(['any', 'int', 'float'], round)],
  ['typeOf', def(['any'], typeName)],
  ['typeIs', def(['string', 'any'], (t: string, v: unknown) => t === typeName(v))],
  ['typeIsLike', def(['string', 'any'], (t: string, v: unknown) => t === typeName(v) || t === `*${typeName(v)}`)],
  ['kindOf', def(['any'], reflectKind)],
  ['kindIs', def(['string', 'any'], (k: string, v: unknown) => k === reflectKind(v))],
  ['deepEqual', def(['any', 'any'], deepEqual)],
];
