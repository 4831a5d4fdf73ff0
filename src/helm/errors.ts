// What went wrong with a helm call, as a closed set of codes the daemon branches on, and a
// message safe to log and commit: first meaningful stderr lines, with secrets scrubbed.
import type { ClusterKey } from '../model/objects.ts';

export type HelmErrorCode =
  /** helm exited non-zero for a reason none of the others describe. */
  | 'HELM_FAILED'
  /** Our per-call deadline passed; helm was killed. */
  | 'HELM_TIMEOUT'
  /** The call was aborted through its AbortSignal. */
  | 'HELM_ABORTED'
  /** The helm binary could not be started. */
  | 'HELM_NOT_FOUND'
  /** Repository answered, but has no such chart or version. */
  | 'CHART_NOT_FOUND'
  /** Chart repository or registry could not be reached. */
  | 'REPOSITORY_UNREACHABLE'
  /** The cluster's API server could not be reached (refused, DNS, TLS, timeout). */
  | 'CLUSTER_UNREACHABLE'
  /** The API server refused our credentials (401) or their rights (403). */
  | 'CLUSTER_UNAUTHORIZED'
  /** Another helm operation holds the release (pending-install/upgrade/rollback). */
  | 'RELEASE_LOCKED'
  /** The request itself cannot be expressed (unsupported repository URL, bad values YAML…). */
  | 'INVALID_REQUEST'
  /** A file the chart needs from the credentials folder (registry config, CA, keyring) is not there. */
  | 'CREDENTIALS_NOT_FOUND'
  /** options.runTests: the release was applied, and `helm test` failed. */
  | 'TESTS_FAILED';

export type HelmAction = 'upgrade-install' | 'uninstall' | 'version' | 'test';

export class HelmError extends Error {
  override readonly name = 'HelmError';
  readonly code: HelmErrorCode;
  readonly action: HelmAction;
  readonly cluster?: ClusterKey;
  /** `namespace/name` of the release, when the call was about one. */
  readonly release?: string;
  readonly exitCode?: number;
  constructor(fields: {
    code: HelmErrorCode;
    action: HelmAction;
    message: string;
    cluster?: ClusterKey;
    release?: string;
    exitCode?: number;
    cause?: unknown;
  }) {
    super(fields.message, { cause: fields.cause });
    this.code = fields.code;
    this.action = fields.action;
    if (fields.cluster !== undefined) this.cluster = fields.cluster;
    if (fields.release !== undefined) this.release = fields.release;
    if (fields.exitCode !== undefined) this.exitCode = fields.exitCode;
  }
}

// Ordered: the first rule that matches decides. An unreachable cluster comes first (helm checks
// it before anything else); repository failures come before credentials and generic network
// errors because a chart repository can answer 401 or refuse connections too.
const RULES: ReadonlyArray<readonly [HelmErrorCode, RegExp]> = [
  ['RELEASE_LOCKED', /another operation \(install\/upgrade\/rollback\) is in progress/i],
  ['CLUSTER_UNAUTHORIZED', /cluster unreachable:.*(provide credentials|Unauthorized|forbidden)/i],
  ['CLUSTER_UNREACHABLE', /cluster unreachable|the server could not find the requested resource \(get version\)/i],
  ['CHART_NOT_FOUND', /chart "[^"]*"( version "[^"]*")? not found|no chart (name|version) found|not found in .* (index|repository)|failed to fetch .*: 404|manifest unknown|: not found$/im],
  ['REPOSITORY_UNREACHABLE', /is not a valid chart repository or cannot be reached|failed to (fetch|do request)|looks like ".*" is not a valid|could not find protocol handler|server gave HTTP response to HTTPS client|oci.*(connection refused|no such host)/i],
  ['INVALID_REQUEST', /failed to parse <values>|failed to parse .*values.*(yaml|json)/i],
  ['CLUSTER_UNAUTHORIZED', /\bUnauthorized\b|provide credentials|\bforbidden\b/i],
  ['CLUSTER_UNREACHABLE', /connection refused|no such host|i\/o timeout|TLS handshake timeout|dial tcp|connection reset by peer|EOF$/im],
];

/** Picks the code that best describes helm's stderr. */
export function classifyStderr(stderr: string): HelmErrorCode {
  for (const [code, pattern] of RULES) if (pattern.test(stderr)) return code;
  return 'HELM_FAILED';
}

const MAX_LINES = 3;
const MAX_CHARS = 600;

/**
 * The first lines of stderr that say something (helm's `WARNING:` noise and blank lines
 * dropped, `Error: ` prefix removed), scrubbed of anything secret-looking. `hide` lists literal
 * strings to replace (the values file path, the kubeconfig path).
 */
export function stderrSummary(stderr: string, hide: Readonly<Record<string, string>> = {}): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^(WARNING|walk\.go|level=(DEBUG|INFO|WARN))\b/i.test(l) && !/^\d{4}\/\d\d\/\d\d /.test(l));
  const picked = (lines.length > 0 ? lines : stderr.split(/\r?\n/).filter((l) => l.trim() !== ''))
    .slice(0, MAX_LINES)
    .map((l) => l.replace(/^Error:\s*/, ''));
  let text = scrubSecrets(picked.join('\n'));
  for (const [literal, replacement] of Object.entries(hide)) {
    if (literal !== '') text = text.split(literal).join(replacement);
  }
  return text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS - 1)}…` : text || '(helm wrote nothing to stderr)';
}

/** Replaces bearer tokens, JWTs, basic-auth URLs, key=value secrets and long base64 blobs. */
function scrubSecrets(text: string): string {
  return text
    .replace(/(bearer\s+)[^\s"',]+/gi, '$1[redacted]')
    .replace(/\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g, '[redacted-jwt]')
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, '$1[redacted]@')
    .replace(/\b((?:client-)?(?:token|password|passwd|secret|key-data|certificate-data|auth)["']?\s*[:=]\s*["']?)[^\s"',}]+/gi, '$1[redacted]')
    .replace(/[A-Za-z0-9+/]{64,}={0,2}/g, '[redacted-base64]');
}
