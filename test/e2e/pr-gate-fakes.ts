// Stand-ins for `gh` and `curl` in the pull-request gate test: each records the calls it gets in
// $FAKE_LOG (method and path or URL) and the body it would post in $FAKE_LOG.body, and answers a
// GET with $FAKE_ANSWER. `gh api --jq` is applied with jq, as gh applies it; any flag the
// workflow should not use is an error, so a changed command line fails the test.

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
