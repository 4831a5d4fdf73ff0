// sprig's encoding, hashing, JSON, path and regular-expression functions. Go's RE2 syntax is
// translated for the few places JavaScript differs ((?P<name>…), leading (?i) flags, \z); the
// replacement text of regexReplaceAll expands $1, ${1}, $name and ${name} as Go's Expand does.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { def, FuncError, type FuncDef } from './funcs.ts';
import { goJson, hasUnsupportedNumber } from './json.ts';

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** base64.StdEncoding.DecodeString; on error sprig returns the error's text. */
function b64dec(s: string): string {
  const clean = s.replace(/[\r\n]/g, '');
  if (!B64.test(clean)) {
    const bad = clean.search(/[^A-Za-z0-9+/=]/);
    return `illegal base64 data at input byte ${bad >= 0 ? bad : Math.max(clean.length - (clean.length % 4 || 4), 0)}`;
  }
  return Buffer.from(clean, 'base64').toString('utf8');
}

function hash(algorithm: string) {
  return (s: string) => createHash(algorithm).update(s, 'utf8').digest('hex');
}

function adler32(s: string): string {
  let a = 1;
  let b = 0;
  for (const byte of Buffer.from(s, 'utf8')) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return String(((b << 16) | a) >>> 0);
}

export function toJson(v: unknown): string {
  return hasUnsupportedNumber(v) ? '' : goJson(v);
}

/** Go's RE2 pattern as a JavaScript RegExp; an invalid pattern is an error naming it. */
export function goRegExp(pattern: string, global: boolean): RegExp {
  let flags = global ? 'g' : '';
  let body = pattern;
  const lead = /^\(\?([imsU]+)\)/.exec(body);
  if (lead) {
    flags += lead[1]!.replace(/U/g, '');
    body = body.slice(lead[0].length);
  }
  body = body.replace(/\(\?P</g, '(?<').replace(/\\z/g, '$(?![\\s\\S])').replace(/\\A/g, '^');
  try {
    return new RegExp(body, flags);
  } catch (err) {
    throw new FuncError(`regexp: Compile(${JSON.stringify(pattern)}): ${(err as Error).message}`);
  }
}

/** Go's Regexp.Expand: $n, ${n}, $name, ${name}, $$; a group that does not exist is "". */
function expand(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(\$|\{(\w+)\}|(\w+))/g, (_all, whole: string, braced?: string, bare?: string) => {
    if (whole === '$') return '$';
    const name = braced ?? bare!;
    if (/^\d+$/.test(name)) return m[Number(name)] ?? '';
    return m.groups?.[name] ?? '';
  });
}

function replaceAll(pattern: string, s: string, repl: string, literal: boolean): string {
  const re = goRegExp(pattern, true);
  return s.replace(re, (...args: unknown[]) => {
    if (literal) return repl;
    const groups = args.at(-1);
    const hasGroups = typeof groups === 'object' && groups !== null;
    const count = args.length - (hasGroups ? 3 : 2);
    const m = Object.assign(args.slice(0, count) as string[], { groups: hasGroups ? (groups as Record<string, string>) : undefined }) as unknown as RegExpExecArray;
    return expand(repl, m);
  });
}

function findAll(pattern: string, s: string, n: number): string[] {
  const all = [...s.matchAll(goRegExp(pattern, true))].map((m) => m[0]);
  return n < 0 ? all : all.slice(0, n);
}

function split(pattern: string, s: string, n: number): string[] {
  if (n === 0) return [];
  const parts = s.split(goRegExp(pattern, true));
  if (n < 0 || parts.length <= n) return parts;
  const re = goRegExp(pattern, true);
  let cut = 0;
  for (let i = 0; i < n - 1; i++) {
    const m = re.exec(s)!;
    cut = m.index + m[0].length;
  }
  return [...parts.slice(0, n - 1), s.slice(cut)];
}

function goClean(p: string): string {
  if (p === '') return '.';
  const c = posix.normalize(p);
  return c.length > 1 ? c.replace(/\/$/, '') : c;
}

export const ENCODING_FUNCS: ReadonlyArray<[string, FuncDef]> = [
  ['b64enc', def(['string'], (s: string) => Buffer.from(s, 'utf8').toString('base64'))],
  ['b64dec', def(['string'], b64dec)],
  ['b32enc', def(['string'], (s: string) => base32(Buffer.from(s, 'utf8')))],
  ['sha1sum', def(['string'], hash('sha1'))],
  ['sha256sum', def(['string'], hash('sha256'))],
  ['sha512sum', def(['string'], hash('sha512'))],
  ['adler32sum', def(['string'], adler32)],
  ['toPrettyJson', def(['any'], (v: unknown) => (hasUnsupportedNumber(v) ? '' : goJson(v, { indent: '  ' })))],
  ['toRawJson', def(['any'], (v: unknown) => goJson(v, { escapeHTML: false }))],
  ['mustToJson', def(['any'], (v: unknown) => goJson(v))],
  ['mustToPrettyJson', def(['any'], (v: unknown) => goJson(v, { indent: '  ' }))],
  ['mustToRawJson', def(['any'], (v: unknown) => goJson(v, { escapeHTML: false }))],
  ['regexMatch', def(['string', 'string'], (re: string, s: string) => safeTest(re, s))],
  ['mustRegexMatch', def(['string', 'string'], (re: string, s: string) => goRegExp(re, false).test(s))],
  ['regexFind', def(['string', 'string'], (re: string, s: string) => goRegExp(re, false).exec(s)?.[0] ?? '')],
  ['mustRegexFind', def(['string', 'string'], (re: string, s: string) => goRegExp(re, false).exec(s)?.[0] ?? '')],
  ['regexFindAll', def(['string', 'string', 'int'], findAll)],
  ['mustRegexFindAll', def(['string', 'string', 'int'], findAll)],
  ['regexReplaceAll', def(['string', 'string', 'string'], (re: string, s: string, r: string) => replaceAll(re, s, r, false))],
  ['mustRegexReplaceAll', def(['string', 'string', 'string'], (re: string, s: string, r: string) => replaceAll(re, s, r, false))],
  ['regexReplaceAllLiteral', def(['string', 'string', 'string'], (re: string, s: string, r: string) => replaceAll(re, s, r, true))],
  ['mustRegexReplaceAllLiteral', def(['string', 'string', 'string'], (re: string, s: string, r: string) => replaceAll(re, s, r, true))],
  ['regexSplit', def(['string', 'string', 'int'], split)],
  ['mustRegexSplit', def(['string', 'string', 'int'], split)],
  ['regexQuoteMeta', def(['string'], (s: string) => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&'))],
  ['base', def(['string'], (p: string) => (p === '' ? '.' : /^\/+$/.test(p) ? '/' : posix.basename(p.replace(/\/+$/, ''))))],
  ['dir', def(['string'], (p: string) => goClean(p.slice(0, p.lastIndexOf('/') + 1)))],
  ['clean', def(['string'], goClean)],
  ['ext', def(['string'], (p: string) => /(\.[^./]*)$/.exec(p)?.[1] ?? '')],
  ['isAbs', def(['string'], (p: string) => p.startsWith('/'))],
];

function safeTest(re: string, s: string): boolean {
  try {
    return goRegExp(re, false).test(s);
  } catch {
    return false; // sprig's regexMatch ignores a compile error
  }
}

function base32(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out.padEnd(Math.ceil(out.length / 8) * 8, '=');
}
