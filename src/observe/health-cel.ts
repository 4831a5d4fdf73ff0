// Sveltos' `evaluateCEL` rules of a validateHealths check (libsveltos lib/cel), over the live
// object as `resource`. CEL is not Turing-complete; the rules still run in the health script worker
// beside Lua, so one with a huge comprehension is cut off by the same wall clock.
import { createRequire } from 'node:module';
import type * as CelJs from '@marcbachmann/cel-js';
import type { ObjectVerdict } from './health-script.ts';

/**
 * cel-js, loaded at the first rule (Node's module cache keeps it): most repositories have no CEL
 * rule, and every `gitset plan` and `validate` would otherwise pay for loading it (about 0.1 s).
 * Synchronous, as the loader's checks are (Node ≥ 20.19 requires an ES module).
 */
const requireModule = createRequire(import.meta.url);
const parseCel = (rule: string): ReturnType<typeof CelJs.parse> => (requireModule('@marcbachmann/cel-js') as typeof CelJs).parse(rule);

export interface CelRule {
  name: string;
  rule: string;
}

/** A CEL rule that does not parse: what `validate` reports at the rule. */
export function celSyntaxError(rule: string): string | undefined {
  try {
    parseCel(rule);
    return undefined;
  } catch (err) {
    return firstLine(err instanceof Error ? err.message : String(err));
  }
}

/**
 * `evaluateCEL` as libsveltos' cel.EvaluateRules: rules in order, the first that is true makes the
 * object healthy; a rule that fails to evaluate (a missing field) counts as not true. Integers are
 * CEL ints, as Kubernetes' unstructured objects hold them.
 */
export function evaluateCel(rules: readonly CelRule[], obj: Record<string, unknown>): ObjectVerdict {
  const resource = toCel(obj);
  const failed: string[] = [];
  for (const r of rules) {
    let result: unknown;
    try {
      result = parseCel(r.rule)({ resource });
    } catch (err) {
      failed.push(`${r.name}: ${firstLine(err instanceof Error ? err.message : String(err))}`);
      continue;
    }
    if (result === true) return { healthy: true };
    if (typeof result !== 'boolean') failed.push(`${r.name}: not a bool`);
  }
  return { healthy: false, message: failed.length > 0 ? `no rule true (${failed.join('; ')})` : 'no rule true' };
}

function toCel(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toCel);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toCel(x)]));
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  return v;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
