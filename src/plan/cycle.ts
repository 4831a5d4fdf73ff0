// The pure heart of a reconcile cycle. `computeCycle` turns a prepared revision, the previous status
// and (in the daemon) this cycle's probe results into every object's new status and the helm
// actions to run; `recordResults` (record-results.ts) folds what helm did into the statuses.
// Running either again on the same input gives the same output, so a cycle killed halfway simply
// converges next time.
import type { ClusterKey } from '../model/objects.ts';
import { objectId } from '../model/objects.ts';
import type { Observations } from '../observe/fleet.ts';
import type { ProbeResult } from '../model/ports.ts';
import type { ProfileClusterStatus, ProfileStatus, SetStatus } from '../model/status.ts';
import { matchingClusters } from '../select/profiles.ts';
import { nextBreaker, type BreakerOptions, type BreakerStatus } from '../select/breaker.ts';
import { cordonedClusters, selectWithPolicy } from '../select/failover-policy.ts';
import { FleetHealth } from '../select/sets.ts';
import { endedDrains } from '../select/drain.ts';
import { deployedAtBySet } from '../select/failovers.ts';
import { nextClusterStatus, UNKNOWN_HEALTH } from '../status/cluster-health.ts';
import { emptySnapshot, toDoc, type PreviousStatus, type StatusSnapshot } from '../status/snapshot.ts';
import type { DecisionKind, PlannedAction, ReleaseDecision } from './decide.ts';
import { releaseKey } from './desired.ts';
import { planReleases, type CurrentProfile, type ReleasePlan } from './releases.ts';
import { holdWaves } from './rollout.ts';
import { exclusiveStages, holdPromotions, promotionId } from './promotion.ts';
import { dependencyGraph, profilePaused, withDependentsClusters, type DependencyGraph } from './depends.ts';
import type { Revision } from './revision.ts';

export { prepareRevision, type RepositoryObjects, type Revision } from './revision.ts';
export { APPLIED_HEALTH_MESSAGE, recordResults, type ActionOutcome } from './record-results.ts';

export interface CycleInput {
  /** The revision in force, prepared once when it was loaded (prepareRevision) and kept with it. */
  revision: Revision;
  previous: PreviousStatus;
  /** This cycle's probe results; without them (gitset plan) the committed health is used as is. */
  probes?: ReadonlyMap<ClusterKey, ProbeResult>;
  now: Date;
  /** The mass-failure breaker (daemon only: it judges this cycle's probes). */
  breaker?: { options: BreakerOptions; previous?: BreakerStatus };
  /** Failed probes in a row before not ready, for clusters without their own `consecutiveFailureThreshold` (default 3). */
  defaultFailureThreshold?: number;
  /**
   * What the answering clusters showed this cycle (daemon only): helm's release inventory and the
   * closer looks taken. A cluster without an entry was not observed: its releases are judged from
   * the status as before, and nothing is withdrawn there on the status' word alone.
   */
  observed?: Observations;
  /**
   * Releases with a helm call running or finished but not yet recorded (daemon only), by
   * `inFlightKey`, with what the call is: such a release is neither planned again nor counted
   * as done; its record stays Pending until `recordResults` folds the call's outcome in.
   */
  inFlight?: ReadonlyMap<string, string>;
}

/** One helm call at a time per release on a cluster: the key of what is in flight. */
export function inFlightKey(cluster: ClusterKey, release: { releaseNamespace: string; releaseName: string }): string {
  return `${cluster} ${releaseKey(release)}`;
}

export interface CycleResult {
  /** Every object's status as planned, before helm runs: what `recordResults` completes. */
  snapshot: StatusSnapshot;
  /** Helm work to do now, ordered by cluster, then profile, then release. */
  actions: PlannedAction[];
  /** Every decision but installs, upgrades and releases in sync (those are `actions`, or nothing to do). */
  decisions: ReleaseDecision[];
  /** How many releases got each decision. */
  tally: Record<DecisionKind, number>;
  /** Profiles deleted from the repository whose status stays until their releases are withdrawn. */
  withdrawing: ReadonlySet<string>;
  /** The breaker after this cycle's probes, when the input asked for one; open means frozen. */
  breaker?: BreakerStatus;
  /**
   * The clusters were observed this cycle: what helm applies counts as up only once its workloads
   * are seen Healthy (a failover's `deployed`, a drain's end), so it is recorded Progressing.
   */
  observing?: boolean;
}

export function computeCycle(input: CycleInput): CycleResult {
  const { revision, previous, now } = input;
  const snapshot = emptySnapshot();
  const health = clusterHealth(input, snapshot);
  const breaker = input.probes && input.breaker ? nextBreaker(input.breaker.previous, input.probes, input.breaker.options, now, notReadyBefore(input.previous)) : undefined;
  const frozen = breaker?.state === 'open';
  const setStatuses = selectSets(input, health, frozen, snapshot);

  const current: CurrentProfile[] = [];
  const errors = new Map<string, string[]>();
  for (const profile of [...revision.repo.profiles].sort(byId)) {
    const id = objectId(profile);
    if (errors.has(id)) continue; // duplicates are the loader's diagnostic; the first counts
    const match = matchingClusters(profile, revision.index, setStatuses);
    errors.set(id, match.errors);
    current.push({ id, profile, matched: match.clusters });
  }
  const promotions = revision.repo.promotions ?? [];
  if (promotions.length > 0) current.splice(0, current.length, ...exclusiveStages(current, promotions));
  const dependencies = withPrerequisites(current, previous);
  const drains = endedDrains(snapshot.sets);
  const planned = planReleases({ revision, profiles: current, previous: previous.profiles, health, now, holdUninstalls: frozen, drainsEnded: drains, dependencies, ...(input.observed ? { observed: input.observed } : {}) });
  const afterFlight = input.inFlight?.size ? holdInFlight(planned, input.inFlight) : planned;
  const inFlight = input.inFlight;
  const staged = promotions.length > 0 ? holdPromotions({ plan: afterFlight, promotions, profiles: current, previous: previous.promotions, previousProfiles: previous.profiles, now }) : undefined;
  const { plan, rollouts } = holdWaves({ plan: staged?.plan ?? afterFlight, profiles: current, previous: previous.profiles, now, ...(inFlight ? { running: (c, r) => inFlight.has(inFlightKey(c, r)) } : {}) });
  const withdrawing = profileStatuses(input, current, errors, plan, snapshot);
  for (const [id, rollout] of rollouts) {
    const entry = snapshot.profiles.get(id);
    if (entry) entry.status.rollout = rollout;
  }
  for (const p of staged ? promotions : []) {
    const { source: _s, profiles: _p, ...object } = p;
    (snapshot.promotions ??= new Map()).set(promotionId(p), { object, status: staged!.promotions.get(promotionId(p))! });
  }
  return { snapshot, actions: plan.actions, decisions: plan.decisions, tally: plan.tally, withdrawing, ...(breaker ? { breaker } : {}), ...(input.observed ? { observing: true } : {}) };
}

/**
 * dependsOn between the profiles (deleted ones too: they still hold their prerequisites in place),
 * with each prerequisite's matched clusters extended, in place, by those of its dependents.
 */
function withPrerequisites(current: CurrentProfile[], previous: PreviousStatus): DependencyGraph {
  const objects = new Map<string, CurrentProfile['profile']>();
  for (const [id, entry] of previous.profiles) objects.set(id, entry.object);
  for (const c of current) objects.set(c.id, c.profile);
  const graph = dependencyGraph(objects);
  if (graph.dependents.size === 0) return graph;
  const extended = withDependentsClusters(new Map(current.map((c) => [c.id, c.matched])), graph, (a, b) => a.ordinal - b.ordinal);
  for (let i = 0; i < current.length; i++) current[i] = { ...current[i]!, matched: extended.get(current[i]!.id)! };
  return graph;
}

/** Releases with a call in flight: their actions dropped, their records Pending with what runs. */
function holdInFlight(plan: ReleasePlan, inFlight: ReadonlyMap<string, string>): ReleasePlan {
  const clusters = new Map<string, ProfileClusterStatus[]>();
  for (const [id, pcs] of plan.clusters) {
    clusters.set(id, pcs.map((pc) => ({
      cluster: pc.cluster,
      releases: pc.releases.map((r) => {
        const running = inFlight.get(inFlightKey(pc.cluster, r));
        return running === undefined ? r : { ...r, state: 'Pending' as const, reason: running };
      }),
    })));
  }
  return { ...plan, clusters, actions: plan.actions.filter((a) => !inFlight.has(inFlightKey(a.cluster, a.release))) };
}

/** Clusters the previous status recorded as not ready: down before this round's probes. */
function notReadyBefore(previous: PreviousStatus): Set<ClusterKey> {
  const out = new Set<ClusterKey>();
  for (const [key, entry] of previous.clusters) if (entry.status.ready === false) out.add(key);
  return out;
}

/** Every cluster's health after this cycle's probes (a cluster not probed keeps its own), into the snapshot. */
function clusterHealth(input: CycleInput, snapshot: StatusSnapshot): FleetHealth {
  const { index } = input.revision;
  const at = input.now.toISOString();
  const health = new FleetHealth(index);
  for (const c of index.clusters) {
    const prev = input.previous.clusters.get(c.key)?.status;
    const probe = input.probes?.get(c.key);
    // Paused clusters are probed too: a paused cluster that stops answering still fails over.
    const status = probe ? nextClusterStatus(prev, probe, c.object.spec.consecutiveFailureThreshold ?? input.defaultFailureThreshold, at) : (prev ?? UNKNOWN_HEALTH);
    health.set(c, status);
    snapshot.clusters.set(c.key, { object: toDoc(c.object), status });
  }
  return health;
}

/** Every set's selection (frozen while the breaker is open), into the snapshot; what profiles match through setRefs. */
function selectSets(input: CycleInput, health: FleetHealth, frozen: boolean, snapshot: StatusSnapshot): Map<string, SetStatus> {
  const { revision, previous, now } = input;
  const { index, repo } = revision;
  const cordons = cordonedClusters(index, now);
  const deployedAt = deployedAtBySet(repo.profiles.map((p) => ({ profile: p, status: previous.profiles.get(objectId(p))?.status })), now);
  const setStatuses = new Map<string, SetStatus>();
  for (const set of [...repo.sets].sort(byId)) {
    const id = objectId(set);
    if (setStatuses.has(id)) continue; // duplicates are the loader's diagnostic; the first counts
    const status = selectWithPolicy({ set, index, health, previous: previous.sets.get(id)?.status, cordons, now, frozen, deployedAt: deployedAt(id) });
    // Profiles keep the releases of draining clusters until the replacement is deployed.
    setStatuses.set(id, status.drainingClusterRefs ? { ...status, selectedClusterRefs: [...status.selectedClusterRefs, ...status.drainingClusterRefs] } : status);
    snapshot.sets.set(id, { object: toDoc(set), status });
  }
  return setStatuses;
}

/** Every profile's status into the snapshot, deleted ones with releases left included; returns those. */
function profileStatuses(input: CycleInput, current: readonly CurrentProfile[], errors: ReadonlyMap<string, string[]>, plan: ReleasePlan, snapshot: StatusSnapshot): Set<string> {
  const { index, unsupported } = input.revision;
  for (const { id, profile, matched } of current) {
    const status: ProfileStatus = { matchingClusters: matched.map((c) => index.refOf(c)) };
    const paused = profilePaused(profile);
    if (paused !== undefined) status.paused = paused;
    fill(status, plan.clusters.get(id), plan.conflicts.get(id), unsupported.get(profile), errors.get(id));
    snapshot.profiles.set(id, { object: toDoc(profile), status });
  }
  const withdrawing = new Set<string>();
  for (const [id, entry] of input.previous.profiles) {
    if (snapshot.profiles.has(id)) continue;
    const clusters = plan.clusters.get(id) ?? [];
    if (clusters.length === 0) continue; // deleted and nothing left to withdraw: its file goes
    const status: ProfileStatus = { matchingClusters: [] };
    fill(status, clusters, undefined, undefined, ['deleted from the repository; withdrawing its releases']);
    snapshot.profiles.set(id, { object: entry.object, status });
    withdrawing.add(id);
  }
  return withdrawing;
}

function fill(status: ProfileStatus, clusters?: ProfileStatus['clusters'], conflicts?: string[], unsupported?: readonly string[], errors?: string[]): void {
  if (clusters && clusters.length > 0) status.clusters = clusters;
  if (conflicts && conflicts.length > 0) status.conflicts = conflicts;
  if (unsupported && unsupported.length > 0) status.unsupported = [...unsupported];
  if (errors && errors.length > 0) status.errors = errors;
}

function byId(a: { kind: string; metadata: { name: string; namespace?: string } }, b: typeof a): number {
  const x = objectId(a);
  const y = objectId(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
