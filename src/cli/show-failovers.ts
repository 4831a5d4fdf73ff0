// `gitset show failovers [dir]`: every replacement the sets recorded, with its timings, as a
// table or JSON. The status files keep the last 20 per set; `--since` also walks the Git history
// of the status folder (read-only, through the Repo port) so older ones are found too, once each.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { openEnclosingRepo } from '../git/open.ts';
import { parseTime } from '../load/annotations.ts';
import { parseDuration } from '../model/duration.ts';
import { DEFAULT_STATUS_DIR } from '../load/index.ts';
import type { FailoverRecord } from '../model/status.ts';
import { readStatusFiles, type StatusFile } from '../status/read.ts';
import { listStatusFiles } from '../status/status-dir.ts';
import { parseFormat, type CliIO } from './io.ts';
import { asciiTable } from './tables.ts';

interface FailoverRow extends FailoverRecord {
  /** objectId of the set: `ClusterSet/prod`, `Set/eng/blue`. */
  set: string;
}

interface Options {
  statusDir: string;
  format: string;
  since?: string;
}

/** At most this many commits are read back when walking history (newest first). */
const MAX_COMMITS = 5000;

export function registerFailovers(show: Command, io: CliIO): void {
  show
    .command('failovers')
    .description('failovers and planned moves of every set, with their timings (first failed probe → deployed)')
    .argument('[dir]', 'repository folder', '.')
    .option('--status-dir <dir>', 'status folder inside the repository', DEFAULT_STATUS_DIR)
    .option('--format <format>', 'output format: text or json', 'text')
    .option('--since <when>', 'only failovers selected since this time (RFC 3339 or YYYY-MM-DD) or for this long (7d, 24h); reads Git history too')
    .action(async (dir: string, opts: Options) => {
      const parsed = formatAndSince('failovers', opts, io);
      if (!parsed) return;
      const { format, since } = parsed;
      const root = resolve(io.cwd, dir);
      const statusDir = resolve(root, opts.statusDir);
      let rows = failoverRows(await listStatusFiles(statusDir));
      if (since !== undefined) {
        try {
          rows = dedupe([...rows, ...(await failoversInHistory(statusDir, since))]);
        } catch (err) {
          io.stderr.write(`gitset show failovers: cannot read Git history (${(err as Error).message}); showing the status files only\n`);
        }
        rows = rows.filter((r) => Date.parse(r.selected) >= since!);
      }
      io.stdout.write(format === 'json' ? `${JSON.stringify(rows, null, 2)}\n` : failoverTable(rows));
      io.exitCode = 0;
    });
}

/** `--format` and `--since` of a `gitset show` history command; undefined (exit 2, said) when either is bad. */
export function formatAndSince(command: string, opts: { format: string; since?: string }, io: CliIO): { format: 'text' | 'json'; since?: number } | undefined {
  try {
    const format = parseFormat(opts.format, ['text', 'json']) as 'text' | 'json';
    return opts.since === undefined ? { format } : { format, since: parseSince(opts.since, new Date()) };
  } catch (err) {
    io.stderr.write(`gitset show ${command}: ${(err as Error).message}\n`);
    io.exitCode = 2;
    return undefined;
  }
}

/** `2026-05-01`, an RFC 3339 time, or a duration back from `now` (`7d`, `24h`, `90m`). */
export function parseSince(text: string, now: Date): number {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : undefined;
  const at = day ?? parseTime(text);
  if (at !== undefined && !Number.isNaN(at)) return at;
  const ms = parseDuration(text);
  if (ms !== undefined) return now.getTime() - ms;
  throw new Error(`--since "${text}" is neither a date (2026-05-01, RFC 3339) nor a duration (7d, 24h)`);
}

/** Every failover record in status files, sorted by selection time, then set. */
function failoverRows(files: readonly StatusFile[]): FailoverRow[] {
  const rows: FailoverRow[] = [];
  for (const [set, { status }] of readStatusFiles(files).sets) for (const f of status.failovers ?? []) rows.push({ set, ...f });
  return dedupe(rows);
}

/** One row per failover (set, from, to, selected); a completed record wins over an open one. */
function dedupe(rows: readonly FailoverRow[]): FailoverRow[] {
  const byKey = new Map<string, FailoverRow>();
  for (const r of rows) {
    const key = `${r.set}\u0000${r.from}\u0000${r.to}\u0000${r.selected}`;
    const had = byKey.get(key);
    if (!had || (had.deployed === undefined && r.deployed !== undefined)) byKey.set(key, r);
  }
  return [...byKey.values()].sort((a, b) => (a.selected < b.selected ? -1 : a.selected > b.selected ? 1 : a.set < b.set ? -1 : a.set > b.set ? 1 : 0));
}

/** Failover records of every commit since `since` that changed the sets' status files. */
async function failoversInHistory(statusDir: string, since: number): Promise<FailoverRow[]> {
  const { repo, dir } = openEnclosingRepo(statusDir);
  const seen = new Set<string>();
  const rows: FailoverRow[] = [];
  for await (const c of repo.history({ max: MAX_COMMITS })) {
    for (const kind of ['ClusterSet', 'Set']) {
      const folder = dir ? `${dir}/${kind}` : kind;
      const tree = await repo.folderIdAt(c.revision, folder);
      if (!tree || seen.has(tree)) continue;
      seen.add(tree);
      const files = await repo.readFilesAt(c.revision, folder);
      rows.push(...failoverRows(files.map((f) => ({ path: `${kind}/${f.path}`, text: f.text }))));
    }
    // Older commits can only hold older failovers once the commit itself predates the window.
    if (c.committedAt < since) break;
  }
  return rows;
}

function failoverTable(rows: readonly FailoverRow[]): string {
  const head = ['SET', 'FROM', 'TO', 'REASON', 'FIRST FAILED PROBE', 'NOT READY', 'SELECTED', 'DEPLOYED', 'TOTAL'];
  const cells = rows.map((r) => [r.set, r.from, r.to, r.reason, time(r.firstFailedProbe), time(r.declaredNotReady), time(r.selected), time(r.deployed), r.totalSeconds === undefined ? '-' : seconds(r.totalSeconds)]);
  return asciiTable(head, cells);
}

function time(iso: string | undefined): string {
  if (iso === undefined) return '-';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 19).replace('T', ' ');
}

function seconds(s: number): string {
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${s % 60}s` : `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`;
}
