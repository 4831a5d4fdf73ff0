// The `policyRefs` step of a cycle, after helm: plan (pure, plan/policies.ts) around the work in
// flight → hand new work to the background (policy-work.ts) → fold the outcomes that ended into
// the status. And the kubectl sequence one piece of that work runs. Level-triggered: a record is
// Applied only once kubectl said so, and a withdrawal stays recorded until the object is gone from
// the cluster (or found not to be gitset's), so a killed cycle converges.
import type { Logger } from 'pino';
import type { LoadedRepository } from '../load/index.ts';
import { clusterKey, objectId, type ClusterKey, type ProfileObject, type SveltosCluster } from '../model/objects.ts';
import type { ClusterTarget, KubectlRunner, KustomizeOutput, KustomizeRequest, ProbeResult } from '../model/ports.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, profileLabelValue } from '../observe/ownership.ts';
import { sourceBuildRequests, templateScope, type TemplateScope } from '../plan/kustomize-objects.ts';
import { indexRepositoryObjects } from '../load/repository-objects.ts';
import { templateContext } from '../plan/template-context.ts';
import type { TemplateCluster } from '../plan/template.ts';
import { planPolicies, type PolicyWork } from '../plan/policies.ts';
import { heldByPromotion } from '../plan/promotion.ts';
import { isFirstPhase, policyObjectKey, type DesiredPolicyObject } from '../plan/policy-objects.ts';
import { recordPolicyOutcomes, withPolicies, type PolicyOutcome } from '../plan/policy-status.ts';
import type { PoliciesInFlight } from './policy-work.ts';
import { kubeconfigPathFor } from '../probe/credentials.ts';
import type { PreviousStatus, StatusSnapshot } from '../status/snapshot.ts';

export interface PolicyStepInput {
  repo: LoadedRepository;
  /** The snapshot after selection and helm's outcomes: matched clusters per profile. */
  snapshot: StatusSnapshot;
  previous: PreviousStatus;
  probes: ReadonlyMap<ClusterKey, ProbeResult>;
  /** What the background kubectl work holds now: pairs not planned again, outcomes to record. */
  taken: PoliciesInFlight;
  /**
   * The builds of kustomizationRefs and Flux policyRefs made so far for these requests (a build
   * not made yet is missing: its objects wait, nothing of it is withdrawn); asks for the rest.
   * Absent without kubectl.
   */
  builds?: (requests: readonly KustomizeRequest[]) => ReadonlyMap<string, KustomizeOutput>;
  now: () => Date;
}

export interface PolicyStep {
  snapshot: StatusSnapshot;
  /** The work to hand to the background (kubectl runs there, never in the cycle). */
  work: PolicyWork[];
  /**
   * Puts this step's policy records onto another snapshot of the same cycle (one recorded again
   * later), with the outcomes of work that ended since.
   */
  graft(snapshot: StatusSnapshot, later?: readonly PolicyOutcome[]): StatusSnapshot;
}

/** Plans policyRefs around the work in flight and records the work that ended. Pure; no kubectl here. */
export function planPolicyStep(input: PolicyStepInput, failures: string[]): PolicyStep {
  const { repo, snapshot, previous, probes, taken } = input;
  const clusters = new Map(repo.clusters.map((c) => [clusterKey(c.metadata), c]));
  const profiles = repo.profiles.map((profile) => {
    const id = objectId(profile);
    const matched = (snapshot.profiles.get(id)?.status.matchingClusters ?? []).map((r) => clusterKey(r));
    return { id, profile, matched };
  });
  // kustomizationRefs and Flux policyRefs: built in the background (source-builds.ts); the plan reads what is built.
  const fluxSources = repo.fluxSources ?? [];
  const objects = indexRepositoryObjects(repo.objects ?? []);
  const scope = (profile: Pick<ProfileObject, 'metadata' | 'spec'>, cluster: TemplateCluster, key: ClusterKey): TemplateScope | undefined => {
    const r = templateContext(profile, cluster as SveltosCluster, snapshot.clusters.get(key)?.status, objects);
    return r.error !== undefined ? undefined : templateScope(r.context.cluster, r.context.resources);
  };
  const requests = input.builds ? sourceBuildRequests(profiles, clusters, { sources: repo.sources ?? [], fluxSources }, scope) : [];
  const builds = requests.length > 0 ? input.builds!(requests) : new Map<string, KustomizeOutput>();
  // A stage a promotion has not reached keeps the objects it has: no apply, no withdrawal.
  const promotionWait = heldByPromotion(snapshot.promotions);
  const plan = planPolicies({
    profiles,
    previous: previous.profiles,
    clusters,
    sources: repo.sources ?? [],
    fluxSources,
    builds,
    objects: repo.objects ?? [],
    clusterStatus: (c) => snapshot.clusters.get(c)?.status,
    workable: (c, p) => probes.get(c)?.ok === true && clusters.get(c)?.spec.paused !== true && !taken.keys.has(policyPairKey(c, p)) && !promotionWait.has(p),
  });
  for (const o of taken.finished) if (o.error) failures.push(`policies of ${o.work.profile} on ${o.work.cluster}: ${o.error}`);
  const at = input.now().toISOString();
  const graft = (s: StatusSnapshot, later: readonly PolicyOutcome[] = []): StatusSnapshot =>
    withPolicies(s, previous, recordPolicyOutcomes(plan, [...taken.finished, ...later], at), plan.errors);
  // A cluster that failed this round's probe gets no new call; the next round plans it again.
  const work = plan.work.filter((w) => probes.get(w.cluster)?.ok === true);
  return { snapshot: graft(snapshot), work, graft };
}

/** A (cluster, profile) pair: the unit of kubectl work, one at a time. */
export function policyPairKey(cluster: ClusterKey, profile: string): string {
  return `${cluster} ${profile}`;
}

export interface KubectlDeps {
  kubectl: KubectlRunner;
  credentialsDir: string;
  logger: Logger;
}

/** One profile's work on one cluster: Namespaces and CRDs, then the rest; then withdrawals. Never rejects. */
export async function runPolicyWork(deps: KubectlDeps, w: PolicyWork, cluster: SveltosCluster | undefined, signal: AbortSignal): Promise<PolicyOutcome> {
  const applied = new Set<string>();
  const withdrawn = new Set<string>();
  const refused = new Map<string, string>();
  if (!cluster) return { work: w, applied, withdrawn, error: `cluster ${w.cluster} is not in the repository` };
  const target = { cluster: w.cluster, kubeconfigPath: kubeconfigPathFor(deps.credentialsDir, cluster) };
  const log = deps.logger.child({ cluster: w.cluster, profile: w.profile });
  try {
    await deps.kubectl.ensureNamespaces(target, w.namespaces, signal);
    for (const all of batches(w.apply)) {
      const phase = await withoutForeign(deps, target, all, refused, signal);
      if (phase.length === 0) continue;
      log.info({ objects: phase.map((o) => `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`) }, 'kubectl apply');
      await deps.kubectl.apply(target, phase.map((o) => o.manifest), signal).catch((err: unknown) => {
        // kubectl may quote a rejected value: what came from a Secret keeps only the error's class.
        if (!phase.some(fromSecret)) throw err;
        const reason = /\(([A-Za-z]+)\)/.exec(messageOf(err))?.[1] ?? 'failed';
        throw new Error(`kubectl apply of content from a Secret was refused (${reason}); details withheld to keep the Secret out of status and logs`);
      });
      for (const o of phase) applied.add(o.key);
    }
    if (w.withdraw.length > 0) {
      const results = await deps.kubectl.delete(target, w.withdraw, profileLabelValue(w.profile), signal);
      w.withdraw.forEach((ref, i) => {
        const what = `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
        if (results[i] === 'not-ours') log.warn({ object: what }, 'not withdrawn: the object does not carry gitset\'s mark for this profile; left alone');
        else log.info({ object: what, result: results[i] }, 'kubectl delete');
        withdrawn.add(policyObjectKey(ref));
      });
    }
    return { work: w, applied, withdrawn, refused };
  } catch (err) {
    // Cut short (the cluster stopped answering, or shutdown): the reason comes first.
    const cut = signal.aborted && signal.reason instanceof Error ? `${signal.reason.message}: ` : '';
    log.warn({ error: cut + messageOf(err) }, 'kubectl failed');
    return { work: w, applied, withdrawn, refused, error: cut + messageOf(err) };
  }
}

/** Namespaces and CRDs, then the rest; in each, content from ConfigMaps and from Secrets apart. */
function batches(objects: readonly DesiredPolicyObject[]): DesiredPolicyObject[][] {
  const first = objects.filter(isFirstPhase);
  const rest = objects.filter((o) => !isFirstPhase(o));
  return [first.filter((o) => !fromSecret(o)), first.filter(fromSecret), rest.filter((o) => !fromSecret(o)), rest.filter(fromSecret)];
}

function fromSecret(o: DesiredPolicyObject): boolean {
  return o.source.startsWith('Secret/');
}

/**
 * The objects that are absent or carry gitset's mark (any profile's: tier decides between
 * profiles); one already on the cluster without it is not gitset's to overwrite, and is refused.
 */
async function withoutForeign(deps: KubectlDeps, target: ClusterTarget, objects: readonly DesiredPolicyObject[], refused: Map<string, string>, signal: AbortSignal): Promise<DesiredPolicyObject[]> {
  if (objects.length === 0) return [];
  const labels = await deps.kubectl.labels(target, objects, signal);
  return objects.filter((o, i) => {
    const l = labels[i];
    if (l === undefined || l[MANAGED_BY_LABEL] === MANAGED_BY_VALUE) return true;
    refused.set(o.key, `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name} exists on the cluster without gitset's mark (${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}): left alone; label it to let gitset manage it`);
    return false;
  });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
