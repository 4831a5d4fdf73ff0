// What a template function is to the executor: typed parameters (checked the way Go checks the
// arguments of a reflected call), a body that throws FuncError for Go's returned error, and
// the conversions sprig uses everywhere (spf13/cast's ToInt64, ToFloat64, fmt's %v as string).
import { formatValue, kindOf } from './value.ts';

/**
 * `any` is interface{} (nil allowed), `value` is reflect.Value (Go's own builtins: even an
 * invalid value passes), `map` is map[string]interface{} and `list` []interface{} (nil allowed).
 */
export type ParamType = 'any' | 'value' | 'string' | 'int' | 'float' | 'bool' | 'map' | 'list';

export interface FuncDef {
  params: ParamType[];
  /** The last parameter repeats (`...T`). */
  variadic?: boolean;
  fn: (...args: any[]) => unknown;
  /** Reads the template's data beyond its arguments (getResource & co.): per-cluster output. */
  readsData?: boolean;
  /** Changes a map or list it is given: the data must be a private copy for this rendering. */
  mutates?: boolean;
}

export type FuncTable = ReadonlyMap<string, FuncDef>;

/** The error a Go template function returns; the executor reports "error calling NAME: …". */
export class FuncError extends Error {
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

export function def(params: ParamType[], fn: (...args: any[]) => unknown, extra: Partial<FuncDef> = {}): FuncDef {
  return { params, fn, ...extra };
}

export function variadic(params: ParamType[], fn: (...args: any[]) => unknown, extra: Partial<FuncDef> = {}): FuncDef {
  return { params, fn, variadic: true, ...extra };
}

/** A function Sveltos has and gitset does not: it parses, and fails only if it runs. */
export function unsupported(name: string, why: string): FuncDef {
  return variadic(['any'], () => {
    throw new FuncError(`${name} is not supported by gitset: ${why}`, true);
  });
}

/** sprig's strval: a string as it is, anything else as fmt's %v. */
export function strval(v: unknown): string {
  return typeof v === 'string' ? v : formatValue(v);
}

/** spf13/cast.ToInt64: numbers truncate, strings parse (0x, 0, 0b prefixes too), the rest is 0. */
export function toInt64(v: unknown): number {
  switch (kindOf(v)) {
    case 'int':
      return Number(v);
    case 'float':
      return Math.trunc(v as number);
    case 'bool':
      return v ? 1 : 0;
    case 'string': {
      const s = (v as string).replace(/\.0*$/, '');
      const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]+|[0-9]+)$/.exec(s);
      if (!m) return 0;
      const body = m[2]!;
      const n = /^0[0-7]+$/.test(body) ? parseInt(body, 8) : /^0[oO]/.test(body) ? parseInt(body.slice(2), 8) : Number(body);
      return m[1] === '-' ? -n : n;
    }
    default:
      return 0;
  }
}

/** spf13/cast.ToFloat64: numbers as they are, strings parsed, bools 1/0, the rest 0. */
export function toFloat64(v: unknown): number {
  switch (kindOf(v)) {
    case 'int':
    case 'float':
      return Number(v);
    case 'bool':
      return v ? 1 : 0;
    case 'string': {
      const n = Number(v);
      return (v as string).trim() !== '' && Number.isFinite(n) ? n : 0;
    }
    default:
      return 0;
  }
}

/** A list argument given as interface{}: a slice, or an error naming what it was. */
export function listOf(v: unknown, fn: string): unknown[] {
  if (Array.isArray(v)) return v;
  throw new FuncError(`Cannot ${fn} on type ${kindOf(v) === 'nil' || v === undefined ? '<nil>' : goKind(v)}`);
}

function goKind(v: unknown): string {
  const k = kindOf(v);
  return k === 'int' ? 'int' : k === 'float' ? 'float64' : k;
}
