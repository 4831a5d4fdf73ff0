// A release a profile no longer wants on a cluster: why (the cause, in words for the status), who
// owns it now, and what helm needs to uninstall it. The decision itself is decide.ts'.
import type { ClusterKey, HelmChart } from '../model/objects.ts';
import type { ReleaseRequest } from '../model/ports.ts';
import type { ReleaseStatus } from '../model/status.ts';
import type { ConflictResolution } from './conflicts.ts';
import { decideWithdraw, type ReleaseContext, type ReleaseDecision, type WithdrawCause } from './decide.ts';
import { releaseKey } from './desired.ts';

/** What withdrawing needs to know of the profile, and of the cycle (the breaker holds uninstalls). */
export interface WithdrawingProfile {
  id: string;
  /** stopMatchingBehavior LeavePolicies. */
  leave: boolean;
  /** spec.helmCharts as written: the options of a recorded release's entry, when still there. */
  charts: unknown;
  holdUninstalls: boolean;
}

export function withdraw(
  x: ReleaseContext,
  cause: WithdrawCause,
  p: WithdrawingProfile,
  resolution: ConflictResolution,
  request: () => ReleaseRequest,
  waitFor?: string,
  /** Added to the reason: a drain timeout that ended make-before-break, say. */
  note?: string,
): ReleaseDecision | undefined {
  return decideWithdraw(x, {
    ...(waitFor !== undefined ? { waitFor } : {}),
    cause,
    why: note === undefined ? withdrawWhy(cause, p.id, x.cluster) : `${withdrawWhy(cause, p.id, x.cluster)}; ${note}`,
    leave: p.leave,
    owner: resolution.ownerOf(x.cluster, x.release),
    request,
    held: p.holdUninstalls,
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

/** What helm needs to uninstall a recorded release: the options of its chart entry when still known. */
export function uninstallRequest(r: ReleaseStatus, charts: unknown): ReleaseRequest {
  const entries = Array.isArray(charts) ? (charts as HelmChart[]) : [];
  const key = releaseKey(r);
  const chart = entries.find((c) => releaseKey({ releaseNamespace: String(c.releaseNamespace ?? ''), releaseName: String(c.releaseName ?? '') }) === key);
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
