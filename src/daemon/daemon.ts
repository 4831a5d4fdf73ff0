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
  const helmAbort = new AbortController();
  const health = trackHealth(config.unreadyAfterMs, options.now ?? Date.now);
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
      health.record(report);
      resolveFirst(report);
    },
    (err) => logger.error({ err }, 'cycle queue error'),
  );

  const http: HttpEndpoint = await startHttpEndpoint({
    listen: config.listen,
    registry: options.metrics.registry,
    readiness: health.readiness,
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
  const stopTriggers = async (): Promise<void> => {
    intervals.stop();
    await stopWatch?.();
  };
  const running: Running = { logger, graceMs: config.shutdownGraceMs, helmAbort, queue, http, stopTriggers };
  return {
    url: http.url,
    queue,
    trigger: (reason) => queue.enqueue(reason),
    firstCycle,
    lastReport: health.last,
    stop: (reason = 'stop requested') => (stopping ??= shutDown(running, reason)),
  };
}

/** Readiness from the cycles' outcomes: ready after the first cycle, unready once cycles have failed for too long. */
function trackHealth(unreadyAfterMs: number, now: () => number): { record(report: CycleReport): void; readiness(): Readiness; last(): CycleReport | undefined } {
  let last: CycleReport | undefined;
  let failingSince: number | undefined;
  let succeeded = false;
  return {
    record(report) {
      last = report;
      if (report.outcome !== 'failure') succeeded = true;
      // An invalid head is the repository's problem, shown in status and metrics; the daemon
      // itself is fine (it keeps the last good revision in force), so it stays ready.
      if (report.outcome === 'failure') failingSince ??= now();
      else failingSince = undefined;
    },
    readiness() {
      if (!last) return { ready: false, reason: 'first cycle not finished' };
      // A process whose cycles never got through (say, a clone it cannot check out) has done nothing yet.
      if (failingSince !== undefined && !succeeded) return { ready: false, reason: `no cycle has succeeded yet: ${last.failures[0] ?? last.outcome}` };
      if (failingSince !== undefined && now() - failingSince > unreadyAfterMs) {
        return { ready: false, reason: `cycles failing since ${new Date(failingSince).toISOString()}: ${last.failures[0] ?? last.outcome}` };
      }
      return { ready: true, reason: last.outcome === 'success' ? 'ok' : `ok (last cycle: ${last.outcome})` };
    },
    last: () => last,
  };
}

/** What a running daemon stops, in order. */
interface Running {
  logger: Logger;
  graceMs: number;
  helmAbort: AbortController;
  queue: CycleQueue;
  http: HttpEndpoint;
  /** Intervals and the file watcher: no new work. */
  stopTriggers(): Promise<void>;
}

async function shutDown(r: Running, reason: string): Promise<void> {
  r.logger.info({ reason, graceMs: r.graceMs }, 'shutting down: taking no new work');
  await r.stopTriggers();
  const grace = setTimeout(() => {
    r.logger.warn({ graceMs: r.graceMs }, 'grace period over: aborting running helm calls');
    r.helmAbort.abort(new Error('shutdown grace period over'));
  }, r.graceMs);
  await r.queue.close();
  clearTimeout(grace);
  await r.http.close();
  r.logger.info('stopped');
}
