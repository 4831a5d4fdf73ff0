// The `policyRefs` step of a cycle, after helm: plan (pure, plan/policies.ts) → kubectl per
// cluster (bounded, in order within a cluster) → fold the outcomes into the status. Level-
// triggered: a record is Applied only once kubectl said so, and a withdrawal stays recorded until
// the object is gone from the cluster (or found not to be gitset's), so a killed cycle converges.
import type { Logger } from 'pino';
import { runPerCluster } from '../helm/pool.ts';
import type { LoadedRepository } from '../load/index.ts';
import { clusterKey, objectId, type ClusterKey, type SveltosCluster } from '../model/objects.ts';
import type { ClusterTarget, KubectlRunner, ProbeResult } from '../model/ports.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, profileLabelValue } from '../observe/ownership.ts';
import { planPolicies, type PolicyWork } from '../plan/policies.ts';
import { isFirstPhase, policyObjectKey, type DesiredPolicyObject } from '../plan/policy-objects.ts';
import { recordPolicyOutcomes, withPolicies, type PolicyOutcome } from '../plan/policy-status.ts';
import { kubeconfigPathFor } from '../probe/credentials.ts';
import type { PreviousStatus, StatusSnapshot } from '../status/snapshot.ts';

export interface PolicyStepDeps {
  kubectl: KubectlRunner;
  repo: LoadedRepository;
  credentialsDir: string;
  parallelism: number;
  signal: AbortSignal;
  logger: Logger;
  now: () => Date;
  /** False at shutdown or in a cycle that only records: the plan's records, nothing run. */
  execute: boolean;
}

export interface PolicyStep {
  snapshot: StatusSnapshot;
  /** Puts this step's policy records onto another snapshot of the same cycle (one recorded again later). */
  graft(snapshot: StatusSnapshot): StatusSnapshot;
}

/** Applies and withdraws policyRefs objects; returns `snapshot` with each profile's policy records. */
export async function reconcilePolicies(deps: PolicyStepDeps, snapshot: StatusSnapshot, previous: PreviousStatus, probes: ReadonlyMap<ClusterKey, ProbeResult>, failures: string[]): Promise<PolicyStep> {
  const { repo } = deps;
  const clusters = new Map(repo.clusters.map((c) => [clusterKey(c.metadata), c]));
  const profiles = repo.profiles.map((profile) => {
    const id = objectId(profile);
    const matched = (snapshot.profiles.get(id)?.status.matchingClusters ?? []).map((r) => clusterKey(r));
    return { id, profile, matched };
  });
  const plan = planPolicies({
    profiles,
    previous: previous.profiles,
    clusters,
    sources: repo.sources ?? [],
    objects: repo.objects ?? [],
    clusterStatus: (c) => snapshot.clusters.get(c)?.status,
    workable: (c) => probes.get(c)?.ok === true && clusters.get(c)?.spec.paused !== true,
  });
  const outcomes = deps.execute ? await runPolicyWork(deps, plan.work, clusters) : [];
  for (const o of outcomes) if (o.error) failures.push(`policies of ${o.work.profile} on ${o.work.cluster}: ${o.error}`);
  const records = recordPolicyOutcomes(plan, outcomes, deps.now().toISOString());
  const graft = (s: StatusSnapshot): StatusSnapshot => withPolicies(s, previous, records, plan.errors);
  return { snapshot: graft(snapshot), graft };
}

async function runPolicyWork(deps: PolicyStepDeps, work: readonly PolicyWork[], clusters: ReadonlyMap<ClusterKey, SveltosCluster>): Promise<PolicyOutcome[]> {
  if (work.length === 0) return [];
  const tasks = work.map((w) => ({ cluster: w.cluster, run: (signal: AbortSignal) => runOne(deps, w, clusters, signal) }));
  const settled = await runPerCluster(tasks, { parallelism: deps.parallelism, signal: deps.signal });
  return settled.map((s, i) => (s.status === 'fulfilled' ? s.value : { work: work[i]!, applied: new Set<string>(), withdrawn: new Set<string>(), error: messageOf(s.reason) }));
}

/** One profile's work on one cluster: Namespaces and CRDs, then the rest; then withdrawals. */
async function runOne(deps: PolicyStepDeps, w: PolicyWork, clusters: ReadonlyMap<ClusterKey, SveltosCluster>, signal: AbortSignal): Promise<PolicyOutcome> {
  const cluster = clusters.get(w.cluster);
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
    log.warn({ error: messageOf(err) }, 'kubectl failed');
    return { work: w, applied, withdrawn, refused, error: messageOf(err) };
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
async function withoutForeign(deps: PolicyStepDeps, target: ClusterTarget, objects: readonly DesiredPolicyObject[], refused: Map<string, string>, signal: AbortSignal): Promise<DesiredPolicyObject[]> {
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
