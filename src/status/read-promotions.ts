// Reads a ClusterPromotion's status back (the next cycle's previous, `gitset show`). Tolerant:
// a malformed stage is dropped, and a stage without its record simply starts from nothing known.
import type { PromotionStageStatus, PromotionStatus, StageState } from '../model/status.ts';
import { isObject, list, str } from './tolerant.ts';

const STATES: readonly StageState[] = ['Waiting', 'Deploying', 'Healthy', 'AwaitingApproval', 'AwaitingDelay'];

export function readPromotionStatus(s: unknown): PromotionStatus | undefined {
  if (!isObject(s)) return undefined;
  const contentHash = str(s.contentHash);
  if (contentHash === undefined) return undefined;
  const stages = list(s.stages).flatMap((x): PromotionStageStatus[] => {
    if (!isObject(x) || typeof x.name !== 'string' || typeof x.profile !== 'string' || !STATES.includes(x.state as StageState)) return [];
    const out: PromotionStageStatus = { name: x.name, profile: x.profile, state: x.state as StageState, message: str(x.message) ?? '' };
    for (const f of ['promotedHash', 'healthySince', 'approvedHash', 'until'] as const) {
      const v = str(x[f]);
      if (v !== undefined) out[f] = v;
    }
    const clusters = list(x.clusters).filter((c): c is string => typeof c === 'string');
    if (clusters.length > 0) out.clusters = clusters;
    return [out];
  });
  return { contentHash, currentStage: str(s.currentStage) ?? stages[0]?.name ?? '', ...(s.done === true ? { done: true } : {}), stages };
}
