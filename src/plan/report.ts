// What `gitset plan` reports, as plain data: the selection of every set, what every profile
// matches, the helm actions a reconcile would run, the work that waits, and the diagnostics.
// The JSON form is this object; text and Markdown are renderings of it (src/cli/plan.ts).
import type { Diagnostic } from '../model/diagnostics.ts';
import type { NotSelected } from '../model/status.ts';
import { describeChanges } from '../status/describe.ts';
import { clusterList } from '../select/drain.ts';
import { isUp } from '../select/failovers.ts';
import { setRefId } from '../select/profiles.ts';
import { refKey, type PreviousStatus, type StatusSnapshot } from '../status/snapshot.ts';
import type { CycleResult } from './cycle.ts';
import type { ActionKind, DecisionKind } from './decide.ts';
import { releaseKey } from './desired.ts';
import { promotionReport, type PromotionReport } from './promotion-report.ts';

export interface PlanReport {
  sets: Array<{
    kind: string;
    namespace: string | null;
    name: string;
    maxReplicas: number;
    matching: string[];
    selected: string[];
    notSelected: NotSelected[];
    /** Leaving by a planned move; keeps its releases until the replacement's are deployed. */
    draining?: string[];
    /** Not-ready selected clusters not replaced yet (grace, budget, breaker), with why. */
    heldBack?: string[];
    message?: string;
  }>;
  profiles: Array<{
    kind: string;
    namespace: string | null;
    name: string;
    matchingClusters: string[];
    errors: string[];
    unsupported: string[];
    conflicts: string[];
    /** Why nothing runs for the profile (annotation profile.projectsveltos.io/paused). */
    paused?: string;
  }>;
  actions: Array<{
    action: ActionKind;
    cluster: string;
    profile: string;
    releaseNamespace: string;
    releaseName: string;
    chart: string;
    version: string;
    reason: string;
  }>;
  /** Releases with work that does not run now: waiting for a cluster, backing off, dry run, conflict, error. */
  notRun: Array<{ decision: DecisionKind; cluster: string; profile: string; release: string; reason: string }>;
  /**
   * Withdrawals held by make-before-break (known only when the plan observed the clusters): the
   * release stays on `cluster` until the replacement is deployed and healthy on `until`.
   */
  held: Array<{ cluster: string; profile: string; release: string; until: string[]; message: string }>;
  /**
   * Releases deployed but not healthy for a reason that will not pass by itself: Degraded, or a
   * failing validateHealths check (`health check 'x' for feature Helm failed: …`).
   */
  unhealthy: Array<{ cluster: string; profile: string; release: string; health: string; message: string }>;
  /** Health and selection changes against the committed status (`ClusterSet/prod selected …`). */
  changes: string[];
  /** Staged promotions (ClusterPromotion): each stage's state, and the stages this revision starts. */
  promotions?: PromotionReport[];
  diagnostics: Diagnostic[];
}

type Hold = PlanReport['held'][number];

function hold(cluster: string, profile: string, release: string, until: readonly string[]): Hold {
  return { cluster, profile, release, until: [...until], message: `${release} kept on ${cluster} until the replacement on ${clusterList(until)} is healthy` };
}

/**
 * The releases a set's make-before-break drain keeps on a leaving cluster, and the selected
 * clusters where the set's profiles are not yet deployed and healthy (what the drain waits for).
 */
function drainHolds(next: StatusSnapshot): Hold[] {
  const out: Hold[] = [];
  for (const [setId, { status }] of next.sets) {
    const draining = (status.drainingClusterRefs ?? []).map(refKey);
    if (draining.length === 0) continue;
    const selected = status.selectedClusterRefs.map(refKey);
    for (const [profileId, { object, status: ps }] of next.profiles) {
      const refs = Array.isArray(object.spec.setRefs) ? object.spec.setRefs : [];
      if (!refs.some((name) => setRefId(object, String(name)) === setId)) continue;
      const records = (k: string) => ps.clusters?.find((c) => c.cluster === k)?.releases ?? [];
      const until = selected.filter((k) => records(k).length === 0 || records(k).some((r) => r.state !== 'Conflict' && r.state !== 'DryRun' && !isUp(r)));
      if (until.length === 0) continue;
      for (const k of draining) for (const r of records(k)) out.push(hold(k, profileId, releaseKey(r), until));
    }
  }
  return out;
}

const NOT_RUN: ReadonlySet<DecisionKind> = new Set(['wait', 'backoff', 'dry-run', 'conflict', 'error']);

export function planReport(cycle: CycleResult, previous: PreviousStatus, diagnostics: readonly Diagnostic[]): PlanReport {
  const next = cycle.snapshot;
  // Release changes are the actions below; the change list is about clusters and sets.
  const changes = describeChanges(
    { clusters: previous.clusters, sets: previous.sets, profiles: new Map() },
    { clusters: next.clusters, sets: next.sets, profiles: new Map() },
  ).changes.filter((c) => !c.startsWith('new cluster ')); // a cluster without status simply counts as ready
  return {
    sets: [...next.sets.values()].map(({ object, status }) => ({
      kind: object.kind,
      namespace: object.metadata.namespace ?? null,
      name: object.metadata.name,
      maxReplicas: typeof object.spec.maxReplicas === 'number' ? object.spec.maxReplicas : 0,
      matching: status.matchingClusterRefs.map(refKey),
      selected: status.selectedClusterRefs.map(refKey),
      notSelected: status.notSelected ?? [],
      ...(status.drainingClusterRefs ? { draining: status.drainingClusterRefs.map(refKey) } : {}),
      ...(status.heldBack ? { heldBack: status.heldBack.map((h) => `${h.cluster}: ${h.message}`) } : {}),
      ...(status.message !== undefined ? { message: status.message } : {}),
    })),
    profiles: [...next.profiles.values()].map(({ object, status }) => ({
      kind: object.kind,
      namespace: object.metadata.namespace ?? null,
      name: object.metadata.name,
      matchingClusters: status.matchingClusters.map(refKey),
      errors: status.errors ?? [],
      unsupported: status.unsupported ?? [],
      conflicts: status.conflicts ?? [],
      ...(status.paused !== undefined ? { paused: status.paused } : {}),
    })),
    actions: cycle.actions.map((a) => ({
      action: a.action,
      cluster: a.cluster,
      profile: a.profile,
      releaseNamespace: a.release.releaseNamespace,
      releaseName: a.release.releaseName,
      chart: a.release.chartName,
      version: a.release.chartVersion,
      reason: a.reason,
    })),
    notRun: cycle.decisions
      .filter((d) => NOT_RUN.has(d.decision) && d.keptUntilHealthyOn === undefined)
      .map((d) => ({ decision: d.decision, cluster: d.cluster, profile: d.profile, release: d.release, reason: d.reason })),
    held: [
      ...drainHolds(next),
      ...cycle.decisions.flatMap((d) => (d.keptUntilHealthyOn === undefined ? [] : [hold(d.cluster, d.profile, d.release, d.keptUntilHealthyOn)])),
    ],
    unhealthy: unhealthyReleases(next),
    changes,
    ...(next.promotions?.size ? { promotions: promotionReport(cycle, previous) } : {}),
    diagnostics: [...diagnostics],
  };
}

const FAILING_CHECK = /^health check '/;

function unhealthyReleases(next: StatusSnapshot): PlanReport['unhealthy'] {
  const out: PlanReport['unhealthy'] = [];
  for (const [profile, { status }] of next.profiles) {
    for (const { cluster, releases } of status.clusters ?? []) {
      for (const r of releases) {
        if (r.state !== 'Deployed' || r.health === undefined || r.health === 'Healthy') continue;
        if (r.health !== 'Degraded' && !FAILING_CHECK.test(r.healthMessage ?? '')) continue;
        out.push({ cluster, profile, release: releaseKey(r), health: r.health, message: r.healthMessage ?? '' });
      }
    }
  }
  return out;
}
