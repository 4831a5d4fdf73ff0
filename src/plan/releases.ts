// Plans every release of every profile (current ones, and deleted ones still holding releases)
// against the previous status: desired releases → conflicts → one decision per release → the
// profile statuses and the list of helm actions.
import type { ClusterKey } from '../model/objects.ts';
import { compareClusterKeys } from '../model/objects.ts';
import type { ProfileClusterStatus, ReleaseStatus } from '../model/status.ts';
import type { IndexedCluster } from '../select/cluster-index.ts';
import type { ProfileLike } from '../select/profiles.ts';
import { clusterList, profileDrainEnded } from '../select/drain.ts';
import type { HealthMap } from '../select/sets.ts';
import type { ProfileEntry } from '../status/snapshot.ts';
import { currentOwner, resolveConflicts } from './conflicts.ts';
import type { Observations } from '../observe/fleet.ts';
import {
  clusterState,
  decideConflict,
  installAction,
  isFreshInstall,
  type DecisionKind,
  type PlannedAction,
  type ReleaseContext,
  type ReleaseDecision,
  type WithdrawCause,
} from './decide.ts';
import { prerequisitesFirst, profilePaused, type DependencyGraph } from './depends.ts';
import { dependentsWait, heldBack, installHeldBack, prerequisiteWait } from './holds.ts';
import { desiredReleases, sortByReleaseKey, releaseKey, renderingAt, type DesiredChart, type DesiredReleases, type RenderInputs } from './desired.ts';
import { ClusterContexts } from './template-context.ts';
import { ActionOrder } from './order.ts';
import { Group } from './group.ts';
import type { Revision } from './revision.ts';
import { decideWanted, seen, unsettledRecord } from './observed.ts';
import { planOrphans } from './orphans.ts';
import { uninstallRequest, withdraw } from './withdraw.ts';
import { cover, take, unobserved, type PlanRun, type ProfileRun } from './release-run.ts';

export interface CurrentProfile {
  id: string;
  profile: ProfileLike;
  matched: readonly IndexedCluster[];
}

export interface ReleasePlan {
  /** Per profile id, the per-cluster release records (sorted), only clusters with a record. */
  clusters: Map<string, ProfileClusterStatus[]>;
  /** Per profile id, the conflicts it lost (sorted). */
  conflicts: Map<string, string[]>;
  /**
   * Every decision but installs, upgrades and releases in sync: uninstalls, waits, backoffs, dry
   * runs, conflicts, errors, and records dropped (forget). `tally` counts every kind.
   */
  decisions: ReleaseDecision[];
  actions: PlannedAction[];
  /** How many releases got each decision. */
  tally: Record<DecisionKind, number>;
}

export function emptyTally(): Record<DecisionKind, number> {
  return { install: 0, upgrade: 0, uninstall: 0, 'in-sync': 0, wait: 0, backoff: 0, 'dry-run': 0, conflict: 0, error: 0, forget: 0 };
}

export function planReleases(input: {
  revision: Revision;
  profiles: readonly CurrentProfile[];
  previous: ReadonlyMap<string, ProfileEntry>;
  health: HealthMap;
  now: Date;
  /** The mass-failure breaker is open: uninstalls wait. */
  holdUninstalls?: boolean;
  /** What the answering clusters showed this cycle (daemon only). */
  observed?: Observations;
  /** Per set id, clusters whose drain timed out (select/drain.ts endedDrains). */
  drainsEnded?: ReadonlyMap<string, ReadonlyMap<ClusterKey, string>>;
  /** dependsOn between the profiles, deleted ones included (plan/depends.ts). */
  dependencies?: DependencyGraph;
}): ReleasePlan {
  const { revision, previous } = input;
  const current = new Map(input.profiles.map((p) => [p.id, p]));
  const inputs: RenderInputs = { health: input.health, objects: revision.objects, sources: revision.sources, contexts: new ClusterContexts(revision.index.clusters.length, input.health), templates: revision.templates };
  const desired = new Map(input.profiles.map((p) => [p.id, desiredReleases(p.id, p.profile, p.matched, revision.desired, inputs)]));
  const resolution = resolveConflicts([...desired.values()], (cluster, key) => currentOwner(previous, cluster, key), revision.conflicts);
  const graph = input.dependencies ?? { prerequisites: new Map(), dependents: new Map() };
  const plan: ReleasePlan = { clusters: new Map(), conflicts: new Map(), decisions: [], actions: [], tally: emptyTally() };
  const run: PlanRun = {
    plan,
    order: new ActionOrder(revision.keyRanks),
    resolution,
    index: revision.index,
    health: input.health,
    now: input.now,
    holdUninstalls: input.holdUninstalls ?? false,
    observed: input.observed,
    covered: new Map(),
    drainsEnded: input.drainsEnded ?? new Map(),
    depends: { graph, specs: new Map(input.profiles.map((p) => [p.id, p.profile.spec])), planned: plan.clusters, previous },
  };
  const unsettled = new Map<string, ClusterKey[]>();
  for (const id of prerequisitesFirst([...current.keys(), ...previous.keys()], graph)) {
    const on = planProfile(run, id, current.get(id), previous.get(id), desired.get(id));
    if (on.length > 0) unsettled.set(id, on);
  }
  if (run.observed) {
    const drainEnded = (p: ProfileLike, cluster: ClusterKey): string | undefined => profileDrainEnded(run.drainsEnded, p)(cluster);
    planOrphans({ plan: run.plan, order: run.order, index: run.index, observed: run.observed, covered: run.covered, profiles: input.profiles, unsettled, drainEnded, holdUninstalls: run.holdUninstalls, now: run.now });
  }
  run.plan.actions = run.order.list();
  return run.plan;
}

/** Plans one profile; returns the matched clusters that answer where it still has work (not deployed and healthy). */
function planProfile(run: PlanRun, id: string, cur: CurrentProfile | undefined, prev: ProfileEntry | undefined, wanted: DesiredReleases | undefined): ClusterKey[] {
  const spec = (cur?.profile ?? prev?.object)!.spec;
  const p: ProfileRun = {
    id,
    syncMode: spec.syncMode ?? 'Continuous',
    leave: spec.stopMatchingBehavior === 'LeavePolicies',
    charts: spec.helmCharts,
    holdUninstalls: run.holdUninstalls,
    lost: [],
    unsettled: [],
    drainEnded: profileDrainEnded(run.drainsEnded, cur?.profile ?? prev?.object),
    paused: profilePaused(cur?.profile),
    stopOnConflict: spec.continueOnConflict !== true,
    x: { profile: id, cluster: '', release: '', record: undefined, state: clusterState(undefined, run.health), syncMode: spec.syncMode ?? 'Continuous', now: run.now, observed: undefined },
  };
  const recorded = new Map<ClusterKey, readonly ReleaseStatus[]>();
  for (const pc of prev?.status.clusters ?? []) recorded.set(pc.cluster, pc.releases);
  const out: ProfileClusterStatus[] = [];
  const add = (cluster: ClusterKey, records: ReleaseStatus[]): void => {
    if (records.length > 0) out.push({ cluster, releases: sortByReleaseKey(records, itself) });
  };

  // Matched clusters, in order, each with every helmCharts entry in order.
  for (let k = 0; wanted && wanted.charts.length > 0 && k < wanted.clusters.length; k++) {
    const cluster = wanted.clusters[k]!.key;
    add(cluster, planMatched(run, p, wanted, k, recorded.get(cluster) ?? []));
    recorded.delete(cluster);
  }
  // Clusters with records and no desired release: left the profile, profile deleted, or no charts.
  if (recorded.size > 0) {
    const matched = new Set((cur?.matched ?? []).map((c) => c.key));
    for (const [cluster, had] of recorded) {
      const cause: WithdrawCause = !cur ? 'profile-deleted' : matched.has(cluster) ? 'chart-removed' : 'stop-matching';
      add(cluster, planLeftover(run, p, cluster, had, cause));
    }
    out.sort((a, b) => compareClusterKeys(a.cluster, b.cluster));
  }
  run.plan.clusters.set(id, out);
  if (p.lost.length > 0) run.plan.conflicts.set(id, [...new Set(p.lost)].sort());
  if (run.observed) for (const pc of out) for (const r of pc.releases) cover(run, pc.cluster, releaseKey(r));
  return p.unsettled;
}

const itself = <T>(x: T): T => x;

/** The profile's k-th matched cluster: each helmCharts entry's release, then records no entry wants any more. */
function planMatched(run: PlanRun, p: ProfileRun, wanted: DesiredReleases, k: number, had: readonly ReleaseStatus[]): ReleaseStatus[] {
  const at = wanted.clusters[k]!;
  const entries = wanted.charts;
  const state = clusterState(at, run.health);
  const x = p.x;
  x.cluster = at.key;
  x.state = state;
  const obs = run.observed?.get(at.key);
  const g = new Group(entries.length + had.length);
  const waiting = p.paused ?? prerequisiteWait(run.depends, p.id, at.key);
  let stopped: string | undefined; // the first conflict lost here, when it stops the entries after it
  for (let i = 0; i < entries.length; i++) {
    const chart = entries[i]!;
    const d = renderingAt(chart, k);
    if (declaredBefore(entries, k, i, d.key)) {
      p.lost.push(`${d.key} on ${at.key}: declared twice in this profile; the first helmCharts entry is used`);
      continue;
    }
    x.release = d.key;
    x.record = find(had, d.request);
    x.observed = seen(obs, d.key);
    if (obs) cover(run, at.key, d.key);
    const lost = chart.action === 'Install' ? run.resolution.lostBy(p.id, at.key, i) : undefined;
    const hold = waiting ?? stopped;
    if (lost !== undefined) {
      p.lost.push(lost);
      take(run, decideConflict(x, d, lost), g);
      if (p.stopOnConflict) stopped ??= `helmCharts[${i}] (${d.key}) lost a conflict on ${at.key} and continueOnConflict is false`;
    } else if (chart.action === 'Install' && hold === undefined && isFreshInstall(x, d)) {
      run.plan.tally.install++; // decideInstall's answer, without a decision object
      g.act(installAction(p.id, at.key, d));
      g.record(d.pendingInstall);
    } else if (chart.action === 'Install') {
      take(run, installHeldBack(decideWanted(x, d), hold), g);
    } else {
      take(run, heldBack(withdraw(x, 'uninstall-action', p, run.resolution, () => d.request), p.paused), g);
    }
  }
  for (const r of had) {
    const key = releaseKey(r);
    if (declaredBefore(entries, k, entries.length, key)) continue; // a desired release took the record over
    x.release = key;
    x.record = r;
    x.observed = seen(obs, key);
    take(run, heldBack(withdraw(x, 'chart-removed', p, run.resolution, () => uninstallRequest(r, p.charts), unobserved(run, state, obs, at.key)), p.paused), g);
  }
  run.order.add(at, g.done().actions);
  if (run.observed !== undefined && state.reachable && g.records.some(unsettledRecord)) p.unsettled.push(at.key);
  return g.records;
}

/** A cluster the profile has records on and wants nothing on any more: each record withdrawn. */
function planLeftover(run: PlanRun, p: ProfileRun, cluster: ClusterKey, had: readonly ReleaseStatus[], cause: WithdrawCause): ReleaseStatus[] {
  const at = run.index.byKey(cluster);
  const state = clusterState(at, run.health);
  const obs = run.observed?.get(cluster);
  // Make-before-break: a cluster leaves a profile only once the profile is deployed and healthy where it
  // now goes, or once its set's drain timeout gave up waiting for that.
  const ended = cause === 'stop-matching' ? p.drainEnded(cluster) : undefined;
  const held = cause === 'stop-matching' && p.unsettled.length > 0 && ended === undefined;
  // dependsOn: a prerequisite leaves a cluster only once its dependents have left it.
  const dependents = cause === 'chart-removed' ? undefined : dependentsWait(run.depends, p.id, cluster);
  const waitFor = unobserved(run, state, obs, cluster) ?? (held ? `${p.id} is deployed and healthy on ${clusterList(p.unsettled)}` : undefined) ?? dependents;
  const g = new Group(had.length);
  for (const r of had) {
    const key = releaseKey(r);
    const x: ReleaseContext = { profile: p.id, cluster, release: key, record: r, state, syncMode: p.syncMode, now: run.now, ...(obs ? { observed: seen(obs, key)! } : {}) };
    const decision = withdraw(x, cause, p, run.resolution, () => uninstallRequest(r, p.charts), waitFor, ended);
    if (held && decision?.decision === 'wait' && waitFor?.startsWith(p.id)) decision.keptUntilHealthyOn = p.unsettled;
    take(run, heldBack(decision, p.paused), g);
  }
  run.order.add(at, g.done().actions);
  return g.records;
}

/** Whether one of the first `n` helmCharts entries renders release key `key` on the profile's k-th cluster. */
function declaredBefore(entries: readonly DesiredChart[], k: number, n: number, key: string): boolean {
  for (let j = 0; j < n; j++) if (renderingAt(entries[j]!, k).key === key) return true;
  return false;
}

function find(records: readonly ReleaseStatus[], want: { releaseNamespace: string; releaseName: string }): ReleaseStatus | undefined {
  for (const r of records) if (r.releaseName === want.releaseName && r.releaseNamespace === want.releaseNamespace) return r;
  return undefined;
}
