// Where the repository is (HTTP(S) remote or local path) and the credentials to reach it.
// Credentials come from flags, an environment variable or a file; a URL with userinfo is
// accepted, but the userinfo is moved into the credentials and never shown again.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { GitError } from './errors.ts';

export interface GitAuth {
  username?: string;
  password?: string;
  /** A personal access token; sent as the basic-auth password (username `x-access-token` unless given). */
  token?: string;
}

export type RepoLocation =
  | { kind: 'http'; /** URL without userinfo: safe to log, store in .git/config and show. */ url: string; auth?: GitAuth }
  | { kind: 'local'; path: string };

/**
 * Classifies `--repo`. SSH forms are refused here with a message saying why, rather than failing
 * later inside isomorphic-git with an "unknown transport" error.
 */
export function parseRepoLocation(repo: string, cwd: string): RepoLocation {
  const trimmed = repo.trim();
  if (/^ssh:\/\//i.test(trimmed) || /^git\+ssh:\/\//i.test(trimmed) || /^[\w.-]+@[\w.-]+:/.test(trimmed)) {
    throw new GitError(
      'unsupported-transport',
      `${redactUrl(trimmed)}: SSH URLs are not supported (gitset uses isomorphic-git, which speaks only HTTP(S) and local repositories); use the https:// URL of the repository with a token instead`,
    );
  }
  if (/^https?:\/\//i.test(trimmed)) {
    const url = new URL(trimmed);
    const auth: GitAuth = {};
    if (url.username) auth.username = decodeURIComponent(url.username);
    if (url.password) auth.password = decodeURIComponent(url.password);
    url.username = '';
    url.password = '';
    const clean = url.toString().replace(/\/$/, '');
    return { kind: 'http', url: clean, ...(auth.username || auth.password ? { auth } : {}) };
  }
  if (/^file:\/\//i.test(trimmed)) return { kind: 'local', path: resolve(cwd, decodeURIComponent(trimmed.slice('file://'.length))) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    const scheme = trimmed.slice(0, trimmed.indexOf(':'));
    throw new GitError('unsupported-transport', `${redactUrl(trimmed)}: the "${scheme}" transport is not supported (gitset uses isomorphic-git: HTTP(S) URLs and local paths only)`);
  }
  return { kind: 'local', path: resolve(cwd, trimmed) };
}

/** The URL as it may appear in logs, errors and status: no `user:password@`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

/** Later sources win field by field: URL userinfo < env < explicit flags/files. */
export function mergeAuth(...sources: Array<GitAuth | undefined>): GitAuth | undefined {
  const out: GitAuth = {};
  for (const s of sources) {
    if (!s) continue;
    if (s.username) out.username = s.username;
    if (s.password) out.password = s.password;
    if (s.token) out.token = s.token;
  }
  return out.username || out.password || out.token ? out : undefined;
}

export interface CredentialSources {
  env: NodeJS.ProcessEnv;
  /** --git-token-file: a file holding the token (trailing newline ignored). */
  tokenFile?: string;
  /** --git-username */
  username?: string;
  /** --git-password-file */
  passwordFile?: string;
}

/**
 * Reads credentials from `GITSET_GIT_TOKEN`, `GITSET_GIT_USERNAME`, `GITSET_GIT_PASSWORD` and the
 * given files (files win over the environment). Returns undefined when none is set.
 */
export async function loadGitAuth(src: CredentialSources): Promise<GitAuth | undefined> {
  const fromEnv: GitAuth = {};
  if (src.env.GITSET_GIT_TOKEN) fromEnv.token = src.env.GITSET_GIT_TOKEN;
  if (src.env.GITSET_GIT_USERNAME) fromEnv.username = src.env.GITSET_GIT_USERNAME;
  if (src.env.GITSET_GIT_PASSWORD) fromEnv.password = src.env.GITSET_GIT_PASSWORD;
  const fromFlags: GitAuth = {};
  if (src.username) fromFlags.username = src.username;
  if (src.tokenFile) fromFlags.token = await readSecretFile(src.tokenFile, '--git-token-file');
  if (src.passwordFile) fromFlags.password = await readSecretFile(src.passwordFile, '--git-password-file');
  return mergeAuth(fromEnv, fromFlags);
}

async function readSecretFile(path: string, flag: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    throw new Error(`${flag} ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** What isomorphic-git's onAuth wants: a token becomes the basic-auth password. */
export function basicCredentials(auth: GitAuth | undefined): { username: string; password: string } | undefined {
  if (!auth) return undefined;
  if (auth.token) return { username: auth.username ?? 'x-access-token', password: auth.token };
  if (auth.username || auth.password) return { username: auth.username ?? '', password: auth.password ?? '' };
  return undefined;
}

/**
 * Default clone folder: `$XDG_CACHE_HOME/gitset/<hash>` (else `~/.cache/gitset/<hash>`), one per
 * URL + branch so two daemons on different branches never share a working tree.
 */
export function defaultWorkDir(url: string, branch: string, env: NodeJS.ProcessEnv): string {
  const cacheHome = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  const hash = createHash('sha256').update(`${redactUrl(url)}#${branch}`).digest('hex').slice(0, 16);
  return join(cacheHome, 'gitset', hash);
}
