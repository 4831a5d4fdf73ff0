// Go's view of template data, over JavaScript values. A YAML/JSON document maps onto what Go's
// unstructured objects hold: objects are map[string]interface{}, arrays []interface{}, integral
// numbers int64 and others float64, null a nil interface. `undefined` is Go's invalid value (a
// missing result, printed "<no value>"). The top-level data is a struct (GoStruct) as in Sveltos.
// Printing follows fmt's %v: maps as map[k:v] with sorted keys, slices as [a b], nil as <nil>.

/** A Go struct: field access by exact name, "can't evaluate field" for any other. */
export class GoStruct {
  constructor(
    /** Its Go type as error messages name it, e.g. `*controllers.currentClusterObjects`. */
    readonly typeName: string,
    readonly fields: Readonly<Record<string, unknown>>,
  ) {}
}

export type GoMap = Record<string, unknown>;
export type Kind = 'invalid' | 'nil' | 'bool' | 'int' | 'float' | 'string' | 'slice' | 'map' | 'struct';

export function kindOf(v: unknown): Kind {
  if (v === undefined) return 'invalid';
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'string':
      return 'string';
  }
  if (Array.isArray(v)) return 'slice';
  if (v instanceof GoStruct) return 'struct';
  return 'map';
}

export function isMap(v: unknown): v is GoMap {
  return kindOf(v) === 'map';
}

/** The Go type a value has, for error messages. */
export function typeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return '<nil>';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'slice':
      return '[]interface {}';
    case 'map':
      return 'map[string]interface {}';
    case 'struct':
      return (v as GoStruct).typeName;
  }
}

/** Go's truth: false for the zero value of a type (false, 0, "", empty map or slice, nil). */
export function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return false;
    case 'bool':
      return v as boolean;
    case 'int':
    case 'float':
      return v !== 0;
    case 'string':
      return (v as string).length > 0;
    case 'slice':
      return (v as unknown[]).length > 0;
    case 'map':
      return Object.keys(v as GoMap).length > 0;
    case 'struct':
      return true;
  }
}

/** Keys in the order Go's fmt and range give them (sorted, by bytes for ASCII keys). */
export function sortedKeys(m: GoMap): string[] {
  return Object.keys(m).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** fmt's %v of one value; `undefined` and null inside a collection print as <nil>. */
export function formatValue(v: unknown): string {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return '<nil>';
    case 'bool':
    case 'string':
      return String(v);
    case 'int':
      return typeof v === 'bigint' ? v.toString() : intText(v as number);
    case 'float':
      return formatFloat(v as number, 'g', -1);
    case 'slice':
      return `[${(v as unknown[]).map(formatValue).join(' ')}]`;
    case 'map': {
      const m = v as GoMap;
      return `map[${sortedKeys(m).map((k) => `${k}:${formatValue(m[k])}`).join(' ')}]`;
    }
    case 'struct': {
      const s = v as GoStruct;
      const body = Object.values(s.fields).map((f) => (f === undefined || f === null ? 'map[]' : formatValue(f)));
      return `${s.typeName.startsWith('*') ? '&' : ''}{${body.join(' ')}}`;
    }
  }
}

function intText(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
}

/**
 * strconv.FormatFloat for the verbs e, f and g; prec -1 is the shortest text that reads back
 * as the same number (Go's %v is g with prec -1: 1.5, 1e-05, 2.5e+06).
 */
export function formatFloat(n: number, verb: 'e' | 'f' | 'g', prec: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (verb === 'f') return prec < 0 ? plainDecimal(n) : n.toFixed(prec);
  if (verb === 'e') return goExponent(prec < 0 ? n.toExponential() : n.toExponential(prec));
  const p = prec < 0 ? undefined : Math.max(prec, 1);
  const [mant, expText] = (p === undefined ? n.toExponential() : n.toExponential(p - 1)).split('e') as [string, string];
  const exp = Number(expText);
  const sign = n < 0 || Object.is(n, -0) ? '-' : '';
  const digits = mant.replace(/[-.]/g, '').replace(/0+$/, '') || '0';
  let eprec = p ?? 6;
  if (p !== undefined && eprec > digits.length && digits.length >= exp + 1) eprec = digits.length;
  if (exp < -4 || exp >= eprec) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    return `${sign}${digits[0]}${frac}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp >= 0) {
    const frac = digits.slice(exp + 1);
    return `${sign}${digits.slice(0, exp + 1).padEnd(exp + 1, '0')}${frac ? `.${frac}` : ''}`;
  }
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
}

function plainDecimal(n: number): string {
  const s = String(n);
  if (!s.includes('e')) return s;
  return n.toFixed(20).replace(/\.?0+$/, '');
}

/** JavaScript's 1.5e-7 as Go writes it: 1.5e-07 (at least two exponent digits, sign always). */
function goExponent(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** fmt.Sprint: a space between operands when neither is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(a);
  });
  return out;
}

/** fmt.Sprintln: spaces between all operands and a newline. */
export function sprintln(args: readonly unknown[]): string {
  return args.map(formatValue).join(' ') + '\n';
}

/** map[k] = v, also for the key "__proto__" (an own entry, never the object's prototype). */
export function putKey(map: GoMap, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(map, k, { value: v, enumerable: true, writable: true, configurable: true });
  else map[k] = v;
}

/** A deep copy of plain data (maps, slices, scalars), for functions that change what they are given. */
export function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepCopy) as T;
  if (isMap(v)) {
    const out: GoMap = {};
    for (const k of Object.keys(v)) putKey(out, k, deepCopy(v[k]));
    return out as T;
  }
  return v;
}
