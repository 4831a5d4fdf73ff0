// What `gitset plan` says about staged promotions: where each stands, what waits for what, and
// which stages this revision starts (so a pull request that sets `approved: true` shows what
// merging it deploys where). Pure.
import type { PreviousStatus } from '../status/snapshot.ts';
import type { CycleResult } from './cycle.ts';

export interface PromotionReport {
  id: string;
  contentHash: string;
  currentStage: string;
  done: boolean;
  /** `qa: Healthy: deployed and Healthy on civo/a`, one per stage. */
  stages: string[];
  /** `stage prod (content abc) on civo/c: install kyverno/kyverno-latest on civo/c`, for stages this revision starts. */
  starts: string[];
}

export function promotionReport(cycle: CycleResult, previous: PreviousStatus): PromotionReport[] {
  return [...(cycle.snapshot.promotions ?? [])].map(([id, { status }]) => {
    const before = previous.promotions?.get(id)?.status;
    const starts = status.stages.flatMap((s) => {
      const running = s.state === 'Deploying' || s.state === 'Healthy';
      const was = before?.stages.find((x) => x.name === s.name);
      if (!running || (was?.promotedHash === status.contentHash && (was.state === 'Deploying' || was.state === 'Healthy'))) return [];
      const calls = cycle.actions.filter((a) => a.profile === s.profile).map((a) => `${a.action} ${a.release.releaseNamespace}/${a.release.releaseName} ${a.release.chartVersion} on ${a.cluster}`);
      return [`stage ${s.name} (content ${status.contentHash}) on ${(s.clusters ?? []).join(', ') || 'no cluster'}${calls.length > 0 ? `: ${calls.join('; ')}` : ''}`];
    });
    return {
      id,
      contentHash: status.contentHash,
      currentStage: status.currentStage,
      done: status.done === true,
      stages: status.stages.map((s) => `${s.name}: ${s.state}: ${s.message}`),
      starts,
    };
  });
}
