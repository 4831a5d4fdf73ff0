// Plans every release of every profile (current ones, and deleted ones still holding releases)
// against the previous status: desired releases → conflicts → one decision per release → the
// profile statuses and the list of helm actions.
import type { ClusterKey, HelmChart, StopMatchingBehavior, SyncMode } from '../model/objects.ts';
import { compareClusterKeys } from '../model/objects.ts';
import type { ReleaseRequest } from '../model/ports.ts';
import type { ProfileClusterStatus, ReleaseStatus } from '../model/status.ts';
import type { ClusterIndex, IndexedCluster } from '../select/cluster-index.ts';
import type { ProfileLike } from '../select/profiles.ts';
import type { HealthMap } from '../select/sets.ts';
import { notReadyDetail } from '../status/cluster-health.ts';
import type { ProfileEntry } from '../status/snapshot.ts';
import { resolveConflicts, slotKey } from './conflicts.ts';
import {
  decideConflict,
  decideInstall,
  decideWithdraw,
  mayBeInstalled,
  type ClusterState,
  type PlannedAction,
  type ReleaseDecision,
  type WithdrawCause,
} from './decide.ts';
import { desiredReleases, releaseKey, type DesiredRelease } from './desired.ts';

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
  const resolution = resolveConflicts([...desired.values()].flat(), (cluster, key) => currentOwner(input.previous, cluster, key));

  const clusterStates = new Map<ClusterKey, ClusterState>();
  const stateOf = (key: ClusterKey): ClusterState => {
    let s = clusterStates.get(key);
    if (!s) {
      s = clusterState(index.byKey(key), health);
      clusterStates.set(key, s);
    }
    return s;
  };

  const plan: ReleasePlan = { clusters: new Map(), conflicts: new Map(), decisions: [], actions: [] };
  const ids = [...new Set([...current.keys(), ...input.previous.keys()])].sort();
  for (const id of ids) {
    const cur = current.get(id);
    const prev = input.previous.get(id);
    const spec = (cur?.profile ?? prev?.object)!.spec;
    const syncMode: SyncMode = spec.syncMode ?? 'Continuous';
    const leave = (spec.stopMatchingBehavior as StopMatchingBehavior | undefined) === 'LeavePolicies';
    const matched = new Set(cur?.matched.map((c) => c.key) ?? []);

    const lostHere: string[] = [];
    const wanted = new Map<ClusterKey, Map<string, DesiredRelease>>();
    for (const d of desired.get(id) ?? []) {
      const lost = resolution.lost.get(d);
      if (lost !== undefined) lostHere.push(lost);
      const m = wanted.get(d.cluster) ?? new Map<string, DesiredRelease>();
      // A release declared twice in one profile: the first entry is the one planned.
      if (!m.has(d.key)) m.set(d.key, d);
      wanted.set(d.cluster, m);
    }
    const recorded = new Map<ClusterKey, Map<string, ReleaseStatus>>();
    for (const pc of prev?.status.clusters ?? []) {
      recorded.set(pc.cluster, new Map(pc.releases.map((r) => [releaseKey(r), r])));
    }

    const clusters = [...(cur?.matched.map((c) => c.key) ?? [])];
    const extra = [...recorded.keys()].filter((k) => !matched.has(k));
    if (extra.length > 0) {
      clusters.push(...extra);
      clusters.sort(compareClusterKeys);
    }

    const out: ProfileClusterStatus[] = [];
    for (const cluster of clusters) {
      const want = wanted.get(cluster) ?? new Map<string, DesiredRelease>();
      const had = recorded.get(cluster) ?? new Map<string, ReleaseStatus>();
      const keys = [...want.keys(), ...[...had.keys()].filter((k) => !want.has(k)).sort()];
      const records: ReleaseStatus[] = [];
      for (const key of keys) {
        const d = want.get(key);
        const common = { profile: id, cluster, release: key, record: had.get(key), state: stateOf(cluster), syncMode, now };
        let decision: ReleaseDecision | undefined;
        const lostMessage = d ? resolution.lost.get(d) : undefined;
        if (d && d.action === 'Install' && lostMessage !== undefined) {
          decision = decideConflict({ ...common, desired: d, message: lostMessage });
        } else if (d && d.action === 'Install') {
          decision = decideInstall({ ...common, desired: d });
        } else {
          const cause: WithdrawCause = d
            ? 'uninstall-action'
            : !cur
              ? 'profile-deleted'
              : !matched.has(cluster)
                ? 'stop-matching'
                : 'chart-removed';
          decision = decideWithdraw({
            ...common,
            cause,
            why: withdrawWhy(cause, id, cluster),
            leave,
            owner: resolution.owners.get(slotKey(cluster, key)),
            request: d?.request ?? uninstallRequest(had.get(key)!, cur?.profile.spec.helmCharts ?? prev?.object.spec.helmCharts),
          });
        }
        if (!decision) continue;
        plan.decisions.push(decision);
        if (decision.action) plan.actions.push(decision.action);
        if (decision.record) records.push(decision.record);
      }
      if (records.length > 0) {
        records.sort((a, b) => (releaseKey(a) < releaseKey(b) ? -1 : releaseKey(a) > releaseKey(b) ? 1 : 0));
        out.push({ cluster, releases: records });
      }
    }
    plan.clusters.set(id, out);
    if (lostHere.length > 0) plan.conflicts.set(id, [...new Set(lostHere)].sort());
  }
  return plan;
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
  const h = health.get(c.key);
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

