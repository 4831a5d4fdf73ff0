// Sveltos' `dependsOn` between profiles, as plain data for the planners. A ClusterProfile names
// ClusterProfiles, a Profile Profiles of its own namespace. Three rules, as Sveltos keeps them:
// a prerequisite is also deployed on every cluster its dependents match; a dependent's work on a
// cluster waits until each prerequisite is deployed there; a prerequisite is withdrawn from a
// cluster only once no dependent holds anything there. Pure; a name the loader cannot resolve
// (its error) is a prerequisite never deployed.
import type { ClusterKey, PolicyRef, ProfileKind, ProfileSpec } from '../model/objects.ts';
import { prerequisiteId } from '../load/depends-on.ts';
import type { PolicyStatus, ReleaseStatus } from '../model/status.ts';
import { isActedOn } from '../load/policy-refs.ts';

interface Named {
  kind: ProfileKind;
  metadata: { name: string; namespace?: string };
  spec: ProfileSpec;
}

/** The annotation that pauses a profile (Sveltos' ProfilePausedAnnotation): present means paused. */
export const PROFILE_PAUSED = 'profile.projectsveltos.io/paused';

export function profilePaused(profile: { metadata: { annotations?: Readonly<Record<string, string>> } } | undefined): string | undefined {
  const a = profile?.metadata.annotations;
  return a !== undefined && Object.hasOwn(a, PROFILE_PAUSED) ? `profile paused (annotation ${PROFILE_PAUSED})` : undefined;
}

/** Prerequisites by profile id (names of missing profiles included), and dependents by prerequisite id. */
export interface DependencyGraph {
  prerequisites: ReadonlyMap<string, readonly string[]>;
  dependents: ReadonlyMap<string, readonly string[]>;
}

export function dependencyGraph(profiles: ReadonlyMap<string, Named>): DependencyGraph {
  const prerequisites = new Map<string, string[]>();
  const dependents = new Map<string, string[]>();
  for (const [id, p] of profiles) {
    const names = Array.isArray(p.spec.dependsOn) ? p.spec.dependsOn : [];
    // A name no profile answers to is kept: its dependent waits (validate reports the name).
    const ids = [...new Set(names.map((n) => prerequisiteId(p, String(n))))].filter((q) => q !== id);
    if (ids.length === 0) continue;
    prerequisites.set(id, ids);
    for (const q of ids) dependents.set(q, [...(dependents.get(q) ?? []), id]);
  }
  return { prerequisites, dependents };
}

/**
 * `ids` with every prerequisite before its dependents; among those free to go, the smallest id
 * first, so without dependsOn this is plain sorted order. Members of a cycle (a validate error)
 * come last, sorted.
 */
export function prerequisitesFirst(ids: Iterable<string>, graph: DependencyGraph): string[] {
  const all = [...new Set(ids)].sort();
  const present = new Set(all);
  const waiting = new Map(all.map((id) => [id, (graph.prerequisites.get(id) ?? []).filter((q) => present.has(q)).length]));
  const out: string[] = [];
  // Kept sorted, taken from `next` on: each step plans the smallest ready id. Sorting and shifting
  // the whole list each step made this quadratic (1k profiles: 20–35 ms and 5 MB every cycle).
  const ready = all.filter((id) => waiting.get(id) === 0);
  for (let next = 0; next < ready.length; next++) {
    const id = ready[next]!;
    out.push(id);
    for (const d of graph.dependents.get(id) ?? []) {
      if (!waiting.has(d)) continue;
      const n = waiting.get(d)! - 1;
      waiting.set(d, n);
      if (n === 0) insertSorted(ready, next + 1, d);
    }
  }
  const placed = new Set(out);
  return [...out, ...all.filter((id) => !placed.has(id))];
}

/** Inserts `id` into `list`, sorted from `from` on, at its place there. */
function insertSorted(list: string[], from: number, id: string): void {
  let lo = from;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, id);
}

/**
 * Each profile's clusters with those of its dependents added, transitively. `matched` holds each
 * profile's own clusters; the result keeps `order` (by ordinal) and adds nothing to profiles
 * without dependents.
 */
export function withDependentsClusters<C>(matched: ReadonlyMap<string, readonly C[]>, graph: DependencyGraph, order: (a: C, b: C) => number): Map<string, readonly C[]> {
  const out = new Map(matched);
  if (graph.dependents.size === 0) return out;
  // Dependents first: each then adds its final list to its prerequisites. A cycle is a validate
  // error; its members end up sharing each other's clusters up to one round, which is enough.
  const ids = prerequisitesFirst(matched.keys(), graph).reverse();
  for (const id of ids) {
    const deps = graph.dependents.get(id);
    if (!deps) continue;
    const found = new Set(out.get(id) ?? []);
    const before = found.size;
    for (const d of deps) for (const c of out.get(d) ?? []) found.add(c);
    if (found.size !== before) out.set(id, [...found].sort(order));
  }
  return out;
}

/** A profile's records on one cluster: what its releases and policyRefs objects show there. */
export interface RecordsOn {
  releases: readonly ReleaseStatus[];
  policies?: readonly PolicyStatus[];
}

/**
 * Whether a profile counts as deployed on a cluster (Sveltos' "provisioned"): one Deployed release
 * per helmCharts entry to install and nothing else, and, when it names policyRefs gitset applies,
 * objects recorded there and every one Applied.
 */
export function deployedOn(spec: ProfileSpec, on: RecordsOn | undefined): boolean {
  const charts = Array.isArray(spec.helmCharts) ? spec.helmCharts.filter((c) => c.helmChartAction !== 'Uninstall').length : 0;
  const releases = on?.releases ?? [];
  if (releases.some((r) => r.state !== 'Deployed') || releases.length < charts) return false;
  const refs = Array.isArray(spec.policyRefs) ? (spec.policyRefs as PolicyRef[]).filter((r) => isActedOn(r)) : [];
  if (refs.length === 0) return true;
  const policies = on?.policies ?? [];
  return policies.length > 0 && policies.every((p) => p.state === 'Applied');
}

/** Whether a profile still holds something on a cluster: a release helm may have, or an object it applied. */
export function holdsOn(on: RecordsOn | undefined): boolean {
  if (!on) return false;
  const release = on.releases.some((r) => r.hash !== undefined || r.revision !== undefined || (r.failures ?? 0) > 0);
  return release || (on.policies ?? []).some((p) => p.state === 'Applied' || p.state === 'Failed');
}

/** Why `id`'s work on `cluster` waits: the first prerequisite not deployed there, or undefined. */
export function waitingFor(id: string, cluster: ClusterKey, graph: DependencyGraph, isDeployed: (prerequisite: string, cluster: ClusterKey) => boolean): string | undefined {
  for (const q of graph.prerequisites.get(id) ?? []) {
    if (!isDeployed(q, cluster)) return `waiting for profile ${q} to be deployed on ${cluster} (dependsOn)`;
  }
  return undefined;
}

/** Why withdrawing `id` from `cluster` waits: the first dependent still holding something there. */
export function dependentsLeftOn(id: string, cluster: ClusterKey, graph: DependencyGraph, holds: (dependent: string, cluster: ClusterKey) => boolean): string | undefined {
  for (const d of graph.dependents.get(id) ?? []) {
    if (holds(d, cluster)) return `${d}, which depends on it, is withdrawn from ${cluster}`;
  }
  return undefined;
}
