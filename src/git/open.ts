// openRepo: picks the remote or local implementation of the Repo port from `--repo`;
// openEnclosingRepo: the local repository around a folder, for reading its history.
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { GitError } from './errors.ts';
import { openLocalRepo } from './local.ts';
import { defaultWorkDir, mergeAuth, parseRepoLocation } from './location.ts';
import { openRemoteRepo } from './remote.ts';
import { folderSegments } from './paths.ts';
import { DEFAULT_STATUS_DIR, type OpenRepoOptions, type Repo } from './repo.ts';

/**
 * Opens the repository without touching the network: the remote is cloned (or its existing clone
 * reused) on the first `pull()`, so an unreachable server is a per-cycle error, not a start-up one.
 * Throws GitError `unsupported-transport` for SSH URLs and `path-not-found` for a missing local path.
 */
export function openRepo(opts: OpenRepoOptions): Repo {
  const cwd = opts.cwd ?? process.cwd();
  const location = parseRepoLocation(opts.url, cwd);
  const rootSegs = folderSegments(opts.path);
  const statusSegs = folderSegments(opts.statusDir ?? DEFAULT_STATUS_DIR);
  if (statusSegs.length === 0) throw new Error('the status folder cannot be the repository root');
  const common = {
    rootSegs,
    statusSegs,
    ...(opts.statusBranch ? { statusBranch: opts.statusBranch } : {}),
    ...(opts.author ? { author: opts.author } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    logger: opts.logger,
  };
  if (location.kind === 'local') return openLocalRepo({ ...common, path: location.path });
  const auth = mergeAuth(location.auth, opts.auth);
  return openRemoteRepo({
    ...common,
    url: location.url,
    branch: opts.branch,
    workDir: opts.workDir ? resolve(cwd, opts.workDir) : defaultWorkDir(location.url, opts.branch, opts.env ?? {}),
    ...(auth ? { auth } : {}),
    ...(opts.maxPushAttempts ? { maxPushAttempts: opts.maxPushAttempts } : {}),
    ...(opts.pushBackoffMs !== undefined ? { pushBackoffMs: opts.pushBackoffMs } : {}),
    ...(opts.statusOwned ? { statusOwned: opts.statusOwned } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  });
}

const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The local repository whose work tree holds `path` (the nearest folder above it with a `.git`),
 * to read its history from (`gitset show failovers --since`). `dir` is `path` relative to its
 * root, `/`-separated. Throws GitError `path-not-found` when no folder above has a `.git`.
 */
export function openEnclosingRepo(path: string): { repo: Repo; dir: string } {
  const start = resolve(path);
  for (let root = start; ; root = dirname(root)) {
    if (existsSync(join(root, '.git'))) {
      return { repo: openLocalRepo({ path: root, rootSegs: [], statusSegs: [DEFAULT_STATUS_DIR], logger: SILENT }), dir: relative(root, start).split(sep).join('/') };
    }
    if (dirname(root) === root) throw new GitError('path-not-found', `${start}: not inside a Git repository`);
  }
}
