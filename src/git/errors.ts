// Typed errors of the git adapter. The daemon branches on `code` (retry next cycle, give up,
// tell the user to fix a flag); messages never contain credentials, only redacted URLs.

/**
 * isomorphic-git's error codes (its `Errors.HttpError.code` and co., stable by its API), written
 * out: `gitset plan` and `validate` load this file (load/flux-sources.ts → git/location.ts) and
 * must not pay for loading isomorphic-git (about 0.25 s) to compare three strings.
 */
const HTTP_ERROR = 'HttpError';
const SMART_HTTP_ERROR = 'SmartHttpError';
const NOT_FOUND_ERROR = 'NotFoundError';

export type GitErrorCode =
  /** SSH and other transports isomorphic-git cannot speak. Fix the flag. */
  | 'unsupported-transport'
  /** Connection refused, DNS failure, reset, timeout, 5xx: try again next cycle. */
  | 'unreachable'
  /** 401/403: credentials missing or wrong. */
  | 'auth-failed'
  /** The server has no repository at that URL (404, or not a smart-HTTP endpoint). */
  | 'repo-not-found'
  /** The remote (or local) repository has no such branch. */
  | 'branch-not-found'
  /** A commit, ref or path asked for by `readFilesAt` does not exist. */
  | 'revision-not-found'
  /** The local path given with --repo does not exist or is not a folder. */
  | 'path-not-found'
  /** --work-dir holds something that is not gitset's clone of this repository. */
  | 'work-dir-conflict'
  /** The revision pulled holds a symbolic link where the manifests folder (--path) is: not read through. */
  | 'linked-path'
  /** A status file path that would escape the status folder (`..`, absolute, empty). */
  | 'invalid-status-path'
  /** Pushes kept being rejected because upstream kept moving; the next cycle tries again. */
  | 'push-conflict'
  /** The server refused the push for another reason (hook, protected branch, …). */
  | 'push-rejected';

export class GitError extends Error {
  override readonly name = 'GitError';
  readonly code: GitErrorCode;

  constructor(code: GitErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET']);

/**
 * Turns whatever isomorphic-git or the HTTP client threw into a GitError whose message names the
 * redacted URL and never echoes the server's response body (which could quote a credential).
 */
export function classifyRemoteError(err: unknown, shownUrl: string, branch: string): GitError {
  if (err instanceof GitError) return err;
  const e = err as { code?: string; data?: { statusCode?: number; statusMessage?: string }; cause?: { code?: string } };
  if (e?.code === HTTP_ERROR) {
    const status = e.data?.statusCode ?? 0;
    if (status === 401 || status === 403) {
      return new GitError('auth-failed', `${shownUrl}: authentication failed (HTTP ${status}); check the token or user/password given to gitset`, { cause: scrub(err) });
    }
    if (status === 404) return new GitError('repo-not-found', `${shownUrl}: no Git repository at this URL (HTTP 404)`, { cause: scrub(err) });
    return new GitError('unreachable', `${shownUrl}: server answered HTTP ${status} ${e.data?.statusMessage ?? ''}`.trim(), { cause: scrub(err) });
  }
  if (e?.code === SMART_HTTP_ERROR) {
    return new GitError('repo-not-found', `${shownUrl}: not a Git smart-HTTP endpoint`, { cause: scrub(err) });
  }
  if (e?.code === NOT_FOUND_ERROR && /refs\/heads|branch/i.test(String((err as Error).message))) {
    return new GitError('branch-not-found', `${shownUrl}: branch "${branch}" does not exist on the remote`, { cause: scrub(err) });
  }
  const netCode = e?.code && NETWORK_CODES.has(e.code) ? e.code : e?.cause?.code && NETWORK_CODES.has(e.cause.code) ? e.cause.code : undefined;
  if (/timed out/i.test(String((err as Error)?.message))) return new GitError('unreachable', `${shownUrl}: the Git server did not answer in time`, { cause: scrub(err) });
  if (netCode) return new GitError('unreachable', `${shownUrl}: cannot reach the Git server (${netCode})`, { cause: scrub(err) });
  const message = err instanceof Error ? err.message : String(err);
  return new GitError('unreachable', `${shownUrl}: ${redactText(message)}`, { cause: scrub(err) });
}

/** A copy of an error reduced to name, code and redacted message: `cause` chains get logged. */
function scrub(err: unknown): Error {
  const e = err as { name?: string; code?: string; message?: string };
  const copy = new Error(redactText(String(e?.message ?? err)));
  copy.name = e?.name ?? 'Error';
  if (e?.code) (copy as Error & { code?: string }).code = e.code;
  return copy;
}

/** Removes `user:pass@` from any URL inside a piece of text. */
export function redactText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1');
}
