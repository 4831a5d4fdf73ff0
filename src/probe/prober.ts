// Probing the fleet: for each cluster, GET /version then /readyz with its kubeconfig, within a
// total timeout, a bounded number at a time. A probe never throws; whatever goes wrong becomes
// a short message that is safe to commit (no paths outside the credentials directory, no
// credentials). Paused clusters are the caller's to leave out: every cluster given is probed.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type http from 'node:http';
import { clusterKey, type ClusterKey, type SveltosCluster } from '../model/objects.ts';
import type { ProbeResult, Prober } from '../model/ports.ts';
import { createAgent, describeConnectionError, describeStatus, getFromAPIServer } from './apiserver.ts';
import { kubeconfigRelativePath, locateKubeconfig, type KubeconfigLocation } from './credentials.ts';
import { CredentialsError, KubeconfigError } from './errors.ts';
import { loadClusterEndpoint, type ClusterEndpoint } from './kubeconfig.ts';

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
}

export interface ClusterProber extends Prober {
  /** Closes the kept-alive connections; the prober can still be used afterwards (it reconnects). */
  close(): void;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 5000;
export const DEFAULT_PROBE_CONCURRENCY = 64;

/** A cluster's parsed kubeconfig (or why it is unusable) and its agent, valid while the files are unchanged. */
interface Connection {
  kubeconfigPath: string;
  /** From `stat`: while it is unchanged the file is not even read. */
  kubeconfigStamp: string;
  contentHash: string;
  /** `mtime:size` of each file the kubeconfig refers to, to notice a rotated CA or token file. */
  referencedStamps: Map<string, string>;
  /** The last probe ran into the timeout: the next one goes to the suspect lane. */
  timedOut: boolean;
  target: { endpoint: ClusterEndpoint; agent: http.Agent } | { failure: string };
  lastUsedRound: number;
}

/** Connections of clusters absent from this many rounds in a row are closed. */
const IDLE_ROUNDS_BEFORE_EVICTION = 3;

class ProbeFailure extends Error {}

export function createProber(options: ProberOptions): ClusterProber {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_PROBE_CONCURRENCY));
  const suspectConcurrency = Math.max(1, Math.floor(options.suspectConcurrency ?? concurrency * 4));
  const clock = options.clock ?? { now: () => performance.now() };
  const logger = options.logger;
  const connections = new Map<ClusterKey, Connection>();
  let round = 0;

  async function connectionFor(key: ClusterKey, cluster: SveltosCluster): Promise<Connection> {
    let location: KubeconfigLocation;
    try {
      location = locateKubeconfig(options.credentialsDir, cluster);
    } catch (err) {
      if (err instanceof CredentialsError) throw new ProbeFailure(err.message);
      throw err;
    }
    const kubeconfigPath = location.path;
    const cached = connections.get(key);
    const sameFile = cached?.kubeconfigPath === kubeconfigPath && cached.contentHash !== '';
    if (cached && sameFile && cached.kubeconfigStamp === location.stamp && (await stampsUnchanged(cached.referencedStamps))) {
      return cached;
    }
    let content: Buffer;
    try {
      content = await readFile(kubeconfigPath);
    } catch {
      throw new ProbeFailure(`kubeconfig unreadable: ${kubeconfigRelativePath(cluster)}`);
    }
    const contentHash = createHash('sha256').update(content).digest('hex');
    if (cached && sameFile && cached.contentHash === contentHash && (await stampsUnchanged(cached.referencedStamps))) {
      // Touched or rewritten with the same content: keep the parsed kubeconfig and its connection.
      cached.kubeconfigStamp = location.stamp;
      return cached;
    }
    closeConnection(cached);
    const fresh: Connection = {
      kubeconfigPath,
      kubeconfigStamp: location.stamp,
      contentHash,
      referencedStamps: new Map(),
      timedOut: cached?.timedOut ?? false,
      target: { failure: '' },
      lastUsedRound: round,
    };
    try {
      const endpoint = await loadClusterEndpoint(content.toString('utf8'), dirname(kubeconfigPath));
      fresh.referencedStamps = await stampsOf(endpoint.files);
      fresh.target = { endpoint, agent: createAgent(endpoint) };
    } catch (err) {
      if (!(err instanceof KubeconfigError)) throw err;
      // Remembered like a good kubeconfig: a broken file is parsed again only once it changes.
      // A missing CA or token file may appear without the kubeconfig changing: look again next time.
      fresh.target = { failure: err.message };
      if (err.code === 'referenced-file-unreadable') fresh.contentHash = '';
    }
    connections.set(key, fresh);
    logger?.debug({ cluster: key }, 'kubeconfig loaded');
    return fresh;
  }

  async function probeOne(cluster: SveltosCluster, outer: AbortSignal | undefined): Promise<ProbeResult> {
    const key = clusterKey(cluster.metadata);
    const started = clock.now();
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const signal = outer ? AbortSignal.any([timeout.signal, outer]) : timeout.signal;
    const result = (fields: Omit<ProbeResult, 'cluster' | 'durationMs'>): ProbeResult => ({
      cluster: key,
      ...fields,
      durationMs: Math.round(clock.now() - started),
    });
    let endpoint: ClusterEndpoint | undefined;
    let connection: Connection | undefined;
    try {
      connection = await connectionFor(key, cluster);
      connection.lastUsedRound = round;
      if ('failure' in connection.target) throw new ProbeFailure(connection.target.failure);
      endpoint = connection.target.endpoint;
      const agent = connection.target.agent;

      const version = await getFromAPIServer(endpoint, agent, '/version', signal);
      if (version.status !== 200) throw new ProbeFailure(describeStatus(version.status, '/version'));
      const gitVersion = gitVersionOf(version.body);
      if (gitVersion === undefined) throw new ProbeFailure('/version did not answer a Kubernetes version');
      const readyz = await getFromAPIServer(endpoint, agent, '/readyz', signal);
      // Servers that do not serve /readyz (older or proxied) are judged on /version alone.
      if (readyz.status !== 200 && readyz.status !== 404) throw new ProbeFailure(describeStatus(readyz.status, '/readyz'));
      connection.timedOut = false;
      return result({ ok: true, version: gitVersion });
    } catch (err) {
      if (connection && !(outer?.aborted ?? false)) connection.timedOut = timeout.signal.aborted;
      const message = failureMessage(err, endpoint, timeout.signal.aborted, outer?.aborted ?? false);
      if (!(err instanceof ProbeFailure) && endpoint === undefined) {
        // A defect of ours, not of the cluster: worth a warning (kubeconfig content never reaches here).
        logger?.warn({ cluster: key, error: String(err) }, 'probe failed unexpectedly');
      }
      logger?.debug({ cluster: key, message }, 'probe failed');
      return result({ ok: false, message });
    } finally {
      clearTimeout(timer);
    }
  }

  function failureMessage(err: unknown, endpoint: ClusterEndpoint | undefined, timedOut: boolean, cancelled: boolean): string {
    if (timedOut) return `timeout after ${formatDuration(timeoutMs)}`;
    if (cancelled) return 'probe cancelled';
    if (err instanceof ProbeFailure) return err.message;
    if (endpoint) return describeConnectionError(err, endpoint);
    return 'probe failed: internal error';
  }

  function closeConnection(connection: Connection | undefined): void {
    if (connection && 'agent' in connection.target) connection.target.agent.destroy();
  }

  return {
    async probeAll(clusters, signal) {
      round += 1;
      const results = new Map<ClusterKey, ProbeResult>();
      const lane = async (queue: readonly SveltosCluster[], width: number) => {
        let next = 0;
        const worker = async () => {
          while (next < queue.length) {
            const outcome = await probeOne(queue[next++]!, signal);
            results.set(outcome.cluster, outcome);
          }
        };
        await Promise.all(Array.from({ length: Math.min(width, queue.length) }, worker));
      };
      const suspect = (c: SveltosCluster) => connections.get(clusterKey(c.metadata))?.timedOut === true;
      await Promise.all([
        lane(clusters.filter((c) => !suspect(c)), concurrency),
        lane(clusters.filter(suspect), suspectConcurrency),
      ]);
      for (const [key, connection] of connections) {
        if (round - connection.lastUsedRound >= IDLE_ROUNDS_BEFORE_EVICTION) {
          closeConnection(connection);
          connections.delete(key);
        }
      }
      // Callers iterate the map: give it the order of the input, not of completion.
      return new Map(clusters.map((c) => {
        const key = clusterKey(c.metadata);
        return [key, results.get(key)!] as const;
      }));
    },
    close() {
      for (const connection of connections.values()) closeConnection(connection);
      connections.clear();
    },
  };
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

async function stampsOf(files: readonly string[]): Promise<Map<string, string>> {
  const stamps = new Map<string, string>();
  for (const file of files) {
    try {
      const s = await stat(file);
      stamps.set(file, `${s.mtimeMs}:${s.size}:${s.ino}`);
    } catch {
      stamps.set(file, 'missing');
    }
  }
  return stamps;
}

async function stampsUnchanged(stamps: Map<string, string>): Promise<boolean> {
  if (stamps.size === 0) return true;
  const now = await stampsOf([...stamps.keys()]);
  for (const [file, stamp] of stamps) if (now.get(file) !== stamp) return false;
  return true;
}
