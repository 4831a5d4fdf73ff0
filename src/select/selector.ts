// Label selectors, compiled once and matched many times: Kubernetes' LabelSelector (v1beta1)
// and the label-selector string of v1alpha1 (selector-string.ts). Pure. Sveltos semantics for
// the empty selector: it matches NOTHING (Kubernetes would say everything).
import type { ClusterSelector, LabelSelector } from '../model/objects.ts';
import { checkKey, checkValue, SelectorSyntaxError, type Requirement } from './label-syntax.ts';
import { parseSelectorString } from './selector-string.ts';

export { SelectorSyntaxError, type Op, type Requirement } from './label-syntax.ts';
export { parseSelectorString } from './selector-string.ts';

type Labels = Readonly<Record<string, string>>;

export interface CompiledSelector {
  /** True when the selector has no requirement at all; it then matches no cluster. */
  readonly empty: boolean;
  /** What the selector asks for, in its order; all must hold. */
  readonly requirements: readonly Requirement[];
  matches(labels: Labels | undefined): boolean;
}

const NOTHING: CompiledSelector = Object.freeze({ empty: true, requirements: [], matches: () => false });

/** Validates and compiles either form; throws SelectorSyntaxError. */
export function compileSelector(selector: ClusterSelector | undefined): CompiledSelector {
  if (selector === undefined || selector === null) return NOTHING;
  const requirements = typeof selector === 'string' ? parseSelectorString(selector) : fromLabelSelector(selector);
  if (requirements.length === 0) return NOTHING;
  const preds = requirements.map(requirementTest);
  return {
    empty: false,
    requirements,
    matches(labels) {
      const l = labels ?? NO_LABELS;
      for (const p of preds) if (!p(l)) return false;
      return true;
    },
  };
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

// ---- matching ----

export type Predicate = (labels: Labels) => boolean;
const NO_LABELS: Labels = Object.freeze({});

/**
 * One closure per requirement. `typeof v === 'string'` rather than `Object.hasOwn`: label values
 * are strings, and inherited members (`constructor`, `toString`) are not, so they never count.
 */
export function requirementTest(r: Requirement): Predicate {
  const { key, values } = r;
  const first = values[0] ?? '';
  switch (r.op) {
    case 'Equals':
      return (l) => l[key] === first;
    case 'NotEquals':
      return (l) => l[key] !== first;
    case 'In':
      return (l) => typeof l[key] === 'string' && values.includes(l[key]);
    case 'NotIn':
      return (l) => typeof l[key] !== 'string' || !values.includes(l[key]);
    case 'Exists':
      return (l) => typeof l[key] === 'string';
    case 'DoesNotExist':
      return (l) => typeof l[key] !== 'string';
    case 'Gt':
    case 'Lt': {
      // Kubernetes: the label must exist and be an integer.
      const bound = Number(first);
      const gt = r.op === 'Gt';
      return (l) => {
        const v = l[key];
        if (typeof v !== 'string' || !/^-?\d+$/.test(v)) return false;
        return gt ? Number(v) > bound : Number(v) < bound;
      };
    }
  }
}
