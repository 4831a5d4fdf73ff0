// `gitset run`: the daemon. Parses options, builds the runtime, starts the loop, and turns
// SIGTERM/SIGINT into a clean stop (finish or abandon helm calls, commit what was done) and
// SIGHUP into an immediate cycle.
import type { Command } from 'commander';
import { addDaemonOptions, configFromCommand } from './daemon-options.ts';
import { describeConfig } from '../daemon/config.ts';
import { startDaemon } from '../daemon/daemon.ts';
import { createLogger } from '../daemon/logger.ts';
import { createMetrics } from '../daemon/metrics.ts';
import { withLeasedShard } from '../daemon/shard-lease.ts';
import { startHttpEndpoint } from '../daemon/http.ts';
import type { DaemonConfig } from '../daemon/config.ts';
import type { Logger } from 'pino';
import { buildRuntime } from '../daemon/wiring.ts';
import type { CliIO } from './io.ts';

export function register(program: Command, io: CliIO): void {
  const cmd = program
    .command('run')
    .description('run the daemon: pull, probe, select, install with helm, commit status; again on every trigger');
  addDaemonOptions(cmd).action(async () => {
    const given = configFromCommand(cmd, io);
    const logger = createLogger({ level: given.logLevel, format: given.logFormat, destination: io.stdout });
    logger.info({ config: describeConfig(given) }, 'starting gitset');
    const metrics = createMetrics({ defaultMetrics: true });
    // With --shard-lease-namespace, nothing runs before this replica holds a shard.
    const leased = await waitForShard(given, { logger, metrics, env: io.env });
    if (!leased) return;
    const { config, held } = leased;
    const runtime = await buildRuntime(config, { logger, metrics, env: io.env, cwd: io.cwd });
    const daemon = await startDaemon({
      config,
      reconciler: runtime.reconciler,
      logger,
      metrics,
      ...(runtime.watchRepository ? { watchRepository: runtime.watchRepository } : {}),
    });

    const onHup = (): void => {
      logger.info('SIGHUP: cycle enqueued');
      daemon.queue.enqueue('sighup', { pull: true });
    };
    // Our listeners stay attached for the whole shutdown: execa's exit hook (signal-exit) re-raises
    // a signal that no other listener is left to handle, which used to kill gitset with 143 at once.
    let stopping = false;
    const signal = await new Promise<NodeJS.Signals | 'lease lost'>((resolve) => {
      // A shard whose Lease is lost is someone else's soon: stop as on SIGTERM, and exit 1 so the pod restarts.
      void held?.lost.then(() => resolve('lease lost'));
      const onStop = (received: NodeJS.Signals): void => {
        if (!stopping) {
          stopping = true;
          resolve(received);
          return;
        }
        logger.warn({ signal: received }, 'second signal: exiting at once, running helm calls are left to themselves');
        process.exit(received === 'SIGINT' ? 130 : 143);
      };
      process.on('SIGTERM', onStop).on('SIGINT', onStop).on('SIGHUP', onHup);
    });
    process.off('SIGHUP', onHup);
    // A lost shard may be taken over a third of the Lease's duration after we gave up: running
    // helm calls get a sixth of it, so that they end before anyone else may start on those clusters.
    await daemon.stop(signal, signal === 'lease lost' && config.shardLease ? config.shardLease.durationMs / 6 : undefined);
    await runtime.close();
    await held?.release();
    io.exitCode = signal === 'lease lost' ? 1 : 0;
  });
}

/**
 * This replica's shard, taken by Lease when the configuration asks for one. Meanwhile (every shard
 * may be held for as long as their holders live) the endpoint answers: /healthz alive, /readyz not
 * ready, so that a liveness probe does not restart a replica that is only waiting its turn. SIGTERM
 * or SIGINT ends the wait: undefined, with nothing held.
 */
async function waitForShard(given: DaemonConfig, deps: { logger: Logger; metrics: ReturnType<typeof createMetrics>; env: NodeJS.ProcessEnv }): Promise<Awaited<ReturnType<typeof withLeasedShard>> | undefined> {
  if (!given.shardLease) return withLeasedShard(given, deps);
  const { logger } = deps;
  const stop = new AbortController();
  const onStop = (signal: NodeJS.Signals): void => stop.abort(signal);
  process.on('SIGTERM', onStop).on('SIGINT', onStop);
  const http = await startHttpEndpoint({
    listen: given.listen,
    registry: deps.metrics.registry,
    readiness: () => ({ ready: false, reason: `waiting for a shard: every Lease ${given.shardLease!.namespace}/gitset-shard-* is held` }),
    // A push needs no cycle yet: the first one pulls.
    webhook: { secret: given.secrets.webhookSecret, branches: [given.branch], onPush: () => {} },
    logger,
  });
  logger.info({ url: http.url }, 'answering probes while waiting for a shard');
  try {
    const leased = await withLeasedShard(given, deps, stop.signal);
    if (!stop.signal.aborted) return leased;
    await leased.held?.release(); // the signal came while the Lease was being written
  } catch (err) {
    if (!stop.signal.aborted) throw err;
  } finally {
    process.off('SIGTERM', onStop).off('SIGINT', onStop);
    await http.close();
  }
  logger.info({ signal: stop.signal.reason }, 'stopped while waiting for a shard; nothing held');
  return undefined;
}
