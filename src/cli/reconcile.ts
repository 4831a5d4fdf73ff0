// `gitset reconcile --once`: exactly one cycle with the daemon's options, for cron, CI and
// tests. Exits 1 when anything failed (an invalid revision, a helm call, the status push).
import type { Command } from 'commander';
import { addDaemonOptions, configFromCommand } from './daemon-options.ts';
import { createLogger } from '../daemon/logger.ts';
import { createMetrics } from '../daemon/metrics.ts';
import { withLeasedShard } from '../daemon/shard-lease.ts';
import { buildRuntime } from '../daemon/wiring.ts';
import type { CliIO } from './io.ts';

export function register(program: Command, io: CliIO): void {
  const cmd = program
    .command('reconcile')
    .description('run one reconcile cycle (pull, probe, select, helm, commit status) and exit; non-zero if anything failed')
    .option('--once', 'run exactly one cycle (the only mode; accepted for clarity)');
  addDaemonOptions(cmd).action(async () => {
    const given = configFromCommand(cmd, io);
    const logger = createLogger({ level: given.logLevel, format: given.logFormat, destination: io.stderr });
    const { config, held } = await withLeasedShard(given, { logger, env: io.env });
    const metrics = createMetrics();
    const runtime = await buildRuntime(config, { logger, metrics, env: io.env, cwd: io.cwd });
    try {
      const report = await runtime.runCycle({ reasons: ['manual'], pull: true }, new AbortController().signal);
      const head = report.revision ? ` at ${report.revision.slice(0, 12)}` : '';
      if (report.outcome === 'success') {
        io.stdout.write(`reconciled${head}${report.committed ? ', status committed' : ', nothing changed'}\n`);
      } else {
        io.stdout.write(`reconcile ${report.outcome}${head}${report.committed ? ' (status committed)' : ''}:\n`);
        for (const f of report.failures) io.stdout.write(`  ${f}\n`);
        io.exitCode = 1;
      }
    } finally {
      await runtime.close();
      await held?.release();
    }
  });
}
