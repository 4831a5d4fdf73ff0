// Where the repository is (HTTP(S) remote or local path) and the credentials to reach it.
// Credentials come from flags, an environment variable or a file; a URL with userinfo is
// accepted, but the userinfo is moved into the credentials and never shown again.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { GitError } from './errors.ts';

export interface GitAuth {
  username?: string;
  password?: string;
  /** A personal access token; sent as the basic-auth password (username `x-access-token` unless given). */
  token?: string;
  /** Files the token and password are read from again whenever they change (GitHub App tokens live an hour). */
  tokenFile?: string;
  passwordFile?: string;
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
  if (/^ssh:\/\//i.test(trimmed) || /^git\+ssh:\/\//i.test(trimmed) || isScpLike(trimmed)) {
    const https = httpsEquivalent(trimmed);
    throw new GitError(
      'unsupported-transport',
      `${redactUrl(trimmed)}: SSH URLs are not supported (gitset uses isomorphic-git, which speaks only HTTP(S) and local repositories); use the https:// URL of the repository${https ? ` (${https})` : ''} with a token instead`,
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

/**
 * Git's own rule for `[user@]host:path` (scp-like SSH): a colon before any slash, and no `://`.
 * `git@github.com:acme/fleet.git` is a remote, never a folder of that name; `./a:b` is a folder.
 */
export function isScpLike(repo: string): boolean {
  if (repo.includes('://')) return false;
  const colon = repo.indexOf(':');
  if (colon <= 0) return false;
  const slash = repo.indexOf('/');
  return slash < 0 || colon < slash;
}

/** `git@github.com:acme/fleet.git` or `ssh://git@github.com/acme/fleet.git` → `https://github.com/acme/fleet.git`. */
function httpsEquivalent(repo: string): string | undefined {
  const scp = /^(?:[^@/]+@)?([\w.-]+):(?!\/)(.+)$/.exec(repo);
  if (scp && !repo.includes('://')) return `https://${scp[1]}/${scp[2]!.replace(/^\/+/, '')}`;
  const ssh = /^(?:git\+)?ssh:\/\/(?:[^@/]+@)?([\w.-]+)(?::\d+)?\/(.+)$/i.exec(repo);
  return ssh ? `https://${ssh[1]}/${ssh[2]}` : undefined;
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
    if (s.tokenFile) out.tokenFile = s.tokenFile;
    if (s.passwordFile) out.passwordFile = s.passwordFile;
  }
  return out.username || out.password || out.token || out.tokenFile || out.passwordFile ? out : undefined;
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

export type BasicCredentials = { username: string; password: string };

/**
 * The credentials to send now: `auth`'s, with the token and password read again from their files
 * whenever a file changed (one `stat` per request). A file that is missing or empty for a moment,
 * as while a mounted Secret is swapped, leaves the last value in place.
 */
export function currentCredentials(auth: GitAuth): () => Promise<BasicCredentials | undefined> {
  let current: GitAuth = { ...auth };
  const stamps = new Map<string, string>();
  const refresh = async (field: 'token' | 'password', path: string | undefined) => {
    if (!path) return;
    const s = await stat(path).catch(() => undefined);
    if (!s || stamps.get(path) === `${s.mtimeMs}:${s.size}:${s.ino}`) return;
    const text = (await readFile(path, 'utf8').catch(() => '')).trim();
    if (text === '') return;
    current = { ...current, [field]: text };
    stamps.set(path, `${s.mtimeMs}:${s.size}:${s.ino}`);
  };
  return async () => {
    await refresh('token', auth.tokenFile);
    await refresh('password', auth.passwordFile);
    return basicCredentials(current);
  };
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
