// A real Git smart-HTTP server for tests and the demo: git's own `git http-backend` run as a
// CGI program behind a small Node HTTP server on loopback, with optional basic auth.
// Using the real backend (not a fake) is what lets tests catch protocol-level mistakes:
// non-fast-forward rejections, ref races and pack negotiation all come from git itself.
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { listenOnLoopback } from './listen.ts';

export const GIT_HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';

export interface GitServerOptions {
  /** Folder holding the bare repositories (`<root>/<name>`). */
  root: string;
  /** 0 or absent: any free port. Pass the old port to restart a stopped server at the same URL. */
  port?: number;
  /** When set, every request must carry these basic-auth credentials, else 401. */
  auth?: { username: string; password: string };
}

/** Request counts, so tests can tell a cheap poll (one ref listing) from a fetch. */
export interface GitServerStats {
  requests: number;
  refListings: number;
  uploadPacks: number;
  receivePacks: number;
  unauthorized: number;
}

export interface GitServer {
  port: number;
  /** `http://127.0.0.1:<port>/<name>` */
  url(repoName: string): string;
  stats: GitServerStats;
  /** Accepts only these credentials from now on (a rotated token), or none when undefined. */
  setAuth(auth: { username: string; password: string } | undefined): void;
  close(): Promise<void>;
}

export async function startGitServer(opts: GitServerOptions): Promise<GitServer> {
  const stats: GitServerStats = { requests: 0, refListings: 0, uploadPacks: 0, receivePacks: 0, unauthorized: 0 };
  let auth = opts.auth;
  const server = createServer((req, res) => {
    stats.requests++;
    if (auth && !authorized(req, auth)) {
      stats.unauthorized++;
      req.resume();
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="gitset test server"', 'Content-Type': 'text/plain' });
      res.end('authentication required\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.endsWith('/info/refs')) stats.refListings++;
    if (url.pathname.endsWith('/git-upload-pack')) stats.uploadPacks++;
    if (url.pathname.endsWith('/git-receive-pack')) stats.receivePacks++;
    runBackend(req, res, url, opts);
  });
  const port = await listenOnLoopback(server, opts.port ?? 0);
  return {
    port,
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    stats,
    setAuth: (next) => {
      auth = next;
    },
    close: () => closeServer(server),
  };
}

function authorized(req: IncomingMessage, auth: { username: string; password: string }): boolean {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && decoded.slice(0, colon) === auth.username && decoded.slice(colon + 1) === auth.password;
}

function runBackend(req: IncomingMessage, res: ServerResponse, url: URL, opts: GitServerOptions): void {
  // Only what the CGI needs; no inherited GIT_* variable may redirect it to another repository.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: opts.root,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_PROJECT_ROOT: opts.root,
    GIT_HTTP_EXPORT_ALL: '1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    REMOTE_USER: opts.auth?.username ?? 'anonymous',
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
  const protocol = req.headers['git-protocol'];
  if (typeof protocol === 'string') env.HTTP_GIT_PROTOCOL = protocol;

  const child = spawn(GIT_HTTP_BACKEND, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => {}); // the backend may exit before reading a rejected body
  req.pipe(child.stdin);

  let head = Buffer.alloc(0);
  let headersSent = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const split = findHeaderEnd(head);
    if (!split) return;
    const { status, headers } = parseCgiHeaders(head.subarray(0, split.index).toString('latin1'));
    res.writeHead(status, headers);
    headersSent = true;
    const rest = head.subarray(split.index + split.length);
    if (rest.length) res.write(rest);
  });
  child.on('close', (code) => {
    if (!headersSent) {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`git http-backend exited ${code}: ${stderr}`);
      return;
    }
    res.end();
  });
  child.on('error', (err) => {
    if (!headersSent) {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      headersSent = true;
    }
    res.end(String(err));
  });
}

function findHeaderEnd(buf: Buffer): { index: number; length: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { index: crlf, length: 4 };
  if (lf >= 0) return { index: lf, length: 2 };
  return undefined;
}

function parseCgiHeaders(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
    else headers[name] = value;
  }
  return { status, headers };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Fixed identity and dates-free environment for the git CLI, isolated from the user's config. */
export function gitCliEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Test User',
    GIT_AUTHOR_EMAIL: 'user@example.test',
    GIT_COMMITTER_NAME: 'Test User',
    GIT_COMMITTER_EMAIL: 'user@example.test',
    ...extra,
  };
}

export interface CreateBareRepoOptions {
  branch?: string;
  message?: string;
}

/**
 * Creates `<root>/<name>` as a bare repository that accepts pushes over HTTP; when `fromDir`
 * is given, its files become the first commit on `branch` (default `main`). Returns the path.
 */
export async function createBareRepo(root: string, name: string, fromDir?: string, opts: CreateBareRepoOptions = {}): Promise<string> {
  const branch = opts.branch ?? 'main';
  const bare = join(root, name);
  await mkdir(root, { recursive: true });
  const env = gitCliEnv();
  await execa('git', ['init', '--quiet', '--bare', `--initial-branch=${branch}`, bare], { env });
  await execa('git', ['config', 'http.receivepack', 'true'], { cwd: bare, env });
  // No background `git gc --auto` after pushes: it would race with tests deleting the folder
  // and run inside measurements.
  await execa('git', ['config', 'receive.autogc', 'false'], { cwd: bare, env });
  await execa('git', ['config', 'gc.auto', '0'], { cwd: bare, env });
  if (!fromDir) return bare;
  const work = await mkdtemp(join(tmpdir(), 'gitset-seed-'));
  try {
    await cp(fromDir, work, { recursive: true, filter: (src) => !src.split('/').includes('.git') });
    await execa('git', ['init', '--quiet', `--initial-branch=${branch}`], { cwd: work, env });
    await execa('git', ['add', '-A'], { cwd: work, env });
    // gc.auto=0: a commit of thousands of loose objects otherwise starts a detached `git gc`, which
    // writes into .git while the folder is being removed below (ENOTEMPTY).
    await execa('git', ['-c', 'gc.auto=0', 'commit', '--quiet', '--allow-empty', '-m', opts.message ?? 'Initial commit'], { cwd: work, env });
    await execa('git', ['push', '--quiet', bare, `HEAD:refs/heads/${branch}`], { cwd: work, env });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return bare;
}
