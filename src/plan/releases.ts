// Plans every release of every profile (current ones, and deleted ones still holding releases)
// against the previous status: desired releases → conflicts → one decision per release → the
// profile statuses and the list of helm actions.
import type { ClusterKey, HelmChart, SyncMode } from '../model/objects.ts';
import { compareClusterKeys } from '../model/objects.ts';
import type { ReleaseRequest } from '../model/ports.ts';
import type { ProfileClusterStatus, ReleaseStatus } from '../model/status.ts';
import type { ClusterIndex, IndexedCluster } from '../select/cluster-index.ts';
import type { ProfileLike } from '../select/profiles.ts';
import { healthOf, type HealthMap } from '../select/sets.ts';
import { notReadyDetail } from '../status/cluster-health.ts';
import type { ProfileEntry } from '../status/snapshot.ts';
import { resolveConflicts, type ConflictResolution } from './conflicts.ts';
import {
  decideConflict,
  decideInstall,
  decideWithdraw,
  installAction,
  isFreshInstall,
  mayBeInstalled,
  plannedInstall,
  type ClusterState,
  type DecisionKind,
  type PlannedAction,
  type ReleaseContext,
  type ReleaseDecision,
  type WithdrawCause,
} from './decide.ts';
import { compareReleaseKeys, desiredReleases, releaseKey, renderingAt, type DesiredChart, type DesiredReleases, type Rendering } from './desired.ts';
import { ActionOrder, sortSmall } from './order.ts';

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
  profiles: readonly CurrentProfile[];
  previous: ReadonlyMap<string, ProfileEntry>;
  index: ClusterIndex;
  health: HealthMap;
  now: Date;
}): ReleasePlan {
  const { index, health, now } = input;
  const current = new Map(input.profiles.map((p) => [p.id, p]));
  const desired = new Map(input.profiles.map((p) => [p.id, desiredReleases(p.id, p.profile, p.matched)]));
  const resolution = resolveConflicts(
    [...desired.values()],
    (cluster, key) => currentOwner(input.previous, cluster, key),
  );

  // One state per cluster and cycle: by position in the index for matched clusters, by key for
  // clusters only a record names (possibly gone from the repository).
  const statesAt: ClusterState[] = new Array(index.clusters.length); // sized: filled out of order
  const unknownStates: Record<ClusterKey, ClusterState> = Object.create(null);
  const stateOf = (c: IndexedCluster | undefined, key: ClusterKey): ClusterState =>
    c ? (statesAt[c.ordinal] ??= clusterState(c, health)) : (unknownStates[key] ??= clusterState(undefined, health));

  const plan: ReleasePlan = { clusters: new Map(), conflicts: new Map(), decisions: [], actions: [], tally: emptyTally() };
  // A first cycle installs every desired release: about that many actions.
  let expected = 0;
  for (const d of desired.values()) expected += d.clusters.length * d.charts.length;
  const order = new ActionOrder(index, input.previous.size === 0 ? expected : 0);
  // One cluster's records collect here and are copied out at their exact size: 40k record lists
  // in a 10k fleet's first cycle, each grown by push to 17 slots, would all be kept and copied by GC.
  const scratch = new RecordList();
  // Installs, upgrades and releases in sync are counted, not kept as decisions: they are most of
  // a cycle's releases (all 80k of a new 10k fleet's), and their actions and records say it all.
  // Actions go straight into the order, which places a cluster's group when the cluster is done.
  const decide = (decision: ReleaseDecision | undefined, records: RecordList): void => {
    if (!decision) return;
    const kind = decision.decision;
    plan.tally[kind]++;
    if (kind !== 'install' && kind !== 'upgrade' && kind !== 'in-sync') plan.decisions.push(decision);
    if (decision.action) order.push(decision.action);
    if (decision.record) records.add(decision.record);
  };
  const ids = [...new Set([...current.keys(), ...input.previous.keys()])].sort();
  for (const id of ids) {
    const cur = current.get(id);
    const prev = input.previous.get(id);
    const spec = (cur?.profile ?? prev?.object)!.spec;
    const charts = spec.helmCharts;
    const ctx = { id, syncMode: (spec.syncMode ?? 'Continuous') as SyncMode, leave: spec.stopMatchingBehavior === 'LeavePolicies' };
    const recorded = new Map<ClusterKey, ProfileClusterStatus>();
    for (const pc of prev?.status.clusters ?? []) recorded.set(pc.cluster, pc);
    const lostHere: string[] = [];
    const out: ProfileClusterStatus[] = [];

    // Matched clusters, in order, each with every helmCharts entry in order.
    const wanted = desired.get(id);
    const entries = wanted?.charts ?? [];
    // A profile whose entries are the same for every cluster: on a cluster with nothing recorded
    // that answers, its releases are all fresh installs, the same ones in the same order each time.
    const fresh = wanted && !resolution.anyLost && ctx.syncMode !== 'DryRun' ? freshInstalls(wanted) : undefined;
    for (let k = 0; entries.length > 0 && k < wanted!.clusters.length; k++) {
      const at = wanted!.clusters[k]!;
      const cluster = at.key;
      const before = recorded.size > 0 ? recorded.get(cluster) : undefined;
      if (fresh && before === undefined) {
        const state = stateOf(at, cluster);
        if (state.reachable) {
          // What the loop below decides for each release (isFreshInstall holds for every one).
          const from = order.size;
          for (const d of fresh.renderings) order.push(installAction(id, cluster, d));
          order.place(at, from);
          plan.tally.install += fresh.renderings.length;
          out.push({ cluster, releases: fresh.records });
          continue;
        }
      }
      const had = before?.releases ?? NONE;
      const records = scratch;
      records.n = 0;
      const from = order.size;
      // One context per cluster, its release and record set per release: the decide functions keep nothing of it.
      const x: ReleaseContext = { profile: id, cluster, release: '', record: undefined, state: stateOf(at, cluster), syncMode: ctx.syncMode, now };
      for (let i = 0; i < entries.length; i++) {
        const chart = entries[i]!;
        const d = renderingAt(chart, k);
        if (i > 0 && declaredBefore(entries, k, i, d.key)) {
          lostHere.push(`${d.key} on ${cluster}: declared twice in this profile; the first helmCharts entry is used`);
          continue;
        }
        x.release = d.key;
        x.record = had.length > 0 ? find(had, d.request) : undefined;
        const lostMessage = chart.action === 'Install' && resolution.anyLost ? resolution.lostBy(id, cluster, i) : undefined;
        if (lostMessage !== undefined) {
          lostHere.push(lostMessage);
          decide(decideConflict(x, d, lostMessage), records);
        } else if (chart.action === 'Install') {
          if (isFreshInstall(x, d)) {
            // decideInstall's answer, without the decision object (80k of them in a new 10k fleet).
            plan.tally.install++;
            order.push(installAction(id, cluster, d));
            records.add(plannedInstall(d));
          } else {
            decide(decideInstall(x, d), records);
          }
        } else {
          decide(withdraw(x, 'uninstall-action', ctx, resolution, () => d.request), records);
        }
      }
      for (const r of had) {
        const key = releaseKey(r);
        if (declaredBefore(entries, k, entries.length, key)) continue; // a desired release took the record over
        x.release = key;
        x.record = r;
        decide(withdraw(x, 'chart-removed', ctx, resolution, () => uninstallRequest(r, charts)), records);
      }
      if (before) recorded.delete(cluster);
      order.place(at, from);
      if (records.n > 0) out.push(unchanged(before, records) ?? { cluster, releases: sortSmall(records.copy(), compareReleaseKeys) });
    }

    // Clusters with records and no desired release: left the profile, profile deleted, or no charts.
    if (recorded.size > 0) {
      // Built only here: a quiet profile has no record left over, and 40k keys per cycle add up.
      const matchedKeys = new Set((cur?.matched ?? []).map((c) => c.key));
      for (const [cluster, { releases: had }] of recorded) {
        const cause: WithdrawCause = !cur ? 'profile-deleted' : matchedKeys.has(cluster) ? 'chart-removed' : 'stop-matching';
        const at = index.byKey(cluster);
        const state = stateOf(at, cluster);
        const records = new RecordList();
        const from = order.size;
        for (const r of had) {
          const x: ReleaseContext = { profile: id, cluster, release: releaseKey(r), record: r, state, syncMode: ctx.syncMode, now };
          decide(withdraw(x, cause, ctx, resolution, () => uninstallRequest(r, charts)), records);
        }
        order.place(at, from);
        if (records.n > 0) out.push({ cluster, releases: sortSmall(records.copy(), compareReleaseKeys) });
      }
      out.sort((a, b) => compareClusterKeys(a.cluster, b.cluster));
    }
    plan.clusters.set(id, out);
    if (lostHere.length > 0) plan.conflicts.set(id, [...new Set(lostHere)].sort());
  }
  plan.actions = order.list();
  return plan;
}

const NONE: readonly ReleaseStatus[] = [];

interface FreshInstalls {
  /** The profile's renderings in release key order: the order of a cluster's actions and records. */
  renderings: readonly Rendering[];
  /** Their pending-install records, in that order: one frozen list shared by every such cluster. */
  records: ReleaseStatus[];
}

const freshByDesired = new WeakMap<DesiredReleases, FreshInstalls | null>();

/**
 * When every helmCharts entry of the profile installs one rendering shared by all its clusters,
 * without error and under distinct release keys: the actions and records of a cluster where all of
 * them are fresh installs. Kept per desired releases (that is, per loaded profile and matches).
 */
function freshInstalls(desired: DesiredReleases): FreshInstalls | undefined {
  let fresh = freshByDesired.get(desired);
  if (fresh === undefined) {
    const shared = desired.charts.map((c) => (c.action === 'Install' && c.shared?.error === undefined ? c.shared : undefined));
    const keys = new Set(shared.map((d) => d?.key));
    if (shared.length === 0 || shared.some((d) => d === undefined) || keys.size < shared.length) fresh = null;
    else {
      const renderings = (shared as Rendering[]).sort((a, b) => compareReleaseKeys(a.request, b.request));
      fresh = { renderings, records: Object.freeze(renderings.map((d) => plannedInstall(d))) as ReleaseStatus[] };
    }
    freshByDesired.set(desired, fresh);
  }
  return fresh ?? undefined;
}

/** Whether one of the first `n` helmCharts entries renders release key `key` on the profile's k-th cluster. */
function declaredBefore(entries: readonly DesiredChart[], k: number, n: number, key: string): boolean {
  for (let j = 0; j < n; j++) if (renderingAt(entries[j]!, k).key === key) return true;
  return false;
}

/** The records decided on one cluster: a list reused from cluster to cluster, and how much of it is this cluster's. */
class RecordList {
  readonly list: ReleaseStatus[] = [];
  n = 0;
  add(r: ReleaseStatus): void {
    this.list[this.n++] = r;
  }
  /** This cluster's records, in a list of exactly their size. */
  copy(): ReleaseStatus[] {
    return this.n === 1 ? [this.list[0]!] : this.list.slice(0, this.n);
  }
}

function find(records: readonly ReleaseStatus[], want: { releaseNamespace: string; releaseName: string }): ReleaseStatus | undefined {
  for (const r of records) if (r.releaseName === want.releaseName && r.releaseNamespace === want.releaseNamespace) return r;
  return undefined;
}

/**
 * The previous record list when this cycle decided exactly the same records (in-sync releases
 * keep their record objects): a quiet fleet then allocates nothing per cluster. The records are
 * in decision order, so they must also be in sorted order for the reuse to hold.
 */
function unchanged(before: ProfileClusterStatus | undefined, { list, n }: RecordList): ProfileClusterStatus | undefined {
  if (!before || before.releases.length !== n) return undefined;
  for (let i = 0; i < n; i++) {
    if (list[i] !== before.releases[i]) return undefined;
    if (i > 0 && compareReleaseKeys(list[i - 1]!, list[i]!) > 0) return undefined;
  }
  return before;
}

function withdraw(
  x: ReleaseContext,
  cause: WithdrawCause,
  ctx: { id: string; leave: boolean },
  resolution: ConflictResolution,
  request: () => ReleaseRequest,
): ReleaseDecision | undefined {
  return decideWithdraw(x, {
    cause,
    why: withdrawWhy(cause, ctx.id, x.cluster),
    leave: ctx.leave,
    owner: resolution.ownerOf(x.cluster, x.release),
    request,
  });
}

function withdrawWhy(cause: WithdrawCause, profile: string, cluster: ClusterKey): string {
  switch (cause) {
    case 'stop-matching':
      return `${cluster} no longer matches ${profile}`;
    case 'profile-deleted':
      return `${profile} was deleted`;
    case 'chart-removed':
      return 'no longer in helmCharts';
    case 'uninstall-action':
      return 'helmChartAction is Uninstall';
  }
}

// The states every cluster in one of these conditions shares (a healthy fleet's 10k are READY).
const GONE: ClusterState = Object.freeze({ exists: false, reachable: false, detail: 'not in the repository' });
const PAUSED: ClusterState = Object.freeze({ exists: true, reachable: false, detail: 'paused' });
const READY: ClusterState = Object.freeze({ exists: true, reachable: true, detail: 'ready' });

function clusterState(c: IndexedCluster | undefined, health: HealthMap): ClusterState {
  if (!c) return GONE;
  if (c.paused) return PAUSED;
  const h = healthOf(health, c);
  if (h && !h.ready) return { exists: true, reachable: false, detail: `not ready: ${notReadyDetail(h)}` };
  return READY;
}

/** The profile the previous status records as having the release installed on the cluster. */
function currentOwner(previous: ReadonlyMap<string, ProfileEntry>, cluster: ClusterKey, key: string): string | undefined {
  for (const [id, entry] of previous) {
    const pc = entry.status.clusters?.find((c) => c.cluster === cluster);
    const r = pc?.releases.find((x) => releaseKey(x) === key);
    if (r && r.state !== 'Conflict' && mayBeInstalled(r)) return id;
  }
  return undefined;
}

function asCharts(charts: unknown): HelmChart[] {
  return Array.isArray(charts) ? (charts as HelmChart[]) : [];
}

function chartCoords(c: HelmChart): { releaseNamespace: string; releaseName: string } {
  return { releaseNamespace: String(c.releaseNamespace ?? ''), releaseName: String(c.releaseName ?? '') };
}

/** What helm needs to uninstall a recorded release: the options of its chart entry when still known. */
function uninstallRequest(r: ReleaseStatus, charts: unknown): ReleaseRequest {
  const chart = asCharts(charts).find((c) => releaseKey(chartCoords(c)) === releaseKey(r));
  return {
    releaseNamespace: r.releaseNamespace,
    releaseName: r.releaseName,
    repositoryURL: String(chart?.repositoryURL ?? ''),
    repositoryName: String(chart?.repositoryName ?? ''),
    chartName: r.chart,
    chartVersion: r.chartVersion,
    values: '',
    ...(chart?.options !== undefined ? { options: chart.options } : {}),
  };
}

