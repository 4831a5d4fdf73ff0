// openRepo: picks the remote or local implementation of the Repo port from `--repo`.
import { resolve } from 'node:path';
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
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  });
}
