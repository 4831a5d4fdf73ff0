// The middle of a cycle: probe → observe → select and plan (pure, around the helm and kubectl
// calls in flight) → hand new work to the background → record the calls that ended. Nothing here
// waits for helm, kubectl or Git, so a probe round lasts about one probe timeout whatever they do.
import type { Logger } from 'pino';
import { clusterKey, type ClusterKey } from '../model/objects.ts';
import { ownsCluster, type Shard } from '../select/shard.ts';
import { ownPart } from '../status/shards.ts';
import type { KubectlRunner, ProbeResult, Prober } from '../model/ports.ts';
import { planPolicyStep, type PolicyStep } from './policies.ts';
import type { PolicyLanes } from './policy-work.ts';
import type { SourceBuilds } from './source-builds.ts';
import type { Observations } from '../observe/fleet.ts';
import { computeCycle, recordResults, type ActionOutcome, type CycleResult } from '../plan/cycle.ts';
import { DEFAULT_BREAKER, type BreakerOptions, type BreakerStatus } from '../select/breaker.ts';
import type { PreviousStatus, StatusSnapshot } from '../status/snapshot.ts';
import type { HelmWork } from './execute.ts';
import type { DaemonMetrics } from './metrics.ts';
import { observeChanges } from './observe.ts';
import { observeAnswering, trackedReleases, type ObserveSettings } from './observe-fleet.ts';
import type { InForce } from './revision.ts';
import type { RevisionStatus } from './revision-status.ts';

/** Failed probes in a row after which a cluster's running helm calls are cut short. */
export const CUT_SHORT_AFTER_FAILURES = 2;

export interface PlanStepDeps {
  prober: Prober;
  /** policyRefs: applied with kubectl in the background (policy-work.ts); absent, not acted on. */
  kubectl?: KubectlRunner;
  credentialsDir: string;
  helmParallelism: number;
  observe?: ObserveSettings;
  failureThreshold?: number;
  breaker?: BreakerOptions;
  metrics: DaemonMetrics;
  /** With several replicas: only this shard's clusters are probed, observed and worked on. */
  shard?: Shard;
}

/** What one cycle's plan step needs and changes. */
export interface PlanStep {
  deps: PlanStepDeps;
  work: HelmWork;
  /** policyRefs' kubectl work in the background; absent without kubectl. */
  policies?: PolicyLanes;
  /** kustomizationRefs and Flux sources, built in the background. */
  builds?: SourceBuilds;
  log: Logger;
  now: () => Date;
  /** When each release was last looked at closely; see observe-fleet. */
  lastLook: Map<string, number>;
  revisionStatus: RevisionStatus;
  /** False at shutdown and when a cycle is only recording: nothing new is started. */
  startWork: boolean;
}

export interface Planned {
  planned: CycleResult;
  /** The outcomes folded into `next` (what a later recording of `planned` must keep). */
  recorded: ActionOutcome[];
  next: StatusSnapshot;
  breaker?: BreakerStatus;
  failures: string[];
  observeRequests: number;
  /** Puts this cycle's policy records onto a later recording of `planned`, with kubectl work that ended since. */
  graft?: PolicyStep['graft'];
}

export async function planCycle(step: PlanStep, inForce: InForce, prev: PreviousStatus): Promise<Planned> {
  const { deps, work, log, now } = step;
  const repo = inForce.repo;
  // Another shard's clusters are neither probed nor touched: their health is what that shard committed.
  const shard = deps.shard;
  const mine = shard && shard.count > 1 ? repo.clusters.filter((c) => ownsCluster(shard, clusterKey(c.metadata))) : repo.clusters;
  const probes = await deps.prober.probeAll(mine);
  // The decision's time is the probe's, whatever comes after it.
  const probedAt = now();
  for (const p of probes.values()) deps.metrics.probes.inc({ result: p.ok ? 'ok' : 'failed' });
  const seen = deps.observe ? await observe(step, deps.observe, inForce, mine, probes, prev) : undefined;
  // Taken in the same tick as planning and scheduling: nothing starts or ends in between.
  const taken = work.take();
  const planned = computeCycle({
    revision: inForce.prepared,
    previous: prev,
    probes,
    now: probedAt,
    defaultFailureThreshold: deps.failureThreshold,
    breaker: { options: deps.breaker ?? DEFAULT_BREAKER, previous: step.revisionStatus.breaker },
    inFlight: taken.keys,
    ...(seen ? { observed: seen.observed } : {}),
  });
  cutShortUnanswering([work, ...(step.policies ? [step.policies] : [])], probes, planned.snapshot);
  // A cluster that failed this round's probe gets no new call; the next round plans it again.
  const ours = (cluster: ClusterKey): boolean => !shard || ownsCluster(shard, cluster);
  if (step.startWork) work.schedule(planned.actions.filter((a) => probes.get(a.cluster)?.ok !== false && ours(a.cluster)), mine);
  const failures = taken.finished.filter((o) => !o.ok).map((o) => `${o.action.action} ${o.action.release.releaseNamespace}/${o.action.release.releaseName} on ${o.action.cluster}: ${o.ok ? '' : o.error}`);
  let next = recordResults(planned, taken.finished, now());
  // After recording: folding in helm's outcomes is what settles a failover.
  // Each shard tells of (and counts) the changes of what it owns.
  const own = (x: StatusSnapshot): StatusSnapshot => (shard && shard.count > 1 ? ownPart(x, shard) : x);
  observeChanges(own(prev), own(next), { logger: log, metrics: deps.metrics });
  let graft: Planned['graft'];
  if (step.policies) {
    const builds = step.builds;
    const policies = planPolicyStep({ repo, snapshot: next, previous: prev, probes, taken: step.policies.take(), now, ...(builds ? { builds: (r) => builds.current(r) } : {}) }, failures);
    if (step.startWork) step.policies.schedule(policies.work.filter((w) => ours(w.cluster)), mine);
    next = policies.snapshot;
    graft = policies.graft;
  }
  return {
    planned,
    recorded: taken.finished,
    next,
    ...(graft ? { graft } : {}),
    ...(planned.breaker ? { breaker: planned.breaker } : {}),
    failures,
    observeRequests: seen?.requests ?? 0,
  };
}

/** A cluster that stopped answering (failed probes in a row, or not ready) has its running calls cut short. */
function cutShortUnanswering(lanes: ReadonlyArray<Pick<HelmWork, 'cutShort'>>, probes: ReadonlyMap<ClusterKey, ProbeResult>, snapshot: StatusSnapshot): void {
  for (const [key, probe] of probes) {
    if (probe.ok) continue;
    const status = snapshot.clusters.get(key)?.status;
    if (!status || (status.ready !== false && (status.connectionFailures ?? 0) < CUT_SHORT_AFTER_FAILURES)) continue;
    for (const l of lanes) l.cutShort(key, `cut short: ${key} stopped answering probes (${probe.message ?? 'failed'})`);
  }
}

/** What the answering clusters show of the releases gitset looks after. */
async function observe(step: PlanStep, settings: ObserveSettings, inForce: InForce, clusters: InForce['repo']['clusters'], probes: ReadonlyMap<ClusterKey, ProbeResult>, prev: PreviousStatus): Promise<{ observed: Observations; requests: number }> {
  const repo = inForce.repo;
  return observeAnswering({
    settings,
    clusters,
    probes,
    tracked: trackedReleases(prev, repo.profiles),
    lastLook: step.lastLook,
    now: step.now().getTime(),
    logger: step.log,
    metrics: step.deps.metrics,
  });
}
