// One stage of a ClusterPromotion, observed: is its ClusterProfile deployed and Healthy on every
// cluster it matches (what maxUpdate calls done: releases Deployed at the desired state and
// Healthy, validateHealths included, manifests Applied), and is its trigger met. Pure.
import { parseDuration } from '../model/duration.ts';
import type { ClusterKey, PromotionStage } from '../model/objects.ts';
import type { ProfileStatus, PromotionStageStatus } from '../model/status.ts';
import type { ReleasePlan } from './releases.ts';

/** Why the stage is not done yet; undefined when it is deployed and Healthy everywhere it matches. */
export function stageNotDone(plan: ReleasePlan, id: string, matched: readonly ClusterKey[], wants: { releases: boolean; policies: boolean }, previous: ProfileStatus | undefined): string | undefined {
  const calls = plan.actions.filter((a) => a.profile === id);
  if (calls.length > 0) return `${calls.length} helm call${calls.length === 1 ? '' : 's'} to run (${calls.slice(0, 3).map((a) => `${a.action} on ${a.cluster}`).join(', ')}${calls.length > 3 ? ', …' : ''})`;
  const records = new Map((plan.clusters.get(id) ?? []).map((pc) => [pc.cluster, pc]));
  const policies = new Map((previous?.clusters ?? []).map((pc) => [pc.cluster, pc.policies ?? []]));
  for (const cluster of matched) {
    const releases = records.get(cluster)?.releases ?? [];
    if (wants.releases && releases.length === 0) return `${cluster}: nothing deployed yet`;
    if (wants.policies && (policies.get(cluster) ?? []).length === 0) return `${cluster}: no manifest applied yet`;
    for (const r of releases) {
      const what = `${cluster}: ${r.releaseNamespace}/${r.releaseName}`;
      if (r.state !== 'Deployed') return `${what} ${r.state}${r.reason ? ` (${r.reason})` : r.lastError ? ` (${r.lastError.split('\n')[0]})` : ''}`;
      if (r.health !== undefined && r.health !== 'Healthy') return `${what} ${r.health}${r.healthMessage ? ` (${r.healthMessage})` : ''}`;
    }
    const notApplied = (policies.get(cluster) ?? []).find((p) => p.state !== 'Applied');
    if (notApplied) return `${cluster}: ${notApplied.kind} ${notApplied.namespace ? `${notApplied.namespace}/` : ''}${notApplied.name} ${notApplied.state}`;
  }
  return undefined;
}

/**
 * Whether the stage runs the current content on one of its clusters already: a release there at
 * its desired state (no helm call planned) and Deployed. A `promotedHash` in the status alone is a
 * file anyone who can push may write; it keeps a stage promoted only when the clusters bear it out.
 * A stage with no cluster, or with no release to look at (manifests only), goes by the status.
 */
export function runsContent(plan: ReleasePlan, id: string, matched: readonly ClusterKey[], wants: { releases: boolean }): boolean {
  if (matched.length === 0 || !wants.releases) return true;
  const pending = new Set(plan.actions.filter((a) => a.profile === id).map((a) => a.cluster));
  const mine = new Set(matched);
  return (plan.clusters.get(id) ?? []).some((pc) => mine.has(pc.cluster) && !pending.has(pc.cluster) && pc.releases.length > 0 && pc.releases.every((r) => r.state === 'Deployed'));
}

/** What promotes past a stage, for the stage after it: met now, or what it waits for. */
export type TriggerVerdict = { met: true } | { met: false; state: 'AwaitingApproval' | 'AwaitingDelay'; message: string; until?: string };

/**
 * The stage's trigger, once it is Healthy at `hash` since `healthySince`. A manual approval
 * (`approved: true`) counts for the content it was first seen with (`approvedHash`), unless
 * `automaticReset: false` makes it a standing approval, as in Sveltos.
 */
export function triggerVerdict(stage: PromotionStage, index: number, mine: Pick<PromotionStageStatus, 'healthySince' | 'approvedHash'>, hash: string, now: Date): TriggerVerdict {
  const manual = stage.trigger?.manual;
  const delay = parseDuration(stage.trigger?.auto?.delay ?? manual?.delay ?? '0') ?? 0;
  const field = `spec.stages[${index}].trigger.manual.approved`;
  if (manual) {
    if (manual.approved !== true) return { met: false, state: 'AwaitingApproval', message: `awaiting approval: commit ${field}: true (content ${hash})` };
    if (manual.automaticReset !== false && mine.approvedHash !== hash) {
      return { met: false, state: 'AwaitingApproval', message: `awaiting approval: ${field} was given for content ${mine.approvedHash}, the content is now ${hash}; commit approved: false, then approve again` };
    }
  }
  const since = Date.parse(mine.healthySince ?? '');
  const until = Number.isFinite(since) ? since + delay : now.getTime();
  if (until > now.getTime()) return { met: false, state: 'AwaitingDelay', message: `awaiting delay until ${new Date(until).toISOString()} (stage ${stage.name} Healthy since ${mine.healthySince})`, until: new Date(until).toISOString() };
  return { met: true };
}
