// `gitset show addons|clusters|sets|failovers|rollouts [dir]`: tables read from status files, like
// `sveltosctl show addons` and `kubectl get sveltoscluster -A` (the tables are in tables.ts).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_STATUS_DIR } from '../load/index.ts';
import { escapeControl } from '../model/escape.ts';
import { readStatusFiles } from '../status/read.ts';
import { listStatusFiles } from '../status/status-dir.ts';
import { parseFormat, type CliIO } from './io.ts';
import { registerFailovers } from './show-failovers.ts';
import { registerRollouts } from './show-rollouts.ts';
import { renderSnapshot, type ShowWhat } from './tables.ts';

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
        const snapshot = readStatusFiles(await listStatusFiles(resolve(io.cwd, dir, opts.statusDir)));
        // Unreadable files are left out of the table; say which, as `gitset plan` does.
        for (const p of snapshot.problems ?? []) io.stderr.write(`gitset show: ignoring status file ${escapeControl(`${p.path}: ${p.message}`)}\n`);
        io.stdout.write(renderSnapshot(what, snapshot, format === 'json' ? 'json' : 'text'));
        io.exitCode = 0;
      });
  }
  registerFailovers(show, io);
  registerRollouts(show, io);
}
