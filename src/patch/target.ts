// Which objects a patch's `target` selects, as kustomize (and so Sveltos) selects them: group,
// version, kind, name and namespace are regular expressions that must match the whole value;
// labelSelector and annotationSelector are label-selector strings (`app=web,tier!=db`). Patterns
// come from the repository and run in the planner, so a pattern that could take exponential time
// (a repeated group holding a repetition or an alternative) is refused, as are Go-incompatible
// constructs (lookaround, backreferences) that Sveltos' RE2 would refuse too.
import { compileSelector } from '../select/selector.ts';

export interface PatchTarget {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

export class PatchTargetError extends Error {
  override readonly name = 'PatchTargetError';
  readonly code = 'BAD_PATCH_TARGET';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export interface TargetObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

export type TargetTest = (o: TargetObject) => boolean;

const REGEX_FIELDS = ['group', 'version', 'kind', 'name', 'namespace'] as const;
const TARGET_FIELDS = new Set<string>([...REGEX_FIELDS, 'labelSelector', 'annotationSelector']);

/** Checks a raw `target` mapping and compiles it; throws PatchTargetError naming the field. */
export function compileTarget(raw: unknown): TargetTest {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new PatchTargetError('', 'must be a mapping');
  const t = raw as Record<string, unknown>;
  for (const [k, v] of Object.entries(t)) {
    if (!TARGET_FIELDS.has(k)) throw new PatchTargetError(k, 'is not a field of a patch target (group, version, kind, name, namespace, labelSelector, annotationSelector)');
    if (typeof v !== 'string') throw new PatchTargetError(k, 'must be a string');
  }
  const tests: TargetTest[] = [];
  for (const f of REGEX_FIELDS) {
    const pattern = t[f] as string | undefined;
    if (pattern === undefined || pattern === '') continue;
    const re = safeRegex(pattern, f);
    tests.push((o) => re.test(fieldOf(o, f)));
  }
  for (const f of ['labelSelector', 'annotationSelector'] as const) {
    const text = t[f] as string | undefined;
    if (text === undefined || text.trim() === '') continue;
    let selector: ReturnType<typeof compileSelector>;
    try {
      selector = compileSelector(text);
    } catch (err) {
      throw new PatchTargetError(f, (err as Error).message);
    }
    tests.push((o) => selector.matches(f === 'labelSelector' ? o.metadata.labels : o.metadata.annotations));
  }
  return (o) => tests.every((test) => test(o));
}

function fieldOf(o: TargetObject, f: (typeof REGEX_FIELDS)[number]): string {
  const slash = o.apiVersion.lastIndexOf('/');
  switch (f) {
    case 'group':
      return slash >= 0 ? o.apiVersion.slice(0, slash) : '';
    case 'version':
      return o.apiVersion.slice(slash + 1);
    case 'kind':
      return o.kind;
    case 'name':
      return o.metadata.name;
    case 'namespace':
      return o.metadata.namespace ?? '';
  }
}

/** The pattern anchored at both ends, or a PatchTargetError saying why it is refused. */
export function safeRegex(pattern: string, field: string): RegExp {
  const problem = regexProblem(pattern);
  if (problem) throw new PatchTargetError(field, `${JSON.stringify(pattern)}: ${problem}`);
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (err) {
    throw new PatchTargetError(field, `${JSON.stringify(pattern)} is not a regular expression (${(err as Error).message.replace(/^Invalid regular expression: /, '')})`);
  }
}

/** Why a pattern is refused: constructs RE2 lacks, or a repeated group that could backtrack exponentially. */
function regexProblem(p: string): string | undefined {
  if (p.length > 1024) return 'longer than 1024 characters';
  const groups: Array<{ risky: boolean }> = [];
  let risky = false; // whether the current top level holds a repetition or an alternative
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      if (/[1-9k]/.test(p[i + 1] ?? '')) return 'backreferences are not supported (Go regular expressions have none)';
      i++;
      continue;
    }
    if (c === '[') {
      const end = p.indexOf(']', i + 2);
      if (end < 0) return undefined; // RegExp reports it
      i = end;
      continue;
    }
    if (c === '(') {
      if (p[i + 1] === '?' && p[i + 2] !== ':') return 'only (?:…) groups are supported (no lookaround or named groups)';
      if (p[i + 1] === '?') i += 2; // `(?:`
      groups.push({ risky });
      risky = false;
      continue;
    }
    if (c === ')') {
      const inner: boolean = risky;
      const outer = groups.pop();
      if (!outer) return undefined;
      const quantified = /[*+?{]/.test(p[i + 1] ?? '');
      if (quantified && inner) return 'a repeated group holds a repetition or an alternative, which can take exponential time';
      risky = outer.risky || inner || quantified;
      continue;
    }
    if (c === '|' || c === '*' || c === '+' || c === '?' || c === '{') risky = true;
  }
  return undefined;
}
