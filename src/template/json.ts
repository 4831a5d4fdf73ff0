// encoding/json's Marshal and MarshalIndent for template values: map keys sorted, <, > and &
// escaped as \u003c \u003e \u0026 (unless escapeHTML is off, as in sprig's toRawJson), U+2028
// and U+2029 escaped, floats in Go's JSON number format (exponent below 1e-6 and from 1e21).
import { GoStruct, isMap, kindOf, sortedKeys } from './value.ts';

export interface JsonOptions {
  indent?: string;
  escapeHTML?: boolean;
}

export function goJson(v: unknown, options: JsonOptions = {}): string {
  return encode(v, options, '');
}

function encode(v: unknown, o: JsonOptions, prefix: string): string {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return 'null';
    case 'bool':
      return String(v);
    case 'int':
      return typeof v === 'bigint' ? v.toString() : Number.isSafeInteger(v) ? String(v) : BigInt(v as number).toString();
    case 'float':
      return jsonFloat(v as number);
    case 'string':
      return quote(v as string, o.escapeHTML !== false);
    case 'slice':
      return container('[', ']', (v as unknown[]).map((x, _i) => (next: string) => encode(x, o, next)), o, prefix);
    case 'map': {
      const m = v as Record<string, unknown>;
      const items = sortedKeys(m).map((k) => (next: string) => `${quote(k, o.escapeHTML !== false)}:${o.indent ? ' ' : ''}${encode(m[k], o, next)}`);
      return container('{', '}', items, o, prefix);
    }
    case 'struct':
      return encode({ ...(v as GoStruct).fields }, o, prefix);
  }
}

function container(open: string, close: string, items: Array<(prefix: string) => string>, o: JsonOptions, prefix: string): string {
  if (items.length === 0) return open + close;
  if (!o.indent) return open + items.map((f) => f('')).join(',') + close;
  const inner = prefix + o.indent;
  return `${open}\n${items.map((f) => inner + f(inner)).join(',\n')}\n${prefix}${close}`;
}

function quote(s: string, escapeHTML: boolean): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || (escapeHTML && (ch === '<' || ch === '>' || ch === '&')) || c === 0x2028 || c === 0x2029) {
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out + '"';
}

/** Go's float64 JSON text: like ES for most numbers, with e-07 written e-7 and no e+. */
function jsonFloat(n: number): string {
  if (!Number.isFinite(n)) return 'null'; // Go fails here (unsupported value); sprig turns that into ""
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) return n.toExponential().replace('e+', 'e');
  return String(n).includes('e') ? n.toFixed(20).replace(/\.?0+$/, '') : String(n);
}

/** True when Go's Marshal would fail (NaN or infinity anywhere): sprig then gives "". */
export function hasUnsupportedNumber(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (Array.isArray(v)) return v.some(hasUnsupportedNumber);
  if (isMap(v)) return Object.values(v).some(hasUnsupportedNumber);
  return false;
}
