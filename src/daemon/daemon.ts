// `gitset run` as a value: starts the HTTP endpoint and the triggers around a reconciler, and
// stops cleanly. On stop: no new work, running helm calls get a grace period (then they and their
// children are killed), what they did is recorded, committed and pushed, then it returns.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { DaemonConfig } from './config.ts';
import { startHttpEndpoint, type HttpEndpoint, type Readiness } from './http.ts';
import { peerForwarder } from './webhook-peers.ts';
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

/** Runs one cycle to its end (its helm calls and commit included). `helmSignal` aborts running helm calls. */
export type RunCycle = (request: CycleRequest, helmSignal: AbortSignal) => Promise<CycleReport>;

/** What the daemon runs: cycles that leave helm calls, pulls and commits running in the background. */
export interface Reconciler {
  /** One cycle: probe, plan, start helm, record what ended, hand the status to the committer. */
  cycle(request: CycleRequest): Promise<CycleReport>;
  /** One cycle carried through: waits for the pull, its helm calls, their recording and the commit. */
  complete(request: CycleRequest, signal?: AbortSignal): Promise<CycleReport>;
  /** Shutdown: no new helm call; running ones get `graceMs`, then are killed; what they did is recorded and committed. */
  finish(graceMs: number): Promise<CycleReport>;
  /** Resolves when no helm call, pull or commit runs. */
  idle(): Promise<void>;
  readonly busy: boolean;
  /** Background work that wants a cycle (a helm call ended, a new revision arrived) calls `wake`. */
  onWake(wake: (reason: TriggerReason) => void): void;
}

export interface DaemonOptions {
  config: Pick<DaemonConfig, 'listen' | 'probeIntervalMs' | 'pollIntervalMs' | 'shutdownGraceMs' | 'unreadyAfterMs' | 'branch' | 'statusBranch' | 'webhookPeers'> & {
    secrets: Pick<DaemonConfig['secrets'], 'webhookSecret'>;
  };
  reconciler: Reconciler;
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
  /** `graceMs`: shorter than --shutdown-grace for running helm calls (a lost shard Lease). */
  stop(reason?: string, graceMs?: number): Promise<void>;
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { logger, config } = options;
  const health = trackHealth(config.unreadyAfterMs, options.now ?? Date.now);
  let resolveFirst!: (r: CycleReport) => void;
  const firstCycle = new Promise<CycleReport>((r) => (resolveFirst = r));

  const queue = createCycleQueue(
    async (request) => {
      const started = performance.now();
      const loop = performance.eventLoopUtilization();
      const report = await options.reconciler.cycle(request).catch(
        (err: unknown): CycleReport => {
          logger.error({ err, trigger: request.reasons }, 'cycle failed');
          return { outcome: 'failure', failures: [err instanceof Error ? err.message : String(err)], committed: false };
        },
      );
      health.record(report);
      resolveFirst(report);
      const busyMs = (performance.now() - started) * performance.eventLoopUtilization(loop).utilization;
      await restAfterCycle(options.reconciler, busyMs, config.probeIntervalMs);
    },
    (err) => logger.error({ err }, 'cycle queue error'),
  );

  const http = await serve(options, health.readiness, queue);
  options.reconciler.onWake((reason) => queue.enqueue(reason, { pull: false }));
  const intervals = startIntervals(queue, { probeMs: config.probeIntervalMs, pollMs: config.pollIntervalMs });
  const stopWatch = options.watchRepository ? await options.watchRepository(() => queue.enqueue('file-change', { pull: true })) : undefined;
  queue.enqueue('start', { pull: true });
  logger.info({ url: http.url }, 'gitset is running');

  let stopping: Promise<void> | undefined;
  const stopTriggers = async (): Promise<void> => {
    intervals.stop();
    await stopWatch?.();
  };
  const running: Running = { logger, graceMs: config.shutdownGraceMs, reconciler: options.reconciler, queue, http, stopTriggers, health };
  return {
    url: http.url,
    queue: settledQueue(queue, options.reconciler),
    trigger: (reason) => queue.enqueue(reason),
    firstCycle,
    lastReport: health.last,
    stop: (reason = 'stop requested', graceMs?: number) => (stopping ??= shutDown(running, reason, graceMs)),
  };
}

/** The HTTP endpoint: probes, metrics, and the webhook, which enqueues a pull and, with --webhook-peers, passes the push on to the other replicas. */
async function serve(options: DaemonOptions, readiness: () => Readiness, queue: CycleQueue): Promise<HttpEndpoint> {
  const { config, logger } = options;
  let ownPort: number | undefined;
  const passOn = config.webhookPeers ? peerForwarder({ peers: config.webhookPeers, ownPort: () => ownPort, logger }) : undefined;
  const http = await startHttpEndpoint({
    listen: config.listen,
    registry: options.metrics.registry,
    readiness,
    webhook: {
      secret: config.secrets.webhookSecret,
      branches: [config.branch],
      onPush: () => queue.enqueue('webhook', { pull: true }),
      ...(passOn ? { passOn: (headers, body) => void passOn(headers, body) } : {}),
    },
    logger,
  });
  ownPort = Number(new URL(http.url).port);
  return http;
}

/**
 * Background work (the status commit and its push, helm's output, a pull) runs on the same event
 * loop as the cycles. Woken by every helm call that ends, cycles at 1,000 clusters (~0.2 s of CPU
 * each) ran back to back during a rollout and starved the commit, which needs many turns of the
 * loop: it timed out, and no status commit landed until the last upgrade ended. So while work runs
 * in the background, the next cycle waits as long as the loop was busy during the last one (at
 * most half a probe interval, so probe rounds keep their pace): half of the loop is left to that
 * work. A cycle that mostly waited (probes timing out) leaves the loop free and is barely delayed.
 */
async function restAfterCycle(reconciler: Reconciler, busyMs: number, probeIntervalMs: number): Promise<void> {
  const rest = Math.min(busyMs, probeIntervalMs / 2);
  if (rest > 0 && reconciler.busy) await new Promise((resolve) => setTimeout(resolve, rest));
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
  reconciler: Reconciler;
  queue: CycleQueue;
  health: { record(report: CycleReport): void };
  http: HttpEndpoint;
  /** Intervals and the file watcher: no new work. */
  stopTriggers(): Promise<void>;
}

async function shutDown(r: Running, reason: string, shorterGraceMs?: number): Promise<void> {
  const graceMs = Math.min(r.graceMs, shorterGraceMs ?? r.graceMs);
  r.logger.info({ reason, graceMs }, 'shutting down: taking no new work');
  await r.stopTriggers();
  await r.queue.close();
  const report = await r.reconciler.finish(graceMs);
  r.health.record(report);
  r.logger.info({ outcome: report.outcome, committed: report.committed, failures: report.failures.slice(0, 5) }, 'shutdown: what ran is recorded');
  await r.http.close();
  r.logger.info('stopped');
}

/** The cycle queue, whose idle() also waits for the background work and the cycles it wakes. */
function settledQueue(queue: CycleQueue, reconciler: Reconciler): CycleQueue {
  return {
    enqueue: (reason, options) => queue.enqueue(reason, options),
    close: () => queue.close(),
    async idle() {
      for (;;) {
        await queue.idle();
        await reconciler.idle();
        // A helm call that ended wakes a cycle to record it: wait for that one too.
        await new Promise((resolve) => setImmediate(resolve));
        if (!queue.running && !queue.waiting && !reconciler.busy) return;
      }
    },
    get running() {
      return queue.running;
    },
    get waiting() {
      return queue.waiting;
    },
  };
}
