// `gitset show rollouts [dir]`: every rollout (maxUpdate) and promotion event the status commits
// said (start, waves, halt, resume, done; stages started, healthy, awaiting), oldest first, read
// back from the Git history (read-only, through the Repo port): the commit messages are the record.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { openEnclosingRepo } from '../git/open.ts';
import { DEFAULT_STATUS_DIR } from '../load/index.ts';
import type { Repo } from '../model/ports.ts';
import { readRolloutEvents, type RolloutEvent } from '../status/read-rollouts.ts';
import type { CliIO } from './io.ts';
import { formatAndSince } from './show-failovers.ts';
import { asciiTable } from './tables.ts';

export interface RolloutRow extends RolloutEvent {
  /** Committer time of the status commit that said it, RFC 3339. */
  time: string;
  commit: string;
}

interface Options {
  statusDir: string;
  format: string;
  since?: string;
  profile?: string;
  revision?: string;
}

/** At most this many commits are read back (newest first). */
const MAX_COMMITS = 5000;

export function registerRollouts(show: Command, io: CliIO): void {
  show
    .command('rollouts')
    .description('rollouts (maxUpdate waves, halts) and promotion stages, read back from the status commits')
    .argument('[dir]', 'repository folder', '.')
    .option('--status-dir <dir>', 'status folder inside the repository: only commits that changed it are read', DEFAULT_STATUS_DIR)
    .option('--format <format>', 'output format: text or json', 'text')
    .option('--since <when>', 'only events since this time (RFC 3339 or YYYY-MM-DD) or for this long (7d, 24h)')
    .option('--profile <id>', 'only this profile or promotion (ClusterProfile/kyverno, Profile/ns/name, ClusterPromotion/web)')
    .option('--revision <rev>', 'branch or commit to read back from (e.g. the status branch); default HEAD')
    .action(async (dir: string, opts: Options) => {
      const parsed = formatAndSince('rollouts', opts, io);
      if (!parsed) return;
      const { format, since } = parsed;
      let rows: RolloutRow[];
      try {
        rows = await rolloutsInHistory(resolve(io.cwd, dir, opts.statusDir), { since, revision: opts.revision });
      } catch (err) {
        io.stderr.write(`gitset show rollouts: cannot read Git history: ${(err as Error).message}\n`);
        io.exitCode = 1;
        return;
      }
      if (opts.profile !== undefined) rows = rows.filter((r) => r.profile === opts.profile);
      io.stdout.write(format === 'json' ? `${JSON.stringify(rows, null, 2)}\n` : rolloutTable(rows));
      io.exitCode = 0;
    });
}

/** The events of every commit that changed the status folder, oldest first. */
export async function rolloutsInHistory(statusDir: string, opts: { since?: number | undefined; revision?: string | undefined }): Promise<RolloutRow[]> {
  const { repo, dir } = openEnclosingRepo(statusDir);
  try {
    const folder = folderIds(repo, dir);
    const commits: RolloutRow[][] = [];
    for await (const c of repo.history({ max: MAX_COMMITS, ...(opts.revision !== undefined ? { from: opts.revision } : {}) })) {
      if (opts.since !== undefined && c.committedAt < opts.since) break;
      if (!c.message || (await folder(c.revision)) === (c.parents[0] ? await folder(c.parents[0]) : undefined)) continue;
      const at = { time: new Date(c.committedAt).toISOString(), commit: c.revision };
      commits.push(readRolloutEvents(c.message).map((e) => ({ ...at, ...e })));
    }
    return commits.reverse().flat();
  } finally {
    await repo.close();
  }
}

/** The status folder's identity at a commit, each commit read once. */
function folderIds(repo: Repo, dir: string): (revision: string) => Promise<string | undefined> {
  const known = new Map<string, Promise<string | undefined>>();
  return (revision) => {
    let id = known.get(revision);
    if (!id) known.set(revision, (id = repo.folderIdAt(revision, dir)));
    return id;
  };
}

function rolloutTable(rows: readonly RolloutRow[]): string {
  const head = ['TIME', 'COMMIT', 'PROFILE', 'EVENT', 'STAGE', 'CLUSTERS', 'DETAIL'];
  const cells = rows.map((r) => [r.time.slice(0, 19).replace('T', ' '), r.commit.slice(0, 12), r.profile, r.event, r.stage ?? '-', r.clusters.join(', ') || '-', r.detail ?? '-']);
  return asciiTable(head, cells);
}
