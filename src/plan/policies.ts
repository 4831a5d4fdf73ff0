// Decides the kubectl work of `policyRefs` for one cycle: per (cluster, profile), the objects to
// apply (hash differs from what status recorded) and to withdraw (the cluster stopped matching
// under WithdrawPolicies, the profile or the entry went, the object left its ConfigMap), with two
// profiles claiming one object resolved by tier as for releases. Pure. The executor checks
// gitset's mark on the cluster before any delete: a status record alone never deletes.
import { type ClusterKey, type ProfileObject, type SveltosCluster } from '../model/objects.ts';
import { contentSourceId, type ContentSource, type FluxSource } from '../model/sources.ts';
import type { KustomizeOutput } from '../model/ports.ts';
import type { ClusterStatus, PolicyStatus, ProfileStatus } from '../model/status.ts';
import { indexRepositoryObjects, type RepositoryObject } from '../load/repository-objects.ts';
import { templateContext } from './template-context.ts';
import { DEFAULT_TIER } from './desired.ts';
import { desiredSourceObjects, templateScope } from './kustomize-objects.ts';
import { dependencyGraph, deployedOn, profilePaused, waitingFor, type DependencyGraph } from './depends.ts';
import { dependentsWait } from './holds.ts';
import { desiredPolicyObjects, isFirstPhase, policyObjectKey, type DesiredPolicyObject, type PolicyObjectRef } from './policy-objects.ts';

export interface PolicyPlanInput {
  /** Profiles of the revision in force with the clusters each matches now. */
  profiles: ReadonlyArray<{ id: string; profile: ProfileObject; matched: readonly ClusterKey[] }>;
  /** Each profile's previous status (deleted profiles included, with their last object), by id. */
  previous: ReadonlyMap<string, { status: ProfileStatus; object?: Pick<ProfileObject, 'kind' | 'metadata' | 'spec'> }>;
  clusters: ReadonlyMap<ClusterKey, SveltosCluster>;
  sources: readonly ContentSource[];
  /** kustomizationRefs: the Flux sources of the repository, and the builds made for this plan by request key. */
  fluxSources?: readonly FluxSource[];
  builds?: ReadonlyMap<string, KustomizeOutput>;
  /**
   * Whether kubectl can work for `profile` on `cluster` now: the cluster answers, is not paused,
   * and no call for that pair runs or waits to be recorded.
   */
  workable(cluster: ClusterKey, profile: string): boolean;
  /** The repository's other objects, for templateResourceRefs (LoadedRepository.objects). */
  objects?: readonly RepositoryObject[];
  /** Each cluster's status as this cycle records it (`.Cluster.status` of templates). */
  clusterStatus?: (cluster: ClusterKey) => ClusterStatus | undefined;
}

export interface PolicyWork {
  cluster: ClusterKey;
  profile: string;
  /** In order: Namespaces and CRDs, then the rest. */
  apply: DesiredPolicyObject[];
  /** In order: the rest, then CRDs and Namespaces. */
  withdraw: PolicyObjectRef[];
  /** Namespaces the applied objects live in that none of them declares: created when missing, never marked. */
  namespaces: string[];
}

export interface PolicyPlan {
  work: PolicyWork[];
  /** Planned records per profile and cluster, before kubectl runs. */
  records: Map<string, Map<ClusterKey, PolicyStatus[]>>;
  /** Render/parse errors per profile, for its status. */
  errors: Map<string, string[]>;
}

interface Claim {
  profile: string;
  tier: number;
  object: DesiredPolicyObject;
  /** Its place among the objects the profile wants on the cluster (what a lost conflict stops after). */
  order: number;
}

/** Every object each profile wants on each matched cluster, by `cluster key`; render errors by profile. */
function collectClaims(input: PolicyPlanInput): { claims: Map<string, Claim[]>; errors: Map<string, string[]>; held: Set<string> } {
  const sources = new Map(input.sources.map((s) => [contentSourceId({ kind: s.kind, namespace: s.metadata.namespace, name: s.metadata.name }), s]));
  const claims = new Map<string, Claim[]>();
  const errors = new Map<string, string[]>();
  const objects = indexRepositoryObjects(input.objects ?? []);
  // `cluster profile source` (or `*`): content that failed to render there; what it applied stays as it is.
  const held = new Set<string>();
  for (const { id, profile, matched } of input.profiles) {
    for (const cluster of matched) {
      const c = input.clusters.get(cluster);
      if (!c) continue;
      const context = templateContext(profile, c, input.clusterStatus?.(cluster), objects);
      if (context.error !== undefined) {
        // Sveltos deploys nothing of the profile there until its templateResourceRefs resolve; what it applied stays.
        if ((profile.spec.policyRefs ?? []).length > 0) errors.set(id, [...(errors.get(id) ?? []), `${cluster}: ${context.error}`]);
        held.add(`${cluster} ${id} *`);
        continue;
      }
      const d = desiredPolicyObjects(id, profile, context.context.cluster, sources, context.context);
      const k = desiredSourceObjects(id, profile, templateScope(context.context.cluster, context.context.resources), input, input.builds ?? new Map());
      const all = [...d.errors, ...k.errors];
      if (all.length > 0) errors.set(id, [...(errors.get(id) ?? []), ...all.map((e) => `${cluster}: ${e}`)]);
      for (const source of d.failed) held.add(`${cluster} ${id} ${source}`);
      // A source not built or not fetched: what the profile applied there stays as it is.
      if (k.errors.length > 0) held.add(`${cluster} ${id} *`);
      // An object both a policyRefs and a kustomizationRefs entry define: the policyRefs one counts.
      const mine = new Set(d.objects.map((o) => o.key));
      [...d.objects, ...k.objects.filter((o) => !mine.has(o.key))].forEach((object, order) => {
        const k = `${cluster} ${object.key}`;
        claims.set(k, [...(claims.get(k) ?? []), { profile: id, tier: profile.spec.tier ?? DEFAULT_TIER, object, order }]);
      });
    }
  }
  return { claims, errors, held };
}

export function planPolicies(input: PolicyPlanInput): PolicyPlan {
  const { claims, errors, held } = collectClaims(input);
  const records = new Map<string, Map<ClusterKey, PolicyStatus[]>>();
  const work = new Map<string, PolicyWork>();
  const record: Recorder = (profile, cluster, r) => {
    const byCluster = records.get(profile) ?? new Map<ClusterKey, PolicyStatus[]>();
    records.set(profile, byCluster);
    byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), r]);
  };
  const workOf: WorkOf = (cluster, profile) => {
    const k = `${cluster} ${profile}`;
    let w = work.get(k);
    if (!w) work.set(k, (w = { cluster, profile, apply: [], withdraw: [], namespaces: [] }));
    return w;
  };
  const profiles = new Map(input.profiles.map((p) => [p.id, p]));
  const graph = graphOf(input);
  const picked = new Map<string, Claim>();
  for (const [k, list] of claims) {
    const cluster = k.slice(0, k.indexOf(' '));
    picked.set(k, pickWinner(list, (p, key) => recordOf(input.previous.get(p)?.status, cluster, key)?.state === 'Applied'));
  }
  const winners = new Map([...picked].map(([k, c]) => [k, c.profile] as const)); // `cluster key` → profile
  const holds: Holds = { input, profiles, graph, stopped: conflictStops(claims, picked, profiles) };
  for (const [k, list] of claims) {
    const cluster = k.slice(0, k.indexOf(' '));
    for (const c of list) planClaim(holds, cluster, c, picked.get(k)!, record, workOf);
  }
  planWithdrawals(input, profiles, winners, held, record, workOf, graph);
  return { work: orderedWork(work.values()), records, errors };
}

type Recorder = (profile: string, cluster: ClusterKey, r: PolicyStatus) => void;
type WorkOf = (cluster: ClusterKey, profile: string) => PolicyWork;

/** One profile's claim on one object on a cluster: lost, failed, a dry run, held, kept, or applied. */
function planClaim(h: Holds, cluster: ClusterKey, c: Claim, winner: Claim, record: Recorder, workOf: WorkOf): void {
  const { input, profiles } = h;
  const prev = recordOf(input.previous.get(c.profile)?.status, cluster, c.object.key);
  if (c !== winner) {
    record(c.profile, cluster, { ...refOf(c.object), state: 'Conflict', source: c.object.source, error: `claimed by ${winner.profile} (tier ${winner.tier}, this profile's tier ${c.tier}): the lower tier wins` });
    return;
  }
  if (c.object.error !== undefined) {
    // Its patches failed: applying it unpatched could undo them, withdrawing it is not asked for.
    record(c.profile, cluster, { ...(prev ?? {}), ...refOf(c.object), state: 'Failed', source: c.object.source, error: c.object.error });
    return;
  }
  const syncMode = profiles.get(c.profile)?.profile.spec.syncMode;
  if (syncMode === 'DryRun') {
    // Computed and recorded, never run: what Continuous would apply shows as DryRun.
    const wouldApply = !(prev?.state === 'Applied' && prev.hash === c.object.hash);
    record(c.profile, cluster, wouldApply ? { ...refOf(c.object), state: 'DryRun', source: c.object.source, hash: c.object.hash } : prev!);
    return;
  }
  const oneTime = syncMode === 'OneTime';
  const inSync = prev?.state === 'Applied' && (prev.hash === c.object.hash || oneTime);
  const held = inSync ? undefined : heldReason(h, c, cluster);
  if (held !== undefined) {
    record(c.profile, cluster, prev ? { ...prev, error: `not applied: ${held}` } : { ...refOf(c.object), state: 'Pending', source: c.object.source, hash: c.object.hash, error: held });
    return;
  }
  if (inSync || !input.workable(cluster, c.profile)) {
    record(c.profile, cluster, prev ?? { ...refOf(c.object), state: 'Pending', source: c.object.source, hash: c.object.hash });
    return;
  }
  workOf(cluster, c.profile).apply.push(c.object);
  record(c.profile, cluster, { ...(prev ?? {}), ...refOf(c.object), state: 'Pending', source: c.object.source, hash: c.object.hash });
}

/** Each (cluster, profile)'s work in phase order, with the namespaces to create; the pairs by cluster, then profile. */
function orderedWork(work: Iterable<PolicyWork>): PolicyWork[] {
  const out = [...work];
  for (const w of out) {
    w.apply = [...w.apply.filter(isFirstPhase), ...w.apply.filter((o) => !isFirstPhase(o))];
    w.withdraw = [...w.withdraw.filter((o) => !isFirstPhase(o)), ...w.withdraw.filter(isFirstPhase)];
    const declared = new Set(w.apply.filter((o) => o.kind === 'Namespace' && o.apiVersion === 'v1').map((o) => o.name));
    w.namespaces = [...new Set(w.apply.flatMap((o) => (o.namespace && !declared.has(o.namespace) ? [o.namespace] : [])))].sort();
  }
  return out.sort((a, b) => (a.cluster + a.profile < b.cluster + b.profile ? -1 : 1));
}

/** Records no longer wanted: withdrawn, left (LeavePolicies), handed to a winner, or kept until the cluster answers. */
function planWithdrawals(
  input: PolicyPlanInput,
  profiles: ReadonlyMap<string, PolicyPlanInput['profiles'][number]>,
  winners: ReadonlyMap<string, string>,
  held: ReadonlySet<string>,
  record: Recorder,
  workOf: WorkOf,
  graph: DependencyGraph,
): void {
  for (const [profile, { status }] of input.previous) {
    const current = profiles.get(profile);
    for (const pc of status.clusters ?? []) {
      for (const r of pc.policies ?? []) {
        const k = `${pc.cluster} ${policyObjectKey(r)}`;
        const winner = winners.get(k);
        if (winner === profile) continue; // still wanted: recorded above
        if (r.state === 'Conflict' || r.state === 'Pending' || r.state === 'DryRun') continue; // never applied by this profile
        if (winner !== undefined) continue; // another profile owns it now and applies it over
        if (held.has(`${pc.cluster} ${profile} *`) || held.has(`${pc.cluster} ${profile} ${r.source ?? ''}`)) {
          record(profile, pc.cluster, r); // its content failed to render: a template error withdraws nothing
          continue;
        }
        const matched = current?.matched.includes(pc.cluster) ?? false;
        if (!matched && current?.profile.spec.stopMatchingBehavior === 'LeavePolicies') continue;
        if (current?.profile.spec.syncMode === 'DryRun') {
          record(profile, pc.cluster, r); // a dry run withdraws nothing either
          continue;
        }
        // Withdrawn once the cluster answers, never forgotten; not while the profile is paused, nor
        // (dependsOn) while a dependent still holds something on a cluster this profile leaves.
        const waits = profilePaused(current?.profile) ?? (matched ? undefined : dependentsWait({ graph, previous: input.previous }, profile, pc.cluster));
        if (!input.workable(pc.cluster, profile) || waits !== undefined) {
          record(profile, pc.cluster, r);
          continue;
        }
        workOf(pc.cluster, profile).withdraw.push(refOf(r));
        record(profile, pc.cluster, r);
      }
    }
  }
}

/** dependsOn between the profiles, deleted ones included (their last object, from the previous status). */
function graphOf(input: PolicyPlanInput): DependencyGraph {
  const objects = new Map<string, Pick<ProfileObject, 'kind' | 'metadata' | 'spec'>>();
  for (const [id, entry] of input.previous) if (entry.object) objects.set(id, entry.object);
  for (const p of input.profiles) objects.set(p.id, p.profile);
  return dependencyGraph(objects);
}

/**
 * For each profile and cluster where a claim was lost and continueOnConflict is false (Sveltos'
 * default), the first object lost: the objects after it are not applied. By `profile cluster`.
 */
function conflictStops(claims: ReadonlyMap<string, Claim[]>, picked: ReadonlyMap<string, Claim>, profiles: ReadonlyMap<string, PolicyPlanInput['profiles'][number]>): Map<string, Claim> {
  const out = new Map<string, Claim>();
  for (const [k, list] of claims) {
    const cluster = k.slice(0, k.indexOf(' '));
    for (const c of list) {
      if (c === picked.get(k) || profiles.get(c.profile)?.profile.spec.continueOnConflict === true) continue;
      const at = `${c.profile} ${cluster}`;
      const first = out.get(at);
      if (!first || c.order < first.order) out.set(at, c);
    }
  }
  return out;
}

interface Holds {
  input: PolicyPlanInput;
  profiles: ReadonlyMap<string, PolicyPlanInput['profiles'][number]>;
  graph: DependencyGraph;
  /** conflictStops' answer. */
  stopped: ReadonlyMap<string, Claim>;
}

/**
 * Why the profile's claim on the cluster is not applied now: paused, a prerequisite not deployed
 * there (as the previous status records it), or an earlier object lost a conflict.
 */
function heldReason(h: Holds, c: Claim, cluster: ClusterKey): string | undefined {
  const paused = profilePaused(h.profiles.get(c.profile)?.profile);
  if (paused !== undefined) return paused;
  const waits = waitingFor(c.profile, cluster, h.graph, (q, at) => {
    const spec = h.profiles.get(q)?.profile.spec;
    return spec !== undefined && deployedOn(spec, h.input.previous.get(q)?.status.clusters?.find((x) => x.cluster === at));
  });
  if (waits !== undefined) return waits;
  const stopped = h.stopped;
  const lost = stopped.get(`${c.profile} ${cluster}`);
  if (lost !== undefined && lost.order < c.order) return `${lost.object.kind} ${lost.object.name} lost a conflict on ${cluster} and continueOnConflict is false`;
  return undefined;
}

/** The lower tier wins; on a tie the profile that has it applied keeps it, else the first by id. */
function pickWinner(list: readonly Claim[], holds: (profile: string, key: string) => boolean): Claim {
  return [...list].sort(
    (a, b) =>
      a.tier - b.tier ||
      Number(holds(b.profile, b.object.key)) - Number(holds(a.profile, a.object.key)) ||
      (a.profile < b.profile ? -1 : a.profile > b.profile ? 1 : 0),
  )[0]!;
}

function recordOf(status: ProfileStatus | undefined, cluster: ClusterKey, key: string): PolicyStatus | undefined {
  return status?.clusters?.find((c) => c.cluster === cluster)?.policies?.find((p) => policyObjectKey(p) === key);
}

function refOf(o: PolicyObjectRef): PolicyObjectRef {
  return { apiVersion: o.apiVersion, kind: o.kind, ...(o.namespace !== undefined ? { namespace: o.namespace } : {}), name: o.name };
}
