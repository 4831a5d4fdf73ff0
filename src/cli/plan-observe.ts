// `gitset plan --observe`: the clusters as the daemon would see them this cycle, read only. Every
// unpaused cluster is probed once; the answering ones' helm release inventory is read, and every
// release gitset looks after gets its closer look (health, drift where detected). Nothing is
// written to any cluster. What cannot be read is reported, and that cluster is not observed.
import { clusterKey, type ClusterKey, type ProfileObject, type SveltosCluster } from '../model/objects.ts';
import type { ProbeResult } from '../model/ports.ts';
import { trackedReleases } from '../daemon/observe-fleet.ts';
import type { KubeGet } from '../observe/cluster-reader.ts';
import { observeFleet, type Observations } from '../observe/fleet.ts';
import { DEFAULT_DRIFT_INTERVAL_MS } from '../observe/schedule.ts';
import { createHealthScriptRunner } from '../observe/health-script-pool.ts';
import { createProber } from '../probe/prober.ts';
import type { PreviousStatus } from '../status/snapshot.ts';

export interface PlanObservation {
  probes: Map<ClusterKey, ProbeResult>;
  observed: Observations;
  /** `civo/cluster1: release inventory: 403 Forbidden`: reads that failed. */
  problems: string[];
}

const OBSERVE_PARALLELISM = 16;

export async function observeForPlan(
  repo: { clusters: readonly SveltosCluster[]; profiles: readonly ProfileObject[] },
  previous: PreviousStatus,
  opts: { credentialsDir: string; timeoutMs: number; now: number },
): Promise<PlanObservation> {
  const prober = createProber({ credentialsDir: opts.credentialsDir, timeoutMs: opts.timeoutMs });
  const scripts = createHealthScriptRunner();
  try {
    const probes = await prober.probeAll(repo.clusters.filter((c) => c.spec.paused !== true));
    const answering: Array<{ cluster: ClusterKey; get: KubeGet }> = [];
    for (const c of repo.clusters) {
      const key = clusterKey(c.metadata);
      const get = probes.get(key)?.ok === true ? prober.reader(c) : undefined;
      if (get) answering.push({ cluster: key, get });
    }
    const problems: string[] = [];
    const seen = await observeFleet({
      clusters: answering,
      tracked: trackedReleases(previous, repo.profiles),
      // An empty memory makes every release due: one full look, as a plan is run once.
      driftIntervalMs: DEFAULT_DRIFT_INTERVAL_MS,
      lastLook: new Map(),
      now: opts.now,
      parallelism: OBSERVE_PARALLELISM,
      scripts,
      onError: (cluster, what, err) => problems.push(`${cluster}: ${what}: ${err instanceof Error ? err.message : String(err)}`),
    });
    return { probes, observed: seen.observations, problems };
  } finally {
    prober.close();
    await scripts.close();
  }
}
