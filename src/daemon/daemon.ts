// `gitset run` as a value: starts the HTTP endpoint and the triggers around a cycle function,
// and stops cleanly. On stop: no new work, the running cycle's helm calls get a grace period
// (then they are aborted), the cycle still commits and pushes what was done, then it returns.
import type { Logger } from 'pino';
import type { DaemonConfig } from './config.ts';
import { startHttpEndpoint, type HttpEndpoint, type Readiness } from './http.ts';
import type { DaemonMetrics } from './metrics.ts';
import { createCycleQueue, startIntervals, type CycleQueue, type CycleRequest, type TriggerReason } from './triggers.ts';

/** What one cycle reports back to the daemon loop. */
export interface CycleReport {
  outcome: 'success' | 'failure' | 'invalid-revision';
  revision?: string;
  /** Human lines: what failed in this cycle (helm errors, unreachable Git, …). */
  failures: string[];
  committed: boolean;
}

/** Runs one cycle. `helmSignal` aborts running helm calls (shutdown past its grace period). */
export type RunCycle = (request: CycleRequest, helmSignal: AbortSignal) => Promise<CycleReport>;

export interface DaemonOptions {
  config: Pick<DaemonConfig, 'listen' | 'probeIntervalMs' | 'pollIntervalMs' | 'shutdownGraceMs' | 'unreadyAfterMs' | 'branch' | 'statusBranch'> & {
    secrets: Pick<DaemonConfig['secrets'], 'webhookSecret'>;
  };
  runCycle: RunCycle;
  logger: Logger;
  metrics: DaemonMetrics;
  /** Starts a watcher that calls `onChange` (local repositories); returns its stop function. */
  watchRepository?: (onChange: () => void) => Promise<() => Promise<void> | void>;
  now?: () => number;
}

export interface Daemon {
  /** Base URL of the HTTP endpoint. */
  url: string;
  queue: CycleQueue;
  trigger(reason: TriggerReason): void;
  /** Resolves after the first cycle (whatever its outcome). */
  firstCycle: Promise<CycleReport>;
  lastReport(): CycleReport | undefined;
  stop(reason?: string): Promise<void>;
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { logger, config } = options;
  const now = options.now ?? Date.now;
  const helmAbort = new AbortController();
  let last: CycleReport | undefined;
  let failingSince: number | undefined;
  let resolveFirst!: (r: CycleReport) => void;
  const firstCycle = new Promise<CycleReport>((r) => (resolveFirst = r));

  const queue = createCycleQueue(
    async (request) => {
      const report = await options.runCycle(request, helmAbort.signal).catch(
        (err: unknown): CycleReport => {
          logger.error({ err, trigger: request.reasons }, 'cycle failed');
          return { outcome: 'failure', failures: [err instanceof Error ? err.message : String(err)], committed: false };
        },
      );
      last = report;
      // An invalid head is the repository's problem, shown in status and metrics; the daemon
      // itself is fine (it keeps the last good revision in force), so it stays ready.
      if (report.outcome === 'failure') failingSince ??= now();
      else failingSince = undefined;
      resolveFirst(report);
    },
    (err) => logger.error({ err }, 'cycle queue error'),
  );

  const readiness = (): Readiness => {
    if (!last) return { ready: false, reason: 'first cycle not finished' };
    if (failingSince !== undefined && now() - failingSince > config.unreadyAfterMs) {
      return { ready: false, reason: `cycles failing since ${new Date(failingSince).toISOString()}: ${last.failures[0] ?? last.outcome}` };
    }
    return { ready: true, reason: last.outcome === 'success' ? 'ok' : `ok (last cycle: ${last.outcome})` };
  };

  const http: HttpEndpoint = await startHttpEndpoint({
    listen: config.listen,
    registry: options.metrics.registry,
    readiness,
    webhook: {
      secret: config.secrets.webhookSecret,
      branches: [config.branch],
      onPush: () => queue.enqueue('webhook', { pull: true }),
    },
    logger,
  });

  const intervals = startIntervals(queue, { probeMs: config.probeIntervalMs, pollMs: config.pollIntervalMs });
  const stopWatch = options.watchRepository ? await options.watchRepository(() => queue.enqueue('file-change', { pull: true })) : undefined;
  queue.enqueue('start', { pull: true });
  logger.info({ url: http.url }, 'gitset is running');

  let stopping: Promise<void> | undefined;
  const stop = (reason = 'stop requested'): Promise<void> =>
    (stopping ??= (async () => {
      logger.info({ reason, graceMs: config.shutdownGraceMs }, 'shutting down: taking no new work');
      intervals.stop();
      await stopWatch?.();
      const grace = setTimeout(() => {
        logger.warn({ graceMs: config.shutdownGraceMs }, 'grace period over: aborting running helm calls');
        helmAbort.abort(new Error('shutdown grace period over'));
      }, config.shutdownGraceMs);
      await queue.close();
      clearTimeout(grace);
      await http.close();
      logger.info('stopped');
    })());

  return {
    url: http.url,
    queue,
    trigger: (reason) => queue.enqueue(reason),
    firstCycle,
    lastReport: () => last,
    stop,
  };
}
