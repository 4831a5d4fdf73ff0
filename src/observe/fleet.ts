// Observing the fleet for one cycle: every answering cluster's release inventory (one request
// each), then the closer looks that are due (health until healthy, drift once per interval).
// What could not be read is said, never guessed: a cluster without an inventory is left out of
// the result, and the plan then treats it as not observed (nothing is withdrawn there).
import { createHash } from 'node:crypto';
import type { ClusterKey, ValidateHealth } from '../model/objects.ts';
import type { HealthScriptRunner } from '../model/ports.ts';
import type { KubeGet } from './cluster-reader.ts';
import { Discovery, readReleaseInventory } from './cluster-reader.ts';
import type { DriftExclusion } from './drift.ts';
import type { Health, HealthState } from './health.ts';
import { inventoryKey, type ObservedRelease } from './inventory.ts';
import { lookAtRelease, type ReleaseLook } from './look.ts';
import { dueChecks } from './schedule.ts';
import { runHealthChecks } from './validate-health.ts';

/** What one cluster showed this cycle. */
export interface ClusterObservation {
  /** helm's releases on the cluster, keyed `namespace/name`. */
  releases: ReadonlyMap<string, ObservedRelease>;
  /** Closer looks taken this cycle, keyed `namespace/name`. */
  looks: ReadonlyMap<string, ReleaseLook>;
}

export type Observations = ReadonlyMap<ClusterKey, ClusterObservation>;

/** A release gitset looks after, as the previous status and the revision describe it. */
export interface Tracked {
  cluster: ClusterKey;
  releaseNamespace: string;
  releaseName: string;
  health: HealthState | undefined;
  detectDrift: boolean;
  exclusions: readonly DriftExclusion[];
  /** The profile's `validateHealths` for its helm feature: part of the release's health. */
  healthChecks?: { profile: string; checks: readonly ValidateHealth[] };
}

export interface ObserveInput {
  /** Clusters that answered this cycle's probe, with a way to read them. */
  clusters: ReadonlyArray<{ cluster: ClusterKey; get: KubeGet }>;
  tracked: readonly Tracked[];
  /** 0 turns periodic looks off: only releases not known Healthy are looked at, without drift. */
  driftIntervalMs: number;
  /** When each release was last looked at (`cluster ns/name` → ms); updated in place. */
  lastLook: Map<string, number>;
  now: number;
  /** Clusters read at once. */
  parallelism: number;
  onError(cluster: ClusterKey, what: string, err: unknown): void;
  /** Once aborted, no cluster's observation starts (those under way end as their reads fail). */
  signal?: AbortSignal;
  /** Runs validateHealths scripts; without it a release with checks is never judged Healthy. */
  scripts?: HealthScriptRunner;
}

export interface FleetObservation {
  observations: Map<ClusterKey, ClusterObservation>;
  /** Requests sent (inventory lists, records, live objects, discovery): what a cycle costs the fleet. */
  requests: number;
  /** Clusters not observed because `signal` ended the observation before their turn. */
  skipped: ClusterKey[];
}

export async function observeFleet(input: ObserveInput): Promise<FleetObservation> {
  const byCluster = new Map<ClusterKey, Tracked[]>();
  for (const t of input.tracked) byCluster.set(t.cluster, [...(byCluster.get(t.cluster) ?? []), t]);
  const observations = new Map<ClusterKey, ClusterObservation>();
  let requests = 0;
  const queue = [...input.clusters];
  const skipped: ClusterKey[] = [];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      if (input.signal?.aborted) {
        skipped.push(next.cluster);
        continue;
      }
      const counted: KubeGet = (path, accept) => (requests++, next.get(path, accept));
      const seen = await observeCluster(next.cluster, counted, byCluster.get(next.cluster) ?? [], input);
      if (seen) observations.set(next.cluster, seen);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.parallelism, queue.length)) }, worker));
  return { observations, requests, skipped };
}

async function observeCluster(cluster: ClusterKey, get: KubeGet, tracked: readonly Tracked[], input: ObserveInput): Promise<ClusterObservation | undefined> {
  let releases: Map<string, ObservedRelease>;
  try {
    releases = await readReleaseInventory(get);
  } catch (err) {
    input.onError(cluster, 'release inventory', err);
    return undefined;
  }
  const looks = new Map<string, ReleaseLook>();
  const items = tracked.map((t) => ({ ...t, key: lookKey(t) }));
  const discovery = new Discovery(get);
  for (const { item, drift } of dueLooks(items, input)) {
    const release = releases.get(inventoryKey(item.releaseNamespace, item.releaseName));
    input.lastLook.set(item.key, input.now);
    if (!release?.marked) continue; // absent or not gitset's: the inventory alone decides
    try {
      looks.set(inventoryKey(item.releaseNamespace, item.releaseName), await lookAtRelease(get, discovery, release, { drift, exclusions: item.exclusions }));
    } catch (err) {
      input.onError(cluster, `release ${item.releaseNamespace}/${item.releaseName}`, err);
    }
  }
  await applyHealthChecks(cluster, get, discovery, items, looks, input);
  return { releases, looks };
}

/**
 * A profile's validateHealths, run where its releases were looked at this cycle and their workloads
 * are all Healthy: a check that fails makes each of them Progressing with its reason, so the
 * profile counts as deployed and healthy there (failover done, drains, orphans) only once it passes.
 */
async function applyHealthChecks(cluster: ClusterKey, get: KubeGet, discovery: Discovery, tracked: readonly Tracked[], looks: Map<string, ReleaseLook>, input: ObserveInput): Promise<void> {
  const byProfile = new Map<string, { checks: readonly ValidateHealth[]; keys: string[] }>();
  for (const t of tracked) {
    const key = inventoryKey(t.releaseNamespace, t.releaseName);
    if (!t.healthChecks || t.healthChecks.checks.length === 0 || !looks.has(key)) continue;
    const group = byProfile.get(t.healthChecks.profile) ?? { checks: t.healthChecks.checks, keys: [] };
    group.keys.push(key);
    byProfile.set(t.healthChecks.profile, group);
  }
  for (const [profile, { checks, keys }] of byProfile) {
    if (keys.some((k) => looks.get(k)!.health.state !== 'Healthy')) continue;
    let verdict: Health | undefined;
    try {
      verdict = input.scripts ? await runHealthChecks(get, discovery, checks, input.scripts) : { state: 'Unknown', message: 'validateHealths not evaluated here' };
    } catch (err) {
      input.onError(cluster, `health checks of ${profile}`, err);
      verdict = { state: 'Unknown', message: `validateHealths not evaluated: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (verdict) for (const k of keys) looks.set(k, { ...looks.get(k)!, health: verdict });
  }
}

/**
 * A release's key in the memory of looks: `cluster ns/name`, plus a digest of its profile's
 * validateHealths when it has some, so that changed checks are a key never looked at: due at once,
 * even for a release already Healthy.
 */
export function lookKey(t: Pick<Tracked, 'cluster' | 'releaseNamespace' | 'releaseName' | 'healthChecks'>): string {
  const key = `${t.cluster} ${inventoryKey(t.releaseNamespace, t.releaseName)}`;
  if (!t.healthChecks || t.healthChecks.checks.length === 0) return key;
  return `${key} checks:${createHash('sha256').update(JSON.stringify(t.healthChecks.checks)).digest('hex').slice(0, 12)}`;
}

function dueLooks<T extends Tracked & { key: string }>(items: readonly T[], input: ObserveInput): Array<{ item: T; drift: boolean }> {
  if (input.driftIntervalMs > 0) return dueChecks(items, input.lastLook, input.now, input.driftIntervalMs);
  const unjudged = (item: T) => item.health !== 'Healthy' || (item.healthChecks !== undefined && !input.lastLook.has(item.key));
  return items.filter(unjudged).map((item) => ({ item, drift: false }));
}
