// The state one planReleases call threads through its profiles, and how a decision is taken
// into it: counted, its action queued, its record kept.
import type { ClusterKey, SyncMode } from '../model/objects.ts';
import type { ClusterIndex } from '../select/cluster-index.ts';
import type { HealthMap } from '../select/sets.ts';
import type { ClusterObservation, Observations } from '../observe/fleet.ts';
import type { ConflictResolution } from './conflicts.ts';
import type { ClusterState, ReleaseContext, ReleaseDecision } from './decide.ts';
import type { Group } from './group.ts';
import type { DependsOnView } from './holds.ts';
import type { ActionOrder } from './order.ts';
import type { ReleasePlan } from './releases.ts';
import type { WithdrawingProfile } from './withdraw.ts';

/** What planning every profile shares in one cycle. */
export interface PlanRun {
  plan: ReleasePlan;
  order: ActionOrder;
  resolution: ConflictResolution;
  index: ClusterIndex;
  health: HealthMap;
  now: Date;
  holdUninstalls: boolean;
  /** This cycle's observations; undefined for `gitset plan`, which judges from the status alone. */
  observed: Observations | undefined;
  /** Every release planned or recorded on each cluster, by any profile: what is not an orphan. */
  covered: Map<ClusterKey, Set<string>>;
  /** Per set id, clusters whose make-before-break drain the set's timeout ended (with its message). */
  drainsEnded: ReadonlyMap<string, ReadonlyMap<ClusterKey, string>>;
  /** dependsOn: prerequisites are planned first, and their records read by their dependents. */
  depends: DependsOnView;
}

/** The profile being planned: what its decisions need, and the conflicts it lost so far. */
export interface ProfileRun extends WithdrawingProfile {
  syncMode: SyncMode;
  lost: string[];
  /** Work left on a matched cluster that answers (not yet deployed and healthy): what a withdrawal waits for. */
  unsettled: ClusterKey[];
  /** Clusters one of the profile's sets stopped draining after its drain timeout: no more waiting there. */
  drainEnded: (cluster: ClusterKey) => string | undefined;
  /** Why nothing runs for the profile (annotation profile.projectsveltos.io/paused), if so. */
  paused: string | undefined;
  /** continueOnConflict false (Sveltos' default): a lost conflict stops the entries after it on that cluster. */
  stopOnConflict: boolean;
  /** Where each of its releases on a matched cluster is decided: set per cluster and release (the decide functions keep nothing of it). */
  x: ReleaseContext;
}

/** Notes a release planned or recorded on a cluster: not an orphan there. */
export function cover(run: PlanRun, cluster: ClusterKey, key: string): void {
  let keys = run.covered.get(cluster);
  if (!keys) run.covered.set(cluster, (keys = new Set()));
  keys.add(key);
}

/** While gitset observes, a cluster that answers but could not be read withdraws nothing on the status' word. */
export function unobserved(run: PlanRun, state: ClusterState, obs: ClusterObservation | undefined, cluster: ClusterKey): string | undefined {
  return run.observed !== undefined && state.reachable && obs === undefined ? `the release inventory of ${cluster} can be read` : undefined;
}

/**
 * Counts the decision and keeps its action and record. Installs, upgrades and releases in sync are
 * most of a cycle's releases (all 80k of a new 10k fleet's): their actions and records say it all.
 */
export function take(run: PlanRun, decision: ReleaseDecision | undefined, g: Group): void {
  if (!decision) return;
  const kind = decision.decision;
  run.plan.tally[kind]++;
  if (kind !== 'install' && kind !== 'upgrade' && kind !== 'in-sync') run.plan.decisions.push(decision);
  if (decision.action) g.act(decision.action);
  if (decision.record) g.record(decision.record);
}
