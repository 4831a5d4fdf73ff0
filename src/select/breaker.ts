// The mass-failure circuit breaker. When many clusters fail in the same probe round, it is more
// likely that gitset itself is cut off (a partition, a dead proxy, expired credentials) than that
// the fleet died; acting on it would withdraw everything everywhere. So the breaker opens, sets
// freeze, and it closes by itself once probes answer again. Pure: probes and clock in, verdict out.
import type { ClusterKey } from '../model/objects.ts';
import type { ProbeResult } from '../model/ports.ts';

export interface BreakerOptions {
  /** Open when more than this share of the probed clusters failed (0..1). */
  share: number;
  /** …and at least this many failed. */
  minFailures: number;
}

export const DEFAULT_BREAKER: BreakerOptions = Object.freeze({ share: 0.5, minFailures: 3 });

export type BreakerState = 'open' | 'closed';

/** What status/gitset.yaml records. `since` and `reason` change only when the state flips. */
export interface BreakerStatus {
  state: BreakerState;
  /** RFC 3339: when the breaker last changed state; absent when it never opened. */
  since?: string;
  reason?: string;
}

export const CLOSED: BreakerStatus = Object.freeze({ state: 'closed' });

/**
 * Why the breaker should be open after this probe round, or undefined when it should be closed.
 * `alreadyDown` holds clusters that were not ready before this round: one that fails again (dead
 * for ten minutes) is old news, not part of a mass failure now, so it counts neither as failed
 * nor as probed.
 */
export function tripReason(probes: ReadonlyMap<ClusterKey, ProbeResult>, options: BreakerOptions, alreadyDown: ReadonlySet<ClusterKey> = NONE): string | undefined {
  // One already down that answers again still counts: it is evidence that gitset is not cut off.
  const round = [...probes.values()].filter((p) => p.ok || !alreadyDown.has(p.cluster));
  const probed = round.length;
  if (probed === 0) return undefined;
  const failed = round.filter((p) => !p.ok);
  if (failed.length === 0) return undefined;
  const sample = failed[0]!;
  const example = `${sample.cluster}: ${sample.message ?? 'probe failed'}`;
  const skipped = probes.size - probed;
  const besides = skipped > 0 ? `, not counting ${skipped} already not ready` : '';
  if (failed.length === probed) {
    return `no cluster could be reached: all ${probed} probe${probed === 1 ? '' : 's'} failed (e.g. ${example}${besides}); gitset is more likely cut off than the fleet down`;
  }
  if (failed.length >= options.minFailures && failed.length > options.share * probed) {
    const pct = Math.round(options.share * 100);
    return `${failed.length} of ${probed} probed clusters failed in the same round (more than ${pct}% and at least ${options.minFailures}; e.g. ${example}${besides}); gitset is more likely cut off than the fleet down`;
  }
  return undefined;
}

const NONE: ReadonlySet<ClusterKey> = new Set();

/**
 * Next breaker status: the trip's time and reason stay while it stays open, so the status does not
 * tick. `alreadyDown` (clusters not ready before this round) is left out only while the breaker is
 * closed: once open, it stays open while the round fails as a whole, even after the partition has
 * made every cluster not ready.
 */
export function nextBreaker(
  previous: BreakerStatus | undefined,
  probes: ReadonlyMap<ClusterKey, ProbeResult>,
  options: BreakerOptions,
  now: Date,
  alreadyDown: ReadonlySet<ClusterKey> = NONE,
): BreakerStatus {
  const prev = previous ?? CLOSED;
  const reason = tripReason(probes, options, prev.state === 'open' ? NONE : alreadyDown);
  if (reason !== undefined) {
    return prev.state === 'open' ? prev : { state: 'open', since: now.toISOString(), reason };
  }
  if (prev.state === 'open') return { state: 'closed', since: now.toISOString(), reason: 'probes answer again' };
  return prev;
}
