// fmt.Sprintf for template values: the verbs v s q d t f F e E g G x X o b c and %%, with the
// flags - + # 0 and space, width and precision (also `*`), and Go's in-band reports of a wrong
// verb (%!d(string=x)), a missing operand (%!d(MISSING)) and extra operands (%!(EXTRA int=1)).
import { formatFloat, formatValue, kindOf, typeName } from './value.ts';

interface Spec {
  flags: string;
  width?: number;
  prec?: number;
  verb: string;
}

export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let n = 0;
  const re = /%([-+# 0]*)(\*|\d+)?(?:\.(\*|\d*))?(.)?/gs;
  let last = 0;
  for (let m = re.exec(format); m; m = re.exec(format)) {
    out += format.slice(last, m.index);
    last = re.lastIndex;
    const [, flags = '', w, p, verb] = m;
    if (verb === undefined) {
      out += '%!(NOVERB)';
      continue;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    const star = (x: string | undefined): number | undefined => {
      if (x !== '*') return x === undefined ? undefined : x === '' ? 0 : Number(x);
      const v = args[n++];
      return typeof v === 'number' ? v : undefined;
    };
    const spec: Spec = { flags, verb, width: star(w), prec: star(p) };
    if (n >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += pad(formatOne(spec, args[n++]), spec);
  }
  out += format.slice(last);
  if (n < args.length) out += `%!(EXTRA ${args.slice(n).map((a) => `${typeName(a)}=${formatValue(a)}`).join(', ')})`;
  return out;
}

/** Wider than any field needs; Go would allocate whatever a hostile width asks for. */
const MAX_WIDTH = 1 << 20;

function pad(text: string, spec: Spec): string {
  const width = Math.min(spec.width ?? 0, MAX_WIDTH);
  if (text.length >= width) return text;
  if (spec.flags.includes('-')) return text.padEnd(width);
  if (spec.flags.includes('0') && 'dfFeEgGxXob'.includes(spec.verb) && /^[-+]?[0-9a-fA-F.]/.test(text)) {
    const sign = /^[-+]/.test(text) ? text[0]! : '';
    return sign + text.slice(sign.length).padStart(width - sign.length, '0');
  }
  return text.padStart(width);
}

function bad(spec: Spec, v: unknown): string {
  return v === undefined || v === null ? `%!${spec.verb}(<nil>)` : `%!${spec.verb}(${typeName(v)}=${formatValue(v)})`;
}

function formatOne(spec: Spec, v: unknown): string {
  const kind = kindOf(v);
  const { verb } = spec;
  if (verb === 'v') return formatValue(v);
  if (verb === 'T') return typeName(v);
  if (kind === 'string') return formatString(spec, v as string);
  if (kind === 'bool') return verb === 't' ? String(v) : bad(spec, v);
  if (kind === 'int' || kind === 'float') return formatNumber(spec, v as number);
  if ((kind === 'slice' || kind === 'map') && 'sqdxX'.includes(verb)) return formatValue(v);
  return bad(spec, v);
}

function formatString(spec: Spec, s: string): string {
  const cut = spec.prec !== undefined ? [...s].slice(0, spec.prec).join('') : s;
  switch (spec.verb) {
    case 's':
      return cut;
    case 'q':
      return spec.flags.includes('#') && !s.includes('`') ? `\`${s}\`` : goQuote(s);
    case 'x':
    case 'X': {
      const hex = Buffer.from(cut, 'utf8').toString('hex');
      return spec.verb === 'X' ? hex.toUpperCase() : hex;
    }
    default:
      return bad(spec, s);
  }
}

function sign(spec: Spec, n: number, text: string): string {
  if (n < 0 || Object.is(n, -0) || text.startsWith('-')) return text;
  return spec.flags.includes('+') ? `+${text}` : spec.flags.includes(' ') ? ` ${text}` : text;
}

function formatNumber(spec: Spec, n: number): string {
  const { verb } = spec;
  const int = Number.isInteger(n);
  switch (verb) {
    case 'd':
      return int ? sign(spec, n, String(n)) : bad(spec, n);
    case 'f':
    case 'F':
      return sign(spec, n, formatFloat(n, 'f', Math.min(spec.prec ?? 6, 100)));
    case 'e':
    case 'E': {
      const t = formatFloat(n, 'e', spec.prec ?? 6);
      return sign(spec, n, verb === 'E' ? t.toUpperCase() : t);
    }
    case 'g':
    case 'G': {
      const t = formatFloat(n, 'g', spec.prec ?? -1);
      return sign(spec, n, verb === 'G' ? t.toUpperCase() : t);
    }
    case 'x':
    case 'X':
    case 'o':
    case 'b': {
      if (!int) return bad(spec, n);
      const base = verb === 'o' ? 8 : verb === 'b' ? 2 : 16;
      const body = Math.abs(n).toString(base);
      const prefix = spec.flags.includes('#') ? (verb === 'o' ? '0' : verb === 'b' ? '0b' : '0x') : '';
      const text = (n < 0 ? '-' : '') + prefix + body;
      return sign(spec, n, verb === 'X' ? text.toUpperCase() : text);
    }
    case 'c':
      return int ? String.fromCodePoint(n) : bad(spec, n);
    case 'q':
      return int ? `'${String.fromCodePoint(n)}'` : bad(spec, n);
    default:
      return bad(spec, n);
  }
}

/** strconv.Quote: double quotes, Go escapes for control characters. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0x80 && /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}]/u.test(ch)) out += c > 0xffff ? `\\U${c.toString(16).padStart(8, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}
