// What both selector forms share: the requirement vocabulary, the syntax error, and Kubernetes'
// rules for label keys and values (k8s.io/apimachinery/pkg/util/validation).

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

/** Throws SelectorSyntaxError for a bad key; `index` is where the key starts in a selector string. */
export function checkKey(key: unknown, field: string | undefined, index = 0): void {
  const problem = typeof key === 'string' ? labelKeyProblem(key) : 'label key must be a string';
  if (problem) throw new SelectorSyntaxError(problem, index + offending(key, true), field);
}

/** Throws SelectorSyntaxError for a bad value; `index` is where the value starts in a selector string. */
export function checkValue(value: unknown, field: string | undefined, index = 0): void {
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
