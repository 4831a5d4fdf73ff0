// Probing the fleet: for each cluster, GET /version then /readyz with its kubeconfig, within a
// total timeout, a bounded number at a time. A probe never throws; whatever goes wrong becomes
// a short message that is safe to commit (no paths outside the credentials directory, no
// credentials). Paused clusters are the caller's to leave out: every cluster given is probed.
import type http from 'node:http';
import { clusterKey, type ClusterKey, type SveltosCluster } from '../model/objects.ts';
import type { ClusterReader, ProbeResult, Prober } from '../model/ports.ts';
import { describeConnectionError, describeStatus, getFromAPIServer } from './apiserver.ts';
import { createConnections, ProbeFailure, type Connection, type Connections } from './connections.ts';
import { DEFAULT_EXEC_TIMEOUT_MS, type ExecRuntime } from './exec-plugin.ts';
import type { ClusterEndpoint } from './kubeconfig.ts';
import { pluginEnvironment } from './plugin-env.ts';
import { apiServerGet, DEFAULT_READ_BODY_BYTES, DEFAULT_READ_TIMEOUT_MS } from './reader.ts';

/** The part of a pino logger the prober uses. */
export interface ProbeLogger {
  debug(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface ProbeClock {
  /** Milliseconds, monotonic enough to measure a probe. */
  now(): number;
}

export interface ProberOptions {
  credentialsDir: string;
  /** Whole probe (connect, TLS, both requests); a hung server costs this once. */
  timeoutMs?: number;
  /** Clusters probed at the same time. */
  concurrency?: number;
  /**
   * Clusters whose last probe timed out are probed in a lane of their own, this many at once
   * (default 4 × concurrency): a hung cluster costs a socket and a timer, not CPU, and keeping
   * them apart means a region of hung clusters costs a round about one timeout instead of
   * `hung × timeout ÷ concurrency`, which is what decides how fast a set fails over.
   */
  suspectConcurrency?: number;
  logger?: ProbeLogger;
  clock?: ProbeClock;
  /** One observation read (`reader`), connect to last byte (default 30s). */
  readTimeoutMs?: number;
  /** Largest answer an observation read takes (default 32 MiB; probes keep 64 KiB). */
  readBodyBytes?: number;
  /** Environment kubeconfig exec plugins are given (filtered by pluginEnvironment; default process.env). */
  pluginEnv?: NodeJS.ProcessEnv;
  /** An exec plugin still running after this is stopped (default 60s); a probe waits no longer than its timeout. */
  pluginTimeoutMs?: number;
  /** Wall clock (epoch ms) that exec credentials expire by. */
  wallClock?: () => number;
  /** HTTPS_PROXY, HTTP_PROXY and NO_PROXY for kubeconfigs without proxy-url (default process.env). */
  proxyEnv?: Readonly<Record<string, string | undefined>>;
}

export interface ClusterProber extends Prober, ClusterReader {
  /** Closes the kept-alive connections; the prober can still be used afterwards (it reconnects). */
  close(): void;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 5000;
export const DEFAULT_PROBE_CONCURRENCY = 64;

/** Connections of clusters absent from this many rounds in a row are closed. */
const IDLE_ROUNDS_BEFORE_EVICTION = 3;

/** What probing one cluster needs, the same for a whole round. */
interface ProbeContext {
  connections: Connections;
  timeoutMs: number;
  clock: ProbeClock;
  logger?: ProbeLogger;
  round: number;
  signal?: AbortSignal;
}

export function createProber(options: ProberOptions): ClusterProber {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_PROBE_CONCURRENCY));
  const suspectConcurrency = Math.max(1, Math.floor(options.suspectConcurrency ?? concurrency * 4));
  const clock = options.clock ?? { now: () => performance.now() };
  const logger = options.logger;
  const readTimeoutMs = options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const readBodyBytes = options.readBodyBytes ?? DEFAULT_READ_BODY_BYTES;
  const pluginEnv = pluginEnvironment(options.pluginEnv ?? process.env);
  const execFor = (key: ClusterKey): ExecRuntime => ({
    env: pluginEnv,
    timeoutMs: options.pluginTimeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS,
    now: options.wallClock ?? (() => Date.now()),
    // Only the operator's log sees what a failing plugin printed; the status gets the exit code.
    onFailure: (fields) => logger?.warn({ cluster: key, ...fields }, 'exec credential plugin failed'),
  });
  const connections = createConnections(options.credentialsDir, {
    execFor,
    proxyEnv: options.proxyEnv ?? process.env,
    onLoaded: (key) => logger?.debug({ cluster: key }, 'kubeconfig loaded'),
  });
  let round = 0;

  return {
    async probeAll(clusters, signal) {
      round += 1;
      const ctx: ProbeContext = { connections, timeoutMs, clock, logger, round, signal };
      const results = new Map<ClusterKey, ProbeResult>();
      const probe = async (c: SveltosCluster) => {
        const outcome = await probeOne(ctx, c);
        results.set(outcome.cluster, outcome);
      };
      const suspect = (c: SveltosCluster) => connections.timedOut(clusterKey(c.metadata));
      await Promise.all([
        inLane(clusters.filter((c) => !suspect(c)), concurrency, probe),
        inLane(clusters.filter(suspect), suspectConcurrency, probe),
      ]);
      connections.closeIdle(round, IDLE_ROUNDS_BEFORE_EVICTION);
      // Callers iterate the map: give it the order of the input, not of completion.
      return new Map(clusters.map((c) => {
        const key = clusterKey(c.metadata);
        return [key, results.get(key)!] as const;
      }));
    },
    reader(cluster, signal) {
      const target = connections.current(clusterKey(cluster.metadata));
      if (!target) return undefined;
      return apiServerGet(target, { timeoutMs: readTimeoutMs, answerWithinMs: Math.min(timeoutMs, readTimeoutMs), maxBodyBytes: readBodyBytes, ...(signal ? { signal } : {}) });
    },
    close() {
      connections.closeAll();
    },
  };
}

/** Runs `work` over `queue`, at most `width` at a time. */
async function inLane(queue: readonly SveltosCluster[], width: number, work: (c: SveltosCluster) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < queue.length) await work(queue[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, queue.length) }, worker));
}

/** GET /version then /readyz within the timeout; never throws. */
async function probeOne(ctx: ProbeContext, cluster: SveltosCluster): Promise<ProbeResult> {
  const key = clusterKey(cluster.metadata);
  const started = ctx.clock.now();
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), ctx.timeoutMs);
  const outer = ctx.signal;
  const signal = outer ? AbortSignal.any([timeout.signal, outer]) : timeout.signal;
  const result = (fields: Omit<ProbeResult, 'cluster' | 'durationMs'>): ProbeResult => ({
    cluster: key,
    ...fields,
    durationMs: Math.round(ctx.clock.now() - started),
  });
  let endpoint: ClusterEndpoint | undefined;
  let connection: Connection | undefined;
  try {
    connection = await ctx.connections.connectionFor(key, cluster, ctx.round);
    connection.lastUsedRound = ctx.round;
    if ('failure' in connection.target) throw new ProbeFailure(connection.target.failure);
    endpoint = connection.target.endpoint;
    const version = await askAPIServer(endpoint, connection.target.agent, signal);
    connection.timedOut = false;
    return result({ ok: true, version });
  } catch (err) {
    if (connection && !(outer?.aborted ?? false)) connection.timedOut = timeout.signal.aborted;
    const message = failureMessage(err, endpoint, ctx.timeoutMs, timeout.signal.aborted, outer?.aborted ?? false);
    if (!(err instanceof ProbeFailure) && endpoint === undefined) {
      // A defect of ours, not of the cluster: worth a warning (kubeconfig content never reaches here).
      ctx.logger?.warn({ cluster: key, error: String(err) }, 'probe failed unexpectedly');
    }
    ctx.logger?.debug({ cluster: key, message }, 'probe failed');
    return result({ ok: false, message });
  } finally {
    clearTimeout(timer);
  }
}

/** The cluster's gitVersion, once /version and /readyz answered; throws ProbeFailure otherwise. */
async function askAPIServer(endpoint: ClusterEndpoint, agent: http.Agent, signal: AbortSignal): Promise<string> {
  const version = await getFromAPIServer(endpoint, agent, '/version', signal);
  if (version.status !== 200) throw new ProbeFailure(describeStatus(version.status, '/version'));
  const gitVersion = gitVersionOf(version.body);
  if (gitVersion === undefined) throw new ProbeFailure('/version did not answer a Kubernetes version');
  const readyz = await getFromAPIServer(endpoint, agent, '/readyz', signal);
  // Servers that do not serve /readyz (older or proxied) are judged on /version alone.
  if (readyz.status !== 200 && readyz.status !== 404) throw new ProbeFailure(describeStatus(readyz.status, '/readyz'));
  return gitVersion;
}

function failureMessage(err: unknown, endpoint: ClusterEndpoint | undefined, timeoutMs: number, timedOut: boolean, cancelled: boolean): string {
  if (timedOut) return `timeout after ${formatDuration(timeoutMs)}`;
  if (cancelled) return 'probe cancelled';
  if (err instanceof ProbeFailure) return err.message;
  if (endpoint) return describeConnectionError(err, endpoint);
  return 'probe failed: internal error';
}

function gitVersionOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const gitVersion = (parsed as { gitVersion?: unknown } | null)?.gitVersion;
    return typeof gitVersion === 'string' && gitVersion !== '' ? gitVersion : undefined;
  } catch {
    return undefined;
  }
}

/** `5s`, `300ms`, `1.5s`: how the timeout reads in a failure message. */
function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  return `${Number((ms / 1000).toFixed(3))}s`;
}
