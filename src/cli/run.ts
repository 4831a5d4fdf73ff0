// `gitset run`: the daemon. Parses options, builds the runtime, starts the loop, and turns
// SIGTERM/SIGINT into a clean stop (finish or abandon helm calls, commit what was done) and
// SIGHUP into an immediate cycle.
import type { Command } from 'commander';
import { addDaemonOptions, configFromCommand } from './daemon-options.ts';
import { describeConfig } from '../daemon/config.ts';
import { startDaemon } from '../daemon/daemon.ts';
import { createLogger } from '../daemon/logger.ts';
import { createMetrics } from '../daemon/metrics.ts';
import { buildRuntime } from '../daemon/wiring.ts';
import type { CliIO } from './io.ts';

export function register(program: Command, io: CliIO): void {
  const cmd = program
    .command('run')
    .description('run the daemon: pull, probe, select, install with helm, commit status; again on every trigger');
  addDaemonOptions(cmd).action(async () => {
    const config = configFromCommand(cmd, io);
    const logger = createLogger({ level: config.logLevel, format: config.logFormat, destination: io.stdout });
    logger.info({ config: describeConfig(config) }, 'starting gitset');
    const metrics = createMetrics({ defaultMetrics: true });
    const runtime = await buildRuntime(config, { logger, metrics, env: io.env, cwd: io.cwd });
    const daemon = await startDaemon({
      config,
      runCycle: runtime.runCycle,
      logger,
      metrics,
      ...(runtime.watchRepository ? { watchRepository: runtime.watchRepository } : {}),
    });

    const onHup = (): void => {
      logger.info('SIGHUP: cycle enqueued');
      daemon.queue.enqueue('sighup', { pull: true });
    };
    let onStop!: (signal: NodeJS.Signals) => void;
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      onStop = resolve;
      process.once('SIGTERM', onStop).once('SIGINT', onStop).on('SIGHUP', onHup);
    });
    // With our listeners gone, a second SIGTERM/SIGINT takes Node's default action: exit at once.
    process.off('SIGTERM', onStop).off('SIGINT', onStop).off('SIGHUP', onHup);
    await daemon.stop(signal);
    await runtime.close();
    io.exitCode = 0;
  });
}
