// The commit message's words for staged promotions (ClusterPromotion): a stage started, Healthy,
// awaiting approval or a delay, and the promotion done. `gitset show rollouts` reads these lines
// back, so their shapes are fixed:
//   ClusterPromotion/web promotion stage prod started: civo/a, civo/b
//   ClusterPromotion/web promotion stage qa healthy
//   ClusterPromotion/web promotion stage prod awaiting approval
//   ClusterPromotion/web promotion stage prod awaiting delay until 2026-01-01T10:05:00.000Z
//   ClusterPromotion/web promotion done
import type { PromotionStageStatus, PromotionStatus } from '../model/status.ts';
import type { StatusSnapshot } from './snapshot.ts';

export function promotionChanges(prev: StatusSnapshot, next: StatusSnapshot): string[] {
  const out: string[] = [];
  for (const [id, entry] of [...(next.promotions ?? [])].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.push(...changesOf(id, prev.promotions?.get(id)?.status, entry.status));
  }
  return out;
}

function changesOf(id: string, a: PromotionStatus | undefined, b: PromotionStatus): string[] {
  const out: string[] = [];
  for (const s of b.stages) {
    const before = a?.stages.find((x) => x.name === s.name);
    out.push(...stageChanges(`${id} promotion stage ${s.name}`, before, s, b.contentHash));
  }
  if (b.done && !(a?.done && a.contentHash === b.contentHash)) out.push(`${id} promotion done`);
  return out;
}

function stageChanges(what: string, a: PromotionStageStatus | undefined, b: PromotionStageStatus, hash: string): string[] {
  const running = b.state === 'Deploying' || b.state === 'Healthy';
  if (running && b.promotedHash === hash && a?.promotedHash !== hash) {
    const started = `${what} started: ${(b.clusters ?? []).join(', ') || 'no cluster'}`;
    return b.state === 'Healthy' ? [started, `${what} healthy`] : [started];
  }
  if (b.state === 'Healthy' && a?.state !== 'Healthy') return [`${what} healthy`];
  if (b.state === 'AwaitingApproval' && a?.state !== 'AwaitingApproval') return [`${what} awaiting approval`];
  if (b.state === 'AwaitingDelay' && b.until !== undefined && (a?.state !== 'AwaitingDelay' || a.until !== b.until)) return [`${what} awaiting delay until ${b.until}`];
  return [];
}
