// sprig's string functions (strings.go and functions.go), with sprig's argument order: the
// string operated on comes last so that `.x | trimPrefix "v"` reads naturally.
import { def, FuncError, strval, variadic, type FuncDef } from './funcs.ts';
import { goQuote } from './printf.ts';
import { MAX_OUTPUT } from './state.ts';
import { formatValue } from './value.ts';

/** Go's strings.Title: a letter after a separator (ASCII punctuation or any space) upper-cased. */
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    out += isSeparator(prev) ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

function isSeparator(ch: string): boolean {
  if (ch.charCodeAt(0) < 0x80) return !/[A-Za-z0-9_]/.test(ch);
  return /\s/u.test(ch);
}

/** No string a function builds may exceed what a whole rendering may (MAX_OUTPUT). */
function bounded(size: number): void {
  if (size > MAX_OUTPUT) throw new FuncError(`the result would exceed ${MAX_OUTPUT / 1024 / 1024} MiB`);
}

function indent(spaces: number, v: string): string {
  bounded(spaces * (1 + v.split('\n').length));
  const pad = ' '.repeat(Math.max(spaces, 0));
  return pad + v.replaceAll('\n', `\n${pad}`);
}

/** Byte offsets, as Go slices strings; a slice out of range panics in Go, an error here. */
function bytesSlice(s: string, start: number, end?: number): string {
  const b = Buffer.from(s, 'utf8');
  const e = end ?? b.length;
  if (start < 0 || e > b.length || start > e) throw new FuncError(`runtime error: slice bounds out of range [${start}:${e}] with length ${b.length}`);
  return b.subarray(start, e).toString('utf8');
}

function substr(start: number, end: number, s: string): string {
  if (start < 0) return bytesSlice(s, 0, end);
  const len = Buffer.byteLength(s, 'utf8');
  if (end < 0 || end > len) return bytesSlice(s, start);
  return bytesSlice(s, start, end);
}

function trunc(c: number, s: string): string {
  const len = Buffer.byteLength(s, 'utf8');
  if (c < 0 && len + c > 0) return bytesSlice(s, len + c);
  if (c >= 0 && len > c) return bytesSlice(s, 0, c);
  return s;
}

/** sprig's strslice: the strings of a list, nil elements of an []interface{} left out. */
export function strslice(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== undefined).map(strval);
  if (v === null || v === undefined) return [];
  return [strval(v)];
}

function goSplit(s: string, sep: string, n = -1): string[] {
  if (n === 0) return [];
  if (sep === '') {
    const chars = [...s];
    return n < 0 || n >= chars.length ? chars : [...chars.slice(0, n - 1), chars.slice(n - 1).join('')];
  }
  const parts = s.split(sep);
  return n < 0 || n >= parts.length ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

function indexed(parts: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  parts.forEach((p, i) => (out[`_${i}`] = p));
  return out;
}

function trimCutset(s: string, cutset: string): string {
  const set = new Set(cutset);
  const chars = [...s];
  let a = 0;
  let b = chars.length;
  while (a < b && set.has(chars[a]!)) a++;
  while (b > a && set.has(chars[b - 1]!)) b--;
  return chars.slice(a, b).join('');
}

export const STRING_FUNCS: ReadonlyArray<[string, FuncDef]> = [
  ['upper', def(['string'], (s: string) => s.toUpperCase())],
  ['lower', def(['string'], (s: string) => s.toLowerCase())],
  ['title', def(['string'], title)],
  ['untitle', def(['string'], (s: string) => s.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, a: string, b: string) => a + b.toLowerCase()))],
  ['trim', def(['string'], (s: string) => s.replace(/^[\s\u0085\u00a0]+|[\s\u0085\u00a0]+$/g, ''))],
  ['trimAll', def(['string', 'string'], (cut: string, s: string) => trimCutset(s, cut))],
  ['trimall', def(['string', 'string'], (cut: string, s: string) => trimCutset(s, cut))],
  ['trimPrefix', def(['string', 'string'], (p: string, s: string) => (s.startsWith(p) ? s.slice(p.length) : s))],
  ['trimSuffix', def(['string', 'string'], (p: string, s: string) => (p && s.endsWith(p) ? s.slice(0, s.length - p.length) : s))],
  ['nospace', def(['string'], (s: string) => s.replace(/\s+/g, ''))],
  ['replace', def(['string', 'string', 'string'], (o: string, n: string, s: string) => s.replaceAll(o, n))],
  ['contains', def(['string', 'string'], (sub: string, s: string) => s.includes(sub))],
  ['hasPrefix', def(['string', 'string'], (p: string, s: string) => s.startsWith(p))],
  ['hasSuffix', def(['string', 'string'], (p: string, s: string) => s.endsWith(p))],
  ['repeat', def(['int', 'string'], (n: number, s: string) => {
    if (n < 0) throw new FuncError('strings: negative Repeat count');
    bounded(n * s.length);
    return s.repeat(n);
  })],
  ['substr', def(['int', 'int', 'string'], substr)],
  ['trunc', def(['int', 'string'], trunc)],
  ['indent', def(['int', 'string'], indent)],
  ['nindent', def(['int', 'string'], (n: number, s: string) => `\n${indent(n, s)}`)],
  ['quote', variadic(['any'], (...v: unknown[]) => v.filter((x) => x !== null).map((x) => goQuote(strval(x))).join(' '))],
  ['squote', variadic(['any'], (...v: unknown[]) => v.filter((x) => x !== null).map((x) => `'${formatValue(x)}'`).join(' '))],
  ['cat', variadic(['any'], (...v: unknown[]) => v.filter((x) => x !== null).map(formatValue).join(' '))],
  ['toString', def(['any'], strval)],
  ['toStrings', def(['any'], strslice)],
  ['split', def(['string', 'string'], (sep: string, s: string) => indexed(goSplit(s, sep)))],
  ['splitn', def(['string', 'int', 'string'], (sep: string, n: number, s: string) => indexed(goSplit(s, sep, n)))],
  ['splitList', def(['string', 'string'], (sep: string, s: string) => goSplit(s, sep))],
  ['join', def(['string', 'any'], (sep: string, v: unknown) => strslice(v).join(sep))],
  ['sortAlpha', def(['any'], (v: unknown) => (Array.isArray(v) ? strslice(v) : [strval(v)]).sort())],
  ['plural', def(['string', 'string', 'int'], (one: string, many: string, n: number) => (n === 1 ? one : many))],
];
