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
  mayBeInstalled,
  type ClusterState,
  type PlannedAction,
  type ReleaseContext,
  type ReleaseDecision,
  type WithdrawCause,
} from './decide.ts';
import { compareReleaseKeys, desiredReleases, releaseKey, type DesiredRelease } from './desired.ts';
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
  decisions: ReleaseDecision[];
  actions: PlannedAction[];
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

  const plan: ReleasePlan = { clusters: new Map(), conflicts: new Map(), decisions: [], actions: [] };
  // One profile's actions on one cluster, placed in execution order when the cluster is done.
  const group: PlannedAction[] = [];
  const order = new ActionOrder(index);
  // One cluster's records collect here and are copied out at their exact size: 40k record lists
  // in a 10k fleet's first cycle, each grown by push to 17 slots, would all be kept and copied by GC.
  const scratch: ReleaseStatus[] = [];
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
    const decide = (decision: ReleaseDecision | undefined, records: ReleaseStatus[]): void => {
      if (!decision) return;
      plan.decisions.push(decision);
      if (decision.action) group.push(decision.action);
      if (decision.record) records.push(decision.record);
    };

    // Matched clusters, in order: desired lists are cluster-major, chart order within a cluster.
    const wanted = desired.get(id) ?? [];
    const matched = cur?.matched ?? [];
    let i = 0;
    // Desired lists follow the matched clusters, so the k-th cluster group is matched[k].
    for (let k = 0; i < wanted.length; k++) {
      const cluster = wanted[i]!.cluster;
      const before = recorded.get(cluster);
      const had = before?.releases ?? NONE;
      const records = scratch;
      records.length = 0;
      const at = matched[k]?.key === cluster ? matched[k] : index.byKey(cluster);
      const state = stateOf(at, cluster);
      const start = i;
      for (; i < wanted.length && wanted[i]!.cluster === cluster; i++) {
        const d = wanted[i]!;
        if (declared(wanted, start, i, d.key)) {
          lostHere.push(`${d.key} on ${cluster}: declared twice in this profile; the first helmCharts entry is used`);
          continue;
        }
        const record = had.length > 0 ? find(had, d.request) : undefined;
        const x: ReleaseContext = { profile: id, cluster, release: d.key, record, state, syncMode: ctx.syncMode, now };
        const lostMessage = d.action === 'Install' && resolution.lost.size > 0 ? resolution.lost.get(d) : undefined;
        if (lostMessage !== undefined) {
          lostHere.push(lostMessage);
          decide(decideConflict(x, d, lostMessage), records);
        } else if (d.action === 'Install') {
          decide(decideInstall(x, d), records);
        } else {
          decide(withdraw(x, 'uninstall-action', ctx, resolution, () => d.request), records);
        }
      }
      for (const r of had) {
        const key = releaseKey(r);
        if (declared(wanted, start, i, key)) continue; // a desired release took the record over
        const x: ReleaseContext = { profile: id, cluster, release: key, record: r, state, syncMode: ctx.syncMode, now };
        decide(withdraw(x, 'chart-removed', ctx, resolution, () => uninstallRequest(r, charts)), records);
      }
      recorded.delete(cluster);
      order.add(at, group);
      if (records.length > 0) out.push(unchanged(before, records) ?? { cluster, releases: sortSmall(exactCopy(records), compareReleaseKeys) });
    }

    // Clusters with records and no desired release: left the profile, profile deleted, or no charts.
    if (recorded.size > 0) {
      // Built only here: a quiet profile has no record left over, and 40k keys per cycle add up.
      const matchedKeys = new Set(matched.map((c) => c.key));
      for (const [cluster, { releases: had }] of recorded) {
        const cause: WithdrawCause = !cur ? 'profile-deleted' : matchedKeys.has(cluster) ? 'chart-removed' : 'stop-matching';
        const at = index.byKey(cluster);
        const state = stateOf(at, cluster);
        const records: ReleaseStatus[] = [];
        for (const r of had) {
          const x: ReleaseContext = { profile: id, cluster, release: releaseKey(r), record: r, state, syncMode: ctx.syncMode, now };
          decide(withdraw(x, cause, ctx, resolution, () => uninstallRequest(r, charts)), records);
        }
        order.add(at, group);
        if (records.length > 0) out.push({ cluster, releases: sortSmall(records, compareReleaseKeys) });
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

/** Whether one of `wanted[from..to)` (one cluster's group, a few charts) has release key `key`. */
function declared(wanted: readonly DesiredRelease[], from: number, to: number, key: string): boolean {
  for (let j = from; j < to; j++) if (wanted[j]!.key === key) return true;
  return false;
}

function exactCopy<T>(list: readonly T[]): T[] {
  return list.length === 1 ? [list[0]!] : list.slice();
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
function unchanged(before: ProfileClusterStatus | undefined, records: readonly ReleaseStatus[]): ProfileClusterStatus | undefined {
  if (!before || before.releases.length !== records.length) return undefined;
  for (let i = 0; i < records.length; i++) {
    if (records[i] !== before.releases[i]) return undefined;
    if (i > 0 && compareReleaseKeys(records[i - 1]!, records[i]!) > 0) return undefined;
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

function clusterState(c: IndexedCluster | undefined, health: HealthMap): ClusterState {
  if (!c) return { exists: false, reachable: false, detail: 'not in the repository' };
  if (c.paused) return { exists: true, reachable: false, detail: 'paused' };
  const h = healthOf(health, c);
  if (h && !h.ready) return { exists: true, reachable: false, detail: `not ready: ${notReadyDetail(h)}` };
  return { exists: true, reachable: true, detail: 'ready' };
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

