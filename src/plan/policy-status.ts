// Folds kubectl's outcomes into the planned policy records, and the records into the profiles'
// status beside their releases. Pure: what the executor did in, the next snapshot out.
import type { ClusterKey } from '../model/objects.ts';
import type { PolicyStatus, ProfileClusterStatus, ProfileStatus } from '../model/status.ts';
import type { PreviousStatus, ProfileEntry, StatusSnapshot } from '../status/snapshot.ts';
import type { PolicyPlan, PolicyWork } from './policies.ts';
import { policyObjectKey } from './policy-objects.ts';

export interface PolicyOutcome {
  work: PolicyWork;
  /** Keys (policyObjectKey) applied. */
  applied: ReadonlySet<string>;
  /** Keys gone from the cluster: deleted, absent already, or not carrying gitset's mark (left alone, record dropped). */
  withdrawn: ReadonlySet<string>;
  /** What went wrong for the objects neither applied nor withdrawn; safe for status. */
  error?: string;
  /** Objects not applied because the cluster has them without gitset's mark, with why. */
  refused?: ReadonlyMap<string, string>;
  /** When kubectl ended (ISO); the recording's time when absent. */
  finishedAt?: string;
}

/**
 * The planned records with the outcomes applied: applied → Applied with the hash kubectl applied
 * and its time; withdrawn → dropped; else Failed. An outcome may come from an earlier cycle's plan
 * (kubectl runs in the background): an object it applied that this plan no longer records is
 * recorded Applied all the same, so that a later cycle withdraws it.
 */
export function recordPolicyOutcomes(plan: PolicyPlan, outcomes: readonly PolicyOutcome[], at: string): Map<string, Map<ClusterKey, PolicyStatus[]>> {
  const out = new Map([...plan.records].map(([p, m]) => [p, new Map([...m].map(([c, rs]) => [c, [...rs]]))]));
  for (const o of outcomes) {
    const byCluster = out.get(o.work.profile) ?? new Map<ClusterKey, PolicyStatus[]>();
    out.set(o.work.profile, byCluster);
    byCluster.set(o.work.cluster, foldOutcome(byCluster.get(o.work.cluster) ?? [], o, o.finishedAt ?? at));
  }
  return out;
}

function foldOutcome(records: readonly PolicyStatus[], o: PolicyOutcome, at: string): PolicyStatus[] {
  const applying = new Map(o.work.apply.map((x) => [x.key, x]));
  const withdrawKeys = new Set(o.work.withdraw.map(policyObjectKey));
  const next: PolicyStatus[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    const key = policyObjectKey(r);
    seen.add(key);
    const object = applying.get(key);
    if (withdrawKeys.has(key)) {
      if (!o.withdrawn.has(key)) next.push({ ...r, error: o.error ?? 'not withdrawn' });
      continue;
    }
    if (!object) {
      next.push(r);
      continue;
    }
    const refusal = o.refused?.get(key);
    if (refusal !== undefined) next.push({ ...r, state: 'Conflict', error: refusal });
    else if (o.applied.has(key)) {
      const { error: _e, ...rest } = r;
      next.push({ ...rest, state: 'Applied', hash: object.hash, lastAppliedTime: at });
    } else next.push({ ...r, state: 'Failed', error: o.error ?? 'not applied' });
  }
  for (const [key, object] of applying) {
    if (seen.has(key) || !o.applied.has(key)) continue;
    const { apiVersion, kind, namespace, name } = object;
    next.push({ apiVersion, kind, ...(namespace !== undefined ? { namespace } : {}), name, state: 'Applied', source: object.source, hash: object.hash, lastAppliedTime: at });
  }
  return next;
}

/**
 * The snapshot with every profile's `policies` per cluster set from `records` (replacing what was
 * there), and render errors added; a deleted profile with objects left to withdraw keeps its status.
 */
export function withPolicies(snapshot: StatusSnapshot, previous: PreviousStatus, records: ReadonlyMap<string, ReadonlyMap<ClusterKey, PolicyStatus[]>>, errors: ReadonlyMap<string, string[]>): StatusSnapshot {
  const hadPolicies = [...snapshot.profiles.values()].some((e) => e.status.clusters?.some((c) => c.policies !== undefined));
  if (records.size === 0 && errors.size === 0 && !hadPolicies) return snapshot; // no policyRefs anywhere: as it was
  const profiles = new Map<string, ProfileEntry>();
  // The snapshot's order first (commit messages follow it), then deleted profiles still withdrawing.
  const ids = new Set([...snapshot.profiles.keys(), ...[...records.keys()].sort()]);
  for (const id of ids) {
    const entry = snapshot.profiles.get(id) ?? previous.profiles.get(id);
    if (!entry) continue;
    const byCluster = records.get(id) ?? new Map<ClusterKey, PolicyStatus[]>();
    const fromSnapshot = snapshot.profiles.has(id);
    if (!fromSnapshot && ![...byCluster.values()].some((rs) => rs.length > 0)) continue;
    const status: ProfileStatus = fromSnapshot ? { ...entry.status } : { matchingClusters: [], errors: ['deleted from the repository; withdrawing its policies'] };
    const clusters = new Map<ClusterKey, ProfileClusterStatus>();
    for (const pc of fromSnapshot ? (status.clusters ?? []) : []) {
      const { policies: _p, ...rest } = pc;
      clusters.set(pc.cluster, rest);
    }
    for (const [cluster, rs] of byCluster) {
      if (rs.length === 0) continue;
      const pc = clusters.get(cluster) ?? { cluster, releases: [] };
      clusters.set(cluster, { ...pc, policies: [...rs].sort(byObject) });
    }
    const list = [...clusters.values()].filter((c) => c.releases.length > 0 || (c.policies?.length ?? 0) > 0).sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));
    if (list.length > 0) status.clusters = list;
    else delete status.clusters;
    const errs = errors.get(id);
    if (errs && errs.length > 0) status.errors = [...(status.errors ?? []), ...errs];
    profiles.set(id, { object: entry.object, status });
  }
  return { ...snapshot, profiles };
}

function byObject(a: PolicyStatus, b: PolicyStatus): number {
  const x = policyObjectKey(a);
  const y = policyObjectKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
