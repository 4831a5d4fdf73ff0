// This cycle's look at the clusters: which releases gitset looks after (from the last status and
// the revision in force), then `observeFleet` over the answering clusters' probe connections. What
// cannot be read is logged and counted per cluster; the plan treats that cluster as not observed.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { clusterKey, objectId, type ClusterKey, type ProfileObject, type SveltosCluster } from '../model/objects.ts';
import type { ClusterReader, HealthScriptRunner, ProbeResult } from '../model/ports.ts';
import { helmHealthChecks } from '../load/validate-healths.ts';
import type { KubeGet } from '../observe/cluster-reader.ts';
import { parseDriftExclusions } from '../observe/drift.ts';
import { lookKey, observeFleet, type Observations, type Tracked } from '../observe/fleet.ts';
import { DEFAULT_DRIFT_INTERVAL_MS } from '../observe/schedule.ts';
import type { PreviousStatus } from '../status/snapshot.ts';
import type { DaemonMetrics } from './metrics.ts';

export const DEFAULT_OBSERVE_PARALLELISM = 16;
/** Default time one cycle gives its observation: the default probe interval. */
export const DEFAULT_OBSERVE_BUDGET_MS = 10_000;

export interface ObserveSettings {
  reader: ClusterReader;
  /** 0: no periodic looks, only releases not yet Healthy are looked at. */
  driftIntervalMs?: number;
  parallelism?: number;
  /**
   * Time a cycle gives its observation (the daemon gives its probe interval): reads still under
   * way then are cut, and clusters not reached are not observed this cycle. A cluster that answers
   * its probe and then sends slowly costs one budget at most, never the next probe round.
   */
  budgetMs?: number;
  /** Runs the profiles' validateHealths scripts (a worker thread the daemon owns). */
  scripts?: HealthScriptRunner;
}

export interface CycleObservation {
  observed: Observations;
  requests: number;
  errors: number;
}

/** Releases gitset installed on a cluster, as the previous status records them, with their profile's drift settings. */
export function trackedReleases(previous: PreviousStatus, profiles: readonly ProfileObject[]): Tracked[] {
  const inForce = new Map(profiles.map((p) => [objectId(p), p] as const));
  const byKey = new Map<string, Tracked>();
  for (const [id, entry] of previous.profiles) {
    const profile = inForce.get(id);
    const detectDrift = profile?.spec.syncMode === 'ContinuousWithDriftDetection';
    const exclusions = detectDrift ? parseDriftExclusions(profile?.spec.driftExclusions) : [];
    const checks = profile ? helmHealthChecks(profile) : [];
    const healthChecks = checks.length > 0 ? { healthChecks: { profile: id, checks } } : {};
    for (const { cluster, releases } of entry.status.clusters ?? []) {
      for (const r of releases) {
        // Nothing of these is on the cluster by gitset's hand: the inventory alone says the rest.
        if (r.state === 'Conflict' || r.state === 'Uninstalled' || r.state === 'DryRun') continue;
        const key = `${cluster} ${r.releaseNamespace}/${r.releaseName}`;
        const seen = byKey.get(key);
        if (seen && (seen.detectDrift || !detectDrift)) continue;
        byKey.set(key, { cluster, releaseNamespace: r.releaseNamespace, releaseName: r.releaseName, health: r.health, detectDrift, exclusions, ...healthChecks });
      }
    }
  }
  return [...byKey.values()];
}

/** Sveltos' `driftExclusions` as the repository writes them (kept here for its callers). */
export const driftExclusions = parseDriftExclusions;

/**
 * Observes the clusters whose probe answered this cycle (paused ones excepted: nothing is done on them),
 * over their probe connections. `lastLook` is the cycle's memory of when each release was looked at.
 */
export async function observeAnswering(input: {
  settings: ObserveSettings;
  clusters: readonly SveltosCluster[];
  probes: ReadonlyMap<ClusterKey, ProbeResult>;
  tracked: readonly Tracked[];
  lastLook: Map<string, number>;
  now: number;
  logger: Logger;
  metrics: DaemonMetrics;
}): Promise<CycleObservation> {
  const { settings, logger, metrics } = input;
  const started = performance.now();
  const budgetMs = settings.budgetMs ?? DEFAULT_OBSERVE_BUDGET_MS;
  const budget = new AbortController();
  const timer = setTimeout(() => budget.abort(new Error(`observation budget of ${budgetMs}ms over`)), budgetMs);
  const answering: Array<{ cluster: ClusterKey; get: KubeGet }> = [];
  for (const c of input.clusters) {
    const key = clusterKey(c.metadata);
    if (c.spec.paused === true || input.probes.get(key)?.ok !== true) continue;
    const get = settings.reader.reader(c, budget.signal);
    if (get) answering.push({ cluster: key, get });
  }
  let errors = 0;
  const seen = await observeFleet({
    signal: budget.signal,
    clusters: answering,
    tracked: input.tracked,
    lastLook: input.lastLook,
    now: input.now,
    driftIntervalMs: settings.driftIntervalMs ?? DEFAULT_DRIFT_INTERVAL_MS,
    parallelism: settings.parallelism ?? DEFAULT_OBSERVE_PARALLELISM,
    ...(settings.scripts ? { scripts: settings.scripts } : {}),
    onError(cluster, what, err) {
      errors++;
      metrics.observeErrors.inc();
      logger.warn({ cluster, read: what, err: err instanceof Error ? err.message : String(err) }, 'cluster observation failed');
    },
  }).finally(() => clearTimeout(timer));
  if (seen.skipped.length > 0) {
    errors += seen.skipped.length;
    logger.warn({ clusters: seen.skipped.length, budgetMs }, 'observation budget over: clusters not reached are not observed this cycle (nothing is withdrawn there)');
  }
  // Releases no longer tracked need no turn: the memory stays the size of the fleet's releases.
  const keys = new Set(input.tracked.map(lookKey));
  for (const key of input.lastLook.keys()) if (!keys.has(key)) input.lastLook.delete(key);
  metrics.observeRequests.inc(seen.requests);
  metrics.observeDuration.observe((performance.now() - started) / 1000);
  return { observed: seen.observations, requests: seen.requests, errors };
}
