// How a probe moves a cluster's health: a few failures in a row make it not ready, one success
// makes it ready again. Pure; the time is passed in (the cycle's, as ISO 8601 text: one string
// for every cluster a cycle sees change). Sveltos' own rules (sveltoscluster
// controller), with one difference: the failure count stops at the threshold once the cluster is
// down, so a long outage does not rewrite (and commit) the status file on every probe.
import type { ProbeResult } from '../model/ports.ts';
import type { ClusterStatus } from '../model/status.ts';

export const DEFAULT_FAILURE_THRESHOLD = 3;

/** Status of a cluster gitset has not seen yet: it counts as ready until probes say otherwise. */
export const UNKNOWN_HEALTH: ClusterStatus = Object.freeze({ ready: true });

export function nextClusterStatus(
  prev: ClusterStatus | undefined,
  probe: ProbeResult,
  threshold: number | undefined,
  at: string,
): ClusterStatus {
  const limit = Math.max(1, Math.floor(threshold ?? DEFAULT_FAILURE_THRESHOLD));
  const wasReady = prev?.ready ?? true;
  const since = (ready: boolean): string | undefined =>
    prev !== undefined && ready === wasReady && prev.lastTransitionTime !== undefined
      ? prev.lastTransitionTime
      : at;

  if (probe.ok) {
    // The steady state: a healthy cluster that stays healthy keeps its status object as it is.
    if (
      prev?.ready === true &&
      prev.connectionStatus === 'Healthy' &&
      prev.connectionFailures === 0 &&
      prev.failureMessage === undefined &&
      prev.lastTransitionTime !== undefined &&
      (probe.version === undefined || probe.version === prev.version)
    ) {
      return prev;
    }
    const version = probe.version ?? prev?.version;
    return version === undefined
      ? { ready: true, connectionStatus: 'Healthy', connectionFailures: 0, lastTransitionTime: since(true) }
      : { ready: true, version, connectionStatus: 'Healthy', connectionFailures: 0, lastTransitionTime: since(true) };
  }
  const failures = Math.min((prev?.connectionFailures ?? 0) + 1, limit);
  const ready = wasReady && failures < limit;
  return compact({
    ready,
    version: prev?.version,
    connectionStatus: ready ? 'Healthy' : 'Down',
    connectionFailures: failures,
    failureMessage: probe.message ?? 'probe failed',
    lastTransitionTime: since(ready),
    // When the trouble began: what a failover's total time counts from.
    firstFailureTime: prev?.firstFailureTime ?? at,
  });
}

/**
 * What a cluster's status file says of its health. Failed probes below the threshold are counted
 * in memory only: a flaky probe is not a commit on the branch people work on (1k clusters with 1%
 * flaky probes made a commit every round). Once the cluster is not ready, the count, the message
 * and the time of the first failure are written. A restart forgets a streak below the threshold,
 * so it can delay a failover by at most one threshold.
 */
export function committedClusterStatus(s: ClusterStatus): ClusterStatus {
  if (!s.ready || (s.connectionFailures ?? 0) === 0) return s;
  const out: ClusterStatus = { ready: true };
  if (s.version !== undefined) out.version = s.version;
  out.connectionStatus = 'Healthy';
  out.connectionFailures = 0;
  if (s.lastTransitionTime !== undefined) out.lastTransitionTime = s.lastTransitionTime;
  return out;
}

/** `3 failed probes: timeout after 5s`: the detail a not-ready cluster is explained with. */
export function notReadyDetail(status: ClusterStatus): string {
  const n = status.connectionFailures ?? 0;
  const count = n > 0 ? `${n} failed probe${n === 1 ? '' : 's'}` : 'not answering';
  return status.failureMessage ? `${count}: ${status.failureMessage}` : count;
}

function compact(s: ClusterStatus): ClusterStatus {
  const out: ClusterStatus = { ready: s.ready };
  if (s.version !== undefined) out.version = s.version;
  if (s.connectionStatus !== undefined) out.connectionStatus = s.connectionStatus;
  if (s.connectionFailures !== undefined) out.connectionFailures = s.connectionFailures;
  if (s.failureMessage !== undefined) out.failureMessage = s.failureMessage;
  if (s.lastTransitionTime !== undefined) out.lastTransitionTime = s.lastTransitionTime;
  if (s.firstFailureTime !== undefined) out.firstFailureTime = s.firstFailureTime;
  return out;
}
