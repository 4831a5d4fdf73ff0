// `gitset show addons|clusters|sets [dir]`: tables read from status files, like
// `sveltosctl show addons` and `kubectl get sveltoscluster -A`. The tables are built from a list
// of {path, text}, so the status of any commit (read through git) shows the same way.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import Table from 'cli-table3';
import { DEFAULT_STATUS_DIR } from '../load/index.ts';
import { notReadyDetail } from '../status/cluster-health.ts';
import { readStatusFiles, type StatusFile } from '../status/read.ts';
import { refKey, type StatusSnapshot } from '../status/snapshot.ts';
import { listStatusFiles } from '../status/status-dir.ts';
import { parseFormat, type CliIO } from './io.ts';
import { registerFailovers } from './show-failovers.ts';

export type ShowWhat = 'addons' | 'clusters' | 'sets';

interface ShowOptions {
  statusDir: string;
  format: string;
}

export function register(program: Command, io: CliIO): void {
  const show = program.command('show').description('tables read from the status files (what gitset observed and did)');
  const describe: Record<ShowWhat, string> = {
    addons: 'helm releases per cluster, like `sveltosctl show addons`',
    clusters: 'clusters and their health, like `kubectl get sveltoscluster -A`',
    sets: 'ClusterSets and Sets: matching and selected clusters',
  };
  for (const what of ['addons', 'clusters', 'sets'] as const) {
    show
      .command(what)
      .description(describe[what])
      .argument('[dir]', 'repository folder', '.')
      .option('--status-dir <dir>', 'status folder inside the repository', DEFAULT_STATUS_DIR)
      .option('--format <format>', 'output format: text or json', 'text')
      .action(async (dir: string, opts: ShowOptions) => {
        let format;
        try {
          format = parseFormat(opts.format, ['text', 'json']);
        } catch (err) {
          io.stderr.write(`gitset show: ${(err as Error).message}\n`);
          io.exitCode = 2;
          return;
        }
        const files = await listStatusFiles(resolve(io.cwd, dir, opts.statusDir));
        io.stdout.write(renderShow(what, files, format === 'json' ? 'json' : 'text'));
        io.exitCode = 0;
      });
  }
  registerFailovers(show, io);
}

/** The table (or JSON rows) of `what`, from status files. */
export function renderShow(what: ShowWhat, files: readonly StatusFile[], format: 'text' | 'json'): string {
  const snapshot = readStatusFiles(files);
  const { head, rows } = build(what, snapshot);
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  const t = new Table({ head, chars: ASCII, style: { head: [], border: [] } });
  t.push(...rows.map((r) => Object.values(r).map(cellText)));
  return `${withHeaderRule(t.toString())}\n`;
}

type Row = Record<string, string | number | boolean | string[] | null>;

function build(what: ShowWhat, s: StatusSnapshot): { head: string[]; rows: Row[] } {
  switch (what) {
    case 'addons':
      return { head: ['CLUSTER', 'RESOURCE TYPE', 'NAMESPACE', 'NAME', 'VERSION', 'TIME', 'PROFILES', 'STATE'], rows: addonRows(s) };
    case 'clusters':
      return { head: ['NAMESPACE', 'NAME', 'READY', 'VERSION', 'MESSAGE'], rows: clusterRows(s) };
    case 'sets':
      return { head: ['NAME', 'MATCHING', 'SELECTED', 'MAX'], rows: setRows(s) };
  }
}

/** One row per release on a cluster; losers of a conflict are not on the cluster and are left out. */
function addonRows(s: StatusSnapshot): Row[] {
  const rows = new Map<string, Row & { profiles: string[] }>();
  for (const [id, { status }] of s.profiles) {
    for (const pc of status.clusters ?? []) {
      for (const r of pc.releases) {
        if (r.state === 'Conflict') continue;
        const key = `${pc.cluster}\u0000${r.releaseNamespace}\u0000${r.releaseName}`;
        const row = rows.get(key);
        if (row) row.profiles.push(id);
        else {
          rows.set(key, {
            cluster: pc.cluster,
            resourceType: 'helm chart',
            namespace: r.releaseNamespace,
            name: r.releaseName,
            version: r.chartVersion,
            time: r.lastAppliedTime ? formatTime(r.lastAppliedTime) : '',
            profiles: [id],
            state: r.state,
          });
        }
      }
    }
  }
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

function clusterRows(s: StatusSnapshot): Row[] {
  return [...s.clusters.values()].map(({ object, status }) => ({
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name,
    ready: status.ready,
    version: status.version ?? '',
    message: object.spec.paused === true ? 'paused' : status.ready ? '' : notReadyDetail(status),
  }));
}

function setRows(s: StatusSnapshot): Row[] {
  return [...s.sets.entries()].map(([id, { object, status }]) => ({
    name: id,
    matching: status.matchingClusterRefs.map(refKey),
    selected: status.selectedClusterRefs.map(refKey),
    max: typeof object.spec.maxReplicas === 'number' ? object.spec.maxReplicas : 0,
  }));
}

/** `2024-03-13 10:19:06 +0000 UTC`, the shape sveltosctl prints (in UTC, so it reads the same everywhere). */
function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

function cellText(v: Row[string]): string {
  if (Array.isArray(v)) return v.join('\n');
  return v === null ? '' : String(v);
}

export const ASCII = {
  top: '-', 'top-mid': '+', 'top-left': '+', 'top-right': '+',
  bottom: '-', 'bottom-mid': '+', 'bottom-left': '+', 'bottom-right': '+',
  left: '|', 'left-mid': '', mid: '', 'mid-mid': '', right: '|', 'right-mid': '', middle: '|',
};

/** sveltosctl's look: a rule under the header, none between rows. */
export function withHeaderRule(table: string): string {
  const lines = table.split('\n');
  return lines.length > 2 ? [lines[0], lines[1], lines[0], ...lines.slice(2)].join('\n') : table;
}
