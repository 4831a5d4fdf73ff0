// gitset's own annotations (prefix `gitset.dev/`) on the objects it reads. Each check is one
// entry of `annotationChecks`; adding an annotation means adding one line here.
export const GITSET_ANNOTATION_PREFIX = 'gitset.dev/';

export interface AnnotationCheck {
  /** Full annotation key, e.g. `gitset.dev/probe-timeout`. */
  key: string;
  /** Why `value` is not acceptable, or undefined when it is. */
  problem(value: string): string | undefined;
}

export const annotationChecks: readonly AnnotationCheck[] = [
  // (none yet)
];

export interface AnnotationProblem {
  key: string;
  message: string;
}

/** Problems with the `gitset.dev/` annotations of one object, in key order. */
export function annotationProblems(
  annotations: Readonly<Record<string, string>> | undefined,
  checks: readonly AnnotationCheck[] = annotationChecks,
): AnnotationProblem[] {
  if (!annotations) return [];
  const out: AnnotationProblem[] = [];
  for (const key of Object.keys(annotations).sort()) {
    if (!key.startsWith(GITSET_ANNOTATION_PREFIX)) continue;
    const check = checks.find((c) => c.key === key);
    const problem = check?.problem(annotations[key]!);
    if (problem) out.push({ key, message: `annotation ${key}: ${problem}` });
  }
  return out;
}
