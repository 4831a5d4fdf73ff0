// What the pull-request gate test needs of a CI runner: run a script as a runner does, expand
// `${{ }}` and decide a step's `if:` for the forms the workflow uses, and stand-ins for `gh` and
// `curl`. Each stand-in records the calls it gets in $FAKE_LOG (method and path or URL) and the
// body it would post in $FAKE_LOG.body, and answers a GET with $FAKE_ANSWER. `gh api --jq` is
// applied with jq, as gh applies it; any flag the workflow should not use is an error, so a
// changed command line fails the test.
import { execa } from 'execa';

export interface Ran {
  code: number;
  out: string;
}

export async function bash(script: string, cwd: string, env: Record<string, string>): Promise<Ran> {
  const r = await execa('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd, env, extendEnv: false, reject: false, all: true });
  return { code: r.exitCode ?? -1, out: r.all ?? '' };
}

/** What a runner evaluates in `${{ }}`: only the expressions the workflow may use, else the test fails. */
export function expand(value: unknown, github: Record<string, string>): string {
  return String(value).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
    if (!(expr in github)) throw new Error(`the workflow uses \${{ ${expr} }}, which this test does not know`);
    return github[expr]!;
  });
}

/**
 * A step's `if:` as a runner decides it, for the forms the workflow uses: terms joined by `&&`,
 * each `!cancelled()` or a comparison of a context value (`steps.<id>.outcome`, `github.…`) with
 * a literal or another value. Anything else fails the test, so the workflow stays in this subset.
 */
export function condition(expr: string | undefined, outcomes: ReadonlyMap<string, string>, github: Readonly<Record<string, string>>): boolean {
  if (expr === undefined) return [...outcomes.values()].every((o) => o !== 'failure');
  const inner = expr.trim().replace(/^\$\{\{\s*([\s\S]*?)\s*\}\}$/, '$1');
  if (/\|\||\(/.test(inner.replace(/!cancelled\(\)/g, ''))) throw new Error(`if: ${expr} is outside what this test evaluates`);
  const value = (operand: string): string => {
    const literal = /^'(.*)'$/.exec(operand);
    if (literal) return literal[1]!;
    const step = /^steps\.([\w-]+)\.outcome$/.exec(operand);
    if (step) return outcomes.get(step[1]!) ?? 'skipped';
    if (operand in github) return github[operand]!;
    throw new Error(`if: ${expr}: unknown operand ${operand}`);
  };
  return inner.split('&&').every((term) => {
    const t = term.trim();
    if (t === '!cancelled()') return true;
    const m = /^(\S+)\s*(==|!=)\s*(\S+)$/.exec(t);
    if (!m) throw new Error(`if: ${expr}: cannot evaluate ${t}`);
    return (value(m[1]!) === value(m[3]!)) === (m[2] === '==');
  });
}

export const fakeGh = `#!/bin/bash
set -eu
[ "$1" = api ] || { echo "gh: only 'gh api' is expected, got $1" >&2; exit 2; }
[ -n "\${GH_TOKEN:-}" ] || { echo "gh: GH_TOKEN is not set" >&2; exit 4; }
shift
method=GET jq_expr=. body= path=
while [ $# -gt 0 ]; do
  case "$1" in
    --method) method=$2; shift ;;
    --jq) jq_expr=$2; shift ;;
    --paginate) ;;
    -F) case "$2" in body=@*) body=\${2#body=@} ;; *) echo "gh: unexpected field $2" >&2; exit 2 ;; esac; shift ;;
    -*) echo "gh: unexpected flag $1" >&2; exit 2 ;;
    *) path=$1 ;;
  esac
  shift
done
printf '%s %s\\n' "$method" "$path" >> "$FAKE_LOG"
if [ "$method" = GET ]; then jq -r "$jq_expr" < "$FAKE_ANSWER"; else cp "$body" "$FAKE_LOG.body"; echo '{}'; fi
`;

export const fakeCurl = `#!/bin/bash
set -eu
method=GET data= url= token=
while [ $# -gt 0 ]; do
  case "$1" in
    --fail|--silent|--show-error) ;;
    --request) method=$2; shift ;;
    --header) case "$2" in "PRIVATE-TOKEN: "*) token=\${2#PRIVATE-TOKEN: } ;; "Content-Type: application/json") ;; *) echo "curl: unexpected header $2" >&2; exit 2 ;; esac; shift ;;
    --data-binary) data=\${2#@}; shift ;;
    -*) echo "curl: unexpected flag $1" >&2; exit 2 ;;
    *) url=$1 ;;
  esac
  shift
done
[ -n "$token" ] || { echo "curl: no PRIVATE-TOKEN header" >&2; exit 22; }
printf '%s %s\\n' "$method" "$url" >> "$FAKE_LOG"
case "$method $url" in
  "GET "*/user) printf '{"id": %s, "username": "project_12_bot"}' "$FAKE_USER_ID" ;;
  "GET "*) cat "$FAKE_ANSWER" ;;
  *) cp "$data" "$FAKE_LOG.body"; echo '{}' ;;
esac
`;
