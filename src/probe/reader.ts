// GETs for observing a cluster, over the kept-alive agent and credentials its probe uses: the
// same TLS session, no second kubeconfig parse. Unlike a probe, an observation read takes big
// answers whole (a release record of a big chart reaches megabytes) and fails rather than cut one.
import type http from 'node:http';
import { ClusterReadError, type KubeGet } from '../observe/cluster-reader.ts';
import { describeConnectionError, getFromAPIServer } from './apiserver.ts';
import type { ClusterEndpoint } from './kubeconfig.ts';

export interface ReadOptions {
  /** One request, connect to last byte. */
  timeoutMs: number;
  /**
   * The answer must begin within this time (the prober gives its probe timeout): a server that
   * hangs after its probe stalls the cycle, and the next probe round, no longer than a probe would.
   */
  answerWithinMs?: number;
  /** Larger answers fail the read. */
  maxBodyBytes: number;
  /** Cancels every read in flight (shutdown). */
  signal?: AbortSignal;
}

/** Default time one observation read may take: a few MB over a slow link, not a hung server. */
export const DEFAULT_READ_TIMEOUT_MS = 30_000;
/** Default answer size: helm's release records are at most 1 MiB each, discovery of a big API group a few. */
export const DEFAULT_READ_BODY_BYTES = 32 * 1024 * 1024;

/** A KubeGet on one cluster; its failures are ClusterReadErrors in words safe to log (no credentials). */
export function apiServerGet(target: { endpoint: ClusterEndpoint; agent: http.Agent }, options: ReadOptions): KubeGet {
  return async (path, accept) => {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    try {
      return await getFromAPIServer(target.endpoint, target.agent, path, signal, {
        ...(accept !== undefined ? { accept } : {}),
        maxBodyBytes: options.maxBodyBytes,
        rejectLarger: true,
        ...(options.answerWithinMs !== undefined ? { answerWithinMs: options.answerWithinMs } : {}),
        userAgent: 'gitset-observe',
      });
    } catch (err) {
      const why = timeout.aborted ? `timeout after ${options.timeoutMs}ms` : options.signal?.aborted ? cancelled(options.signal) : describeConnectionError(err, target.endpoint);
      throw new ClusterReadError(`GET ${path.split('?')[0]}: ${why}`, { cause: err });
    }
  };
}

/** The reason a read was cancelled, as its canceller gave it (an Error's message), else `cancelled`. */
function cancelled(signal: AbortSignal): string {
  return signal.reason instanceof Error && !(signal.reason instanceof DOMException) ? signal.reason.message : 'cancelled';
}
