// Label selectors, compiled once and matched many times: Kubernetes' LabelSelector (v1beta1)
// and the label-selector string of v1alpha1 (`env=prod, tier in (a,b), !canary`).
// Pure. Sveltos semantics for the empty selector: it matches NOTHING (Kubernetes would say everything).
import type { ClusterSelector, LabelSelector } from '../model/objects.ts';

export interface CompiledSelector {
  /** True when the selector has no requirement at all; it then matches no cluster. */
  readonly empty: boolean;
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
}

export class SelectorSyntaxError extends Error {
  readonly code = 'selector-syntax';
  /**
   * @param index 0-based offset into the selector string (0 for the object form).
   * @param field for the object form, the path inside the selector, e.g. `matchExpressions[1].values`.
   */
  constructor(
    message: string,
    readonly index: number,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'SelectorSyntaxError';
  }
}

/** One requirement in the closed vocabulary of both forms (Gt/Lt come from the string form only). */
export type Op = 'Equals' | 'NotEquals' | 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface Requirement {
  key: string;
  op: Op;
  /** In/NotIn/Equals/NotEquals: the values; Gt/Lt: one integer as a string. */
  values: readonly string[];
}

const NOTHING: CompiledSelector = Object.freeze({ empty: true, matches: () => false });

export function compileSelector(selector: ClusterSelector | undefined): CompiledSelector {
  if (selector === undefined || selector === null) return NOTHING;
  const requirements = typeof selector === 'string' ? parseSelectorString(selector) : fromLabelSelector(selector);
  if (requirements.length === 0) return NOTHING;
  return compileRequirements(requirements);
}

// ---- label syntax (k8s.io/apimachinery/pkg/util/validation) ----

const NAME_RE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a valid label key, or undefined when it is. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    if (prefix.length === 0) return `label key "${key}" has an empty prefix before "/"`;
    if (prefix.length > 253 || !DNS1123_SUBDOMAIN_RE.test(prefix)) {
      return `label key prefix "${prefix}" must be a DNS subdomain (lowercase letters, digits, '-' and '.')`;
    }
  }
  if (name.length === 0) return `label key "${key}" has an empty name`;
  if (name.length > 63) return `label key name "${name}" is longer than 63 characters`;
  if (!NAME_RE.test(name)) {
    return `label key "${key}" must start and end with a letter or digit and contain only letters, digits, '-', '_' and '.'`;
  }
  return undefined;
}

/** Why `value` is not a valid label value, or undefined when it is (empty is valid). */
export function labelValueProblem(value: string): string | undefined {
  if (value.length === 0) return undefined;
  if (value.length > 63) return `label value "${value}" is longer than 63 characters`;
  if (!NAME_RE.test(value)) {
    return `label value "${value}" must start and end with a letter or digit and contain only letters, digits, '-', '_' and '.'`;
  }
  return undefined;
}

// ---- v1beta1: LabelSelector object ----

function fromLabelSelector(sel: LabelSelector): Requirement[] {
  if (typeof sel !== 'object' || Array.isArray(sel)) {
    throw new SelectorSyntaxError('clusterSelector must be a LabelSelector (matchLabels / matchExpressions)', 0);
  }
  const out: Requirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) {
    const field = `matchLabels.${key}`;
    checkKey(key, field);
    if (typeof value !== 'string') throw new SelectorSyntaxError(`matchLabels value of "${key}" must be a string`, 0, field);
    checkValue(value, field);
    out.push({ key, op: 'Equals', values: [value] });
  }
  (sel.matchExpressions ?? []).forEach((expr, i) => {
    const field = `matchExpressions[${i}]`;
    checkKey(expr.key, `${field}.key`);
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          throw new SelectorSyntaxError(`operator ${expr.operator} needs at least one value`, 0, `${field}.values`);
        }
        values.forEach((v, j) => checkValue(v, `${field}.values[${j}]`));
        out.push({ key: expr.key, op: expr.operator, values: [...values] });
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          throw new SelectorSyntaxError(`operator ${expr.operator} takes no values`, 0, `${field}.values`);
        }
        out.push({ key: expr.key, op: expr.operator, values: [] });
        break;
      default: {
        const op: string = expr.operator;
        throw new SelectorSyntaxError(
          `operator "${op}" is not one of In, NotIn, Exists, DoesNotExist`,
          0,
          `${field}.operator`,
        );
      }
    }
  });
  return out;
}

function checkKey(key: unknown, field: string | undefined, index = 0): void {
  const problem = typeof key === 'string' ? labelKeyProblem(key) : 'label key must be a string';
  if (problem) throw new SelectorSyntaxError(problem, index + offending(key, true), field);
}

function checkValue(value: unknown, field: string | undefined, index = 0): void {
  const problem = typeof value === 'string' ? labelValueProblem(value) : 'label value must be a string';
  if (problem) throw new SelectorSyntaxError(problem, index + offending(value, false), field);
}

/** Offset of the character a person should look at in a bad key or value (for the column). */
function offending(text: unknown, isKey: boolean): number {
  if (typeof text !== 'string' || text.length === 0) return 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const ok = /[A-Za-z0-9._-]/.test(c) || (isKey && c === '/');
    if (!ok) return i;
  }
  return /[A-Za-z0-9]/.test(text[0]!) ? text.length - 1 : 0;
}

// ---- v1alpha1: selector string (grammar of k8s.io/apimachinery/pkg/labels.Parse) ----

type TokKind = 'id' | 'in' | 'notin' | '=' | '==' | '!=' | '!' | '(' | ')' | ',' | '>' | '<' | 'end';
interface Token {
  kind: TokKind;
  text: string;
  index: number;
}

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (SPECIAL.has(c)) {
      const two = src.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        tokens.push({ kind: two, text: two, index: i });
        i += 2;
      } else {
        tokens.push({ kind: c as TokKind, text: c, index: i });
        i++;
      }
      continue;
    }
    const start = i;
    while (i < src.length && !isSpace(src[i]!) && !SPECIAL.has(src[i]!)) i++;
    const text = src.slice(start, i);
    const kind: TokKind = text === 'in' ? 'in' : text === 'notin' ? 'notin' : 'id';
    tokens.push({ kind, text, index: start });
  }
  tokens.push({ kind: 'end', text: '', index: src.length });
  return tokens;
}

function describe(t: Token): string {
  return t.kind === 'end' ? 'end of selector' : `"${t.text}"`;
}

/** Parses the v1alpha1 string form into requirements; an all-blank string yields none. */
export function parseSelectorString(src: string): Requirement[] {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = (): Token => tokens[pos]!;
  const next = (): Token => tokens[pos++]!;
  const fail = (t: Token, what: string): never => {
    throw new SelectorSyntaxError(`expected ${what}, found ${describe(t)}`, t.index);
  };
  const out: Requirement[] = [];
  if (peek().kind === 'end') return out;
  for (;;) {
    out.push(parseRequirement());
    const t = next();
    if (t.kind === 'end') return out;
    if (t.kind !== ',') fail(t, '"," or end of selector');
    if (peek().kind === 'end') fail(peek(), 'a requirement after ","');
  }

  function parseRequirement(): Requirement {
    const t = next();
    if (t.kind === '!') {
      const key = next();
      if (key.kind !== 'id') fail(key, 'a label key after "!"');
      checkKey(key.text, undefined, key.index);
      return { key: key.text, op: 'DoesNotExist', values: [] };
    }
    if (t.kind !== 'id') fail(t, 'a label key');
    checkKey(t.text, undefined, t.index);
    const key = t.text;
    const op = peek();
    switch (op.kind) {
      case 'end':
      case ',':
        return { key, op: 'Exists', values: [] };
      case '=':
      case '==':
      case '!=': {
        next();
        const v = peek();
        // `key=` (empty value) is valid and means the label is present with an empty value.
        let value = '';
        if (v.kind === 'id' || v.kind === 'in' || v.kind === 'notin') {
          next();
          value = v.text;
          checkValue(value, undefined, v.index);
        } else if (v.kind !== 'end' && v.kind !== ',') {
          fail(v, 'a label value');
        }
        return { key, op: op.kind === '!=' ? 'NotEquals' : 'Equals', values: [value] };
      }
      case 'in':
      case 'notin':
        next();
        return { key, op: op.kind === 'in' ? 'In' : 'NotIn', values: parseValueList(op) };
      case '>':
      case '<': {
        next();
        const v = next();
        if (v.kind !== 'id' || !/^-?\d+$/.test(v.text)) fail(v, `an integer after "${op.text}"`);
        return { key, op: op.kind === '>' ? 'Gt' : 'Lt', values: [v.text] };
      }
      default:
        return fail(op, 'an operator (=, ==, !=, in, notin, >, <) or "," after the key');
    }
  }

  function parseValueList(op: Token): string[] {
    const open = next();
    if (open.kind !== '(') fail(open, `"(" after "${op.text}"`);
    const values: string[] = [];
    for (;;) {
      let v = peek();
      if (v.kind === ')' && values.length === 0) {
        throw new SelectorSyntaxError(`"${op.text}" needs at least one value`, v.index);
      }
      if (v.kind === 'id' || v.kind === 'in' || v.kind === 'notin') {
        next();
        checkValue(v.text, undefined, v.index);
        values.push(v.text);
        v = peek();
      } else if (v.kind === ',' || v.kind === ')') {
        values.push(''); // `in (a,,b)` / `in (a,)`: an empty value, as Kubernetes reads it
      } else {
        fail(v, 'a label value');
      }
      const sep = next();
      if (sep.kind === ')') return values;
      if (sep.kind !== ',') fail(sep, '"," or ")" in the value list');
    }
  }
}

// ---- matching ----

function parseInteger(s: string): number {
  let i = s.startsWith('-') ? 1 : 0;
  if (i === s.length) return NaN;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
  }
  return Number(s);
}

type Labels = Readonly<Record<string, string>>;
type Predicate = (labels: Labels) => boolean;

/**
 * One small closure per requirement, specialised by operator, so the hot path is a property read
 * and a comparison. `typeof v === 'string'` rather than `Object.hasOwn`: label values are strings,
 * and inherited members (`constructor`, `toString`) are not, so they never count as labels.
 */
function predicate(r: Requirement): Predicate {
  const key = r.key;
  const first = r.values[0] ?? '';
  const set = r.values.length > 4 ? new Set(r.values) : undefined;
  const list = r.values;
  const has = set ? (v: string): boolean => set.has(v) : (v: string): boolean => list.includes(v);
  switch (r.op) {
    case 'Equals':
      return (l) => l[key] === first;
    case 'NotEquals':
      return (l) => l[key] !== first;
    case 'In':
      return (l) => {
        const v = l[key];
        return typeof v === 'string' && has(v);
      };
    case 'NotIn':
      return (l) => {
        const v = l[key];
        return typeof v !== 'string' || !has(v);
      };
    case 'Exists':
      return (l) => typeof l[key] === 'string';
    case 'DoesNotExist':
      return (l) => typeof l[key] !== 'string';
    case 'Gt':
    case 'Lt': {
      // Kubernetes: the label must exist and parse as an integer.
      const bound = Number(first);
      const gt = r.op === 'Gt';
      return (l) => {
        const v = l[key];
        const num = typeof v === 'string' ? parseInteger(v) : NaN;
        if (Number.isNaN(num)) return false;
        return gt ? num > bound : num < bound;
      };
    }
  }
}

const NO_LABELS: Labels = Object.freeze({});

function compileRequirements(reqs: readonly Requirement[]): CompiledSelector {
  const preds = reqs.map(predicate);
  const n = preds.length;
  if (n === 1) {
    const only = preds[0]!;
    return { empty: false, matches: (labels) => only(labels ?? NO_LABELS) };
  }
  return {
    empty: false,
    matches(labels) {
      const l = labels ?? NO_LABELS;
      for (let i = 0; i < n; i++) if (!preds[i]!(l)) return false;
      return true;
    },
  };
}
