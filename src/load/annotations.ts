// gitset's own annotations (prefix `gitset.dev/`) on the objects it reads. Each check is one
// entry of `annotationChecks`; adding an annotation means adding one line here. The parsers
// below are pure and shared: the loader validates with them, selection reads values with them.
import type { Kind } from '../model/objects.ts';
import { parseDuration } from '../model/duration.ts';

export const GITSET_ANNOTATION_PREFIX = 'gitset.dev/';

export const CORDON = 'gitset.dev/cordon';
export const CORDON_UNTIL = 'gitset.dev/cordon-until';
export const PIN = 'gitset.dev/pin';
export const FAILOVER_GRACE = 'gitset.dev/failover-grace';
export const FAILOVER_BUDGET = 'gitset.dev/failover-budget';
export const DRAIN_TIMEOUT = 'gitset.dev/drain-timeout';
/** On a profile with maxUpdate: how long an updated cluster may stay not Healthy before the rollout halts. */
export const ROLLOUT_TIMEOUT = 'gitset.dev/rollout-timeout';
export const DEFAULT_ROLLOUT_TIMEOUT = '10m';

/**
 * How long a make-before-break drain waits for the replacement to be deployed and healthy: long
 * enough for a chart's rollout (Kubernetes' own progress deadline is 10m), short enough that a
 * broken chart cannot keep releases on a leaving cluster forever.
 */
export const DEFAULT_DRAIN_TIMEOUT = '10m';

/** The object an annotation sits on: some values mean something only for one kind or namespace. */
export interface AnnotationTarget {
  kind: Kind;
  namespace?: string;
}

export interface AnnotationCheck {
  /** Full annotation key, e.g. `gitset.dev/failover-grace`. */
  key: string;
  /** Kinds it means something on; on another kind it is a warning. All kinds when absent. */
  kinds?: readonly Kind[];
  /** Why `value` is not acceptable, or undefined when it is. */
  problem(value: string, target?: AnnotationTarget): string | undefined;
}

const SETS: readonly Kind[] = ['ClusterSet', 'Set'];

/** A control character (a line break, an ESC) inside a value meant as one line of text. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export const annotationChecks: readonly AnnotationCheck[] = [
  { key: CORDON, kinds: ['SveltosCluster'], problem: (v) => (CONTROL.test(v.trim()) ? 'the reason must be one line of text without control characters: it is shown in status, commit messages and plans' : undefined) },
  { key: CORDON_UNTIL, kinds: ['SveltosCluster'], problem: (v) => (parseTime(v) === undefined ? `"${v}" is not an RFC 3339 time such as 2026-05-01T06:00:00Z` : undefined) },
  { key: PIN, kinds: SETS, problem: (v, t) => parsePin(v, t?.kind === 'Set' ? (t.namespace ?? 'default') : undefined).error },
  { key: FAILOVER_GRACE, kinds: SETS, problem: (v) => (parseDuration(v) === undefined ? `"${v}" is not a duration such as 30s, 5m or 1h30m` : undefined) },
  { key: FAILOVER_BUDGET, kinds: SETS, problem: (v) => (parseBudget(v) === undefined ? `"${v}" is not a budget such as 2/1h (at most 2 failovers per hour)` : undefined) },
  { key: ROLLOUT_TIMEOUT, kinds: ['ClusterProfile', 'Profile'], problem: (v) => (parseDrainTimeout(v) === undefined ? `"${v}" is not a duration longer than 0 such as 10m, 30m or 1h` : undefined) },
  { key: DRAIN_TIMEOUT, kinds: SETS, problem: (v) => (parseDrainTimeout(v) === undefined ? `"${v}" is not a duration longer than 0 such as 10m, 30m or 1h` : undefined) },
];

export interface AnnotationProblem {
  key: string;
  message: string;
  /** Set when the problem does not stop the revision (unknown key, key on the wrong kind). */
  warning?: true;
}

/** Problems with the `gitset.dev/` annotations of one object, in key order. */
export function annotationProblems(
  annotations: Readonly<Record<string, string>> | undefined,
  checks: readonly AnnotationCheck[] = annotationChecks,
  target?: AnnotationTarget,
): AnnotationProblem[] {
  if (!annotations) return [];
  const out: AnnotationProblem[] = [];
  for (const key of Object.keys(annotations).sort()) {
    if (!key.startsWith(GITSET_ANNOTATION_PREFIX)) continue;
    const check = checks.find((c) => c.key === key);
    if (!check) {
      if (checks === annotationChecks) {
        const known = annotationChecks.map((c) => c.key.slice(GITSET_ANNOTATION_PREFIX.length)).join(', ');
        out.push({ key, message: `annotation ${key} is not one gitset knows (${known}); ignored`, warning: true });
      }
      continue;
    }
    if (target && check.kinds && !check.kinds.includes(target.kind)) {
      out.push({ key, message: `annotation ${key} has no effect on a ${target.kind} (only on ${check.kinds.join(', ')}); ignored`, warning: true });
      continue;
    }
    const problem = check.problem(String(annotations[key]), target);
    if (problem) out.push({ key, message: `annotation ${key}: ${problem}` });
  }
  return out;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** RFC 3339 time → epoch milliseconds; undefined when not one. */
export function parseTime(text: string): number | undefined {
  const t = text.trim();
  if (!RFC3339.test(t)) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A drain timeout in milliseconds; undefined unless a duration longer than 0 (a zero wait is no make-before-break). */
export function parseDrainTimeout(text: string): number | undefined {
  const ms = parseDuration(text);
  return ms !== undefined && ms > 0 ? ms : undefined;
}

export interface FailoverBudget {
  /** Failovers allowed per window (0: none). */
  count: number;
  windowMs: number;
  /** As written, for messages. */
  text: string;
}

/** `2/1h` → at most 2 failovers in any hour. */
export function parseBudget(text: string): FailoverBudget | undefined {
  const m = /^\s*(\d+)\s*\/\s*(\S+)\s*$/.exec(text);
  if (!m) return undefined;
  const windowMs = parseDuration(m[2]!);
  if (windowMs === undefined || windowMs <= 0) return undefined;
  return { count: Number(m[1]), windowMs, text: `${m[1]}/${m[2]}` };
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * `civo/cluster1, civo/cluster3` → cluster keys. A Set (`setNamespace` given) names clusters of
 * its own namespace, as `name` or `ns/name`; a ClusterSet needs `ns/name`.
 */
export function parsePin(text: string, setNamespace: string | undefined): { keys: string[]; error?: string } {
  const keys: string[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const parts = item.split('/');
    if (parts.length > 2 || !parts.every((p) => NAME.test(p))) return { keys, error: `"${item}" is not a cluster name (name or namespace/name)` };
    if (parts.length === 1) {
      if (setNamespace === undefined) return { keys, error: `"${item}": a ClusterSet pins clusters as namespace/name` };
      keys.push(`${setNamespace}/${item}`);
      continue;
    }
    if (setNamespace !== undefined && parts[0] !== setNamespace) {
      return { keys, error: `"${item}" is in another namespace; a Set only selects clusters of ${setNamespace}` };
    }
    keys.push(item);
  }
  if (keys.length === 0) return { keys, error: 'names no cluster' };
  return { keys: [...new Set(keys)] };
}
