// Go text/template's predefined functions (funcs.go): not, len, index, comparisons, print,
// printf, println and the html/js/urlquery escapers. `and`/`or` short-circuit in eval.ts;
// `slice` is sprig's, which replaces Go's in Sveltos' function map.
import { def, FuncError, unsupported, variadic, type FuncDef } from './funcs.ts';
import { sprintf } from './printf.ts';
import { formatValue, isTrue, kindOf, sprint, sprintln, typeName, type Kind } from './value.ts';

const shortCircuit = variadic(['value'], () => {
  throw new FuncError('and/or are evaluated by the executor');
});

export const BUILTINS: ReadonlyArray<[string, FuncDef]> = [
  ['and', shortCircuit],
  ['or', shortCircuit],
  ['not', def(['value'], (v: unknown) => !isTrue(v))],
  ['len', def(['value'], length)],
  ['index', variadic(['value', 'value'], index)],
  ['eq', variadic(['value', 'value'], eq)],
  ['ne', def(['value', 'value'], (a: unknown, b: unknown) => !eq(a, b))],
  ['lt', def(['value', 'value'], lt)],
  ['le', def(['value', 'value'], (a: unknown, b: unknown) => lt(a, b) || eq(a, b))],
  ['gt', def(['value', 'value'], (a: unknown, b: unknown) => !(lt(a, b) || eq(a, b)))],
  ['ge', def(['value', 'value'], (a: unknown, b: unknown) => !lt(a, b))],
  ['print', variadic(['any'], (...a: unknown[]) => sprint(a))],
  ['printf', variadic(['string', 'any'], (f: string, ...a: unknown[]) => sprintf(f, a))],
  ['println', variadic(['any'], (...a: unknown[]) => sprintln(a))],
  ['html', variadic(['any'], (...a: unknown[]) => htmlEscape(evalArgs(a)))],
  ['js', variadic(['any'], (...a: unknown[]) => jsEscape(evalArgs(a)))],
  ['urlquery', variadic(['any'], (...a: unknown[]) => queryEscape(evalArgs(a)))],
  ['call', unsupported('call', 'template data holds no functions')],
];

function length(v: unknown): number {
  switch (kindOf(v)) {
    case 'string':
      return Buffer.byteLength(v as string, 'utf8');
    case 'slice':
      return (v as unknown[]).length;
    case 'map':
      return Object.keys(v as object).length;
    case 'invalid':
    case 'nil':
      throw new FuncError('len of nil pointer');
    default:
      throw new FuncError(`len of type ${typeName(v)}`);
  }
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new FuncError('index of untyped nil');
  for (const i of indexes) {
    if (item === null || item === undefined) throw new FuncError('index of nil pointer');
    const kind = kindOf(item);
    if (kind === 'slice' || kind === 'string') {
      const list = kind === 'string' ? Buffer.from(item as string, 'utf8') : (item as unknown[]);
      if (kindOf(i) !== 'int') throw new FuncError(i === undefined || i === null ? 'cannot index slice/array with nil' : `cannot index slice/array with type ${typeName(i)}`);
      const x = Number(i);
      if (x < 0 || x >= list.length) throw new FuncError(`index out of range: ${x}`);
      item = list[x];
    } else if (kind === 'map') {
      if (typeof i !== 'string') throw new FuncError(i === undefined || i === null ? 'value is nil; should be of type string' : `value has type ${typeName(i)}; should be string`);
      const map = item as Record<string, unknown>;
      item = Object.hasOwn(map, i) ? map[i] : null; // the zero value of interface{}
    } else {
      throw new FuncError(`can't index item of type ${typeName(item)}`);
    }
  }
  return item;
}

type Basic = 'bool' | 'int' | 'float' | 'string' | 'invalid';

function basicKind(v: unknown): Basic {
  const k: Kind = kindOf(v);
  return k === 'bool' || k === 'int' || k === 'float' || k === 'string' ? k : 'invalid';
}

function isNil(v: unknown): boolean {
  return v === undefined || v === null;
}

function eq(a: unknown, ...others: unknown[]): boolean {
  if (others.length === 0) throw new FuncError('missing argument for comparison');
  const k1 = basicKind(a);
  for (const b of others) {
    const k2 = basicKind(b);
    let truth: boolean;
    if (k1 !== k2) {
      if (!isNil(a) && !isNil(b)) throw new FuncError(`incompatible types for comparison: ${typeName(a)} and ${typeName(b)}`);
      truth = false;
    } else if (k1 !== 'invalid') {
      truth = a === b;
    } else if (isNil(a) || isNil(b)) {
      truth = isNil(a) === isNil(b);
    } else {
      throw new FuncError(`non-comparable type ${formatValue(b)}: ${typeName(b)}`);
    }
    if (truth) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k2 === 'invalid') throw new FuncError('invalid type for comparison');
  if (k1 !== k2) throw new FuncError(`incompatible types for comparison: ${typeName(a)} and ${typeName(b)}`);
  if (k1 === 'bool') throw new FuncError('invalid type for comparison');
  return (a as number | string) < (b as number | string);
}

/** Go's evalArgs: one string as it is; otherwise fmt.Sprint with "<no value>" for missing values. */
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === undefined || a === null ? '<no value>' : a)));
}

const HTML: Record<string, string> = { '\0': '\uFFFD', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' };

function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => HTML[c]!);
}

const JS: Record<string, string> = { '\\': '\\\\', "'": "\\'", '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D' };

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (JS[ch]) out += JS[ch];
    else if (code < 0x20) out += `\\u00${code.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (code >= 0x80 && /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}]/u.test(ch)) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

/** Go's url.QueryEscape: unreserved characters stay, space becomes +, the rest %XX. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}
