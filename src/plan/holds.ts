// Work a profile may not do on a cluster right now, whatever its releases would otherwise get:
// the profile is paused, a prerequisite (dependsOn) is not deployed there yet, or an earlier
// helmCharts entry lost a conflict and continueOnConflict is false. The decision keeps its record
// (as Pending, saying why) and loses its action; the next cycle decides again.
import type { ClusterKey, ProfileSpec } from '../model/objects.ts';
import type { ProfileClusterStatus, ProfileStatus } from '../model/status.ts';
import type { ReleaseDecision } from './decide.ts';
import { deployedOn, holdsOn, waitingFor, dependentsLeftOn, type DependencyGraph, type RecordsOn } from './depends.ts';

/** `decision` without its helm call: a wait, its record Pending with `reason`. Decisions without a call pass. */
export function heldBack(decision: ReleaseDecision | undefined, reason: string | undefined): ReleaseDecision | undefined {
  if (!decision?.action || reason === undefined) return decision;
  const { action: _a, ...rest } = decision;
  const record = decision.record && { ...decision.record, state: 'Pending' as const, reason: `${decision.action.action} held back: ${reason}` };
  return { ...rest, decision: 'wait', reason: `${decision.action.action} held back: ${reason}`, record };
}

/** Installs and upgrades held back; uninstalls pass (a dependent needs nothing to leave). */
export function installHeldBack(decision: ReleaseDecision | undefined, reason: string | undefined): ReleaseDecision | undefined {
  return decision?.action?.action === 'uninstall' ? decision : heldBack(decision, reason);
}

/** The release records each profile has planned this cycle, and what the previous status says of its policies. */
export interface DependsOnView {
  graph: DependencyGraph;
  /** Current profiles' specs, by id (a deleted prerequisite is never deployed). */
  specs: ReadonlyMap<string, ProfileSpec>;
  /** Records planned this cycle, by profile id (prerequisites are planned before their dependents). */
  planned: ReadonlyMap<string, readonly ProfileClusterStatus[]>;
  previous: ReadonlyMap<string, { status: ProfileStatus }>;
}

function recordsOn(list: readonly ProfileClusterStatus[] | undefined, cluster: ClusterKey): ProfileClusterStatus | undefined {
  return list?.find((c) => c.cluster === cluster);
}

/** Why `id`'s installs and upgrades on `cluster` wait for a prerequisite, or undefined. */
export function prerequisiteWait(v: DependsOnView, id: string, cluster: ClusterKey): string | undefined {
  if (!v.graph.prerequisites.has(id)) return undefined;
  return waitingFor(id, cluster, v.graph, (q, c) => {
    const spec = v.specs.get(q);
    if (!spec) return false;
    const on: RecordsOn = {
      releases: recordsOn(v.planned.get(q), c)?.releases ?? [],
      policies: recordsOn(v.previous.get(q)?.status.clusters, c)?.policies ?? [],
    };
    return deployedOn(spec, on);
  });
}

/** What withdrawing `id` from `cluster` waits for: a dependent that still holds something there (previous status). */
export function dependentsWait(v: Pick<DependsOnView, 'graph' | 'previous'>, id: string, cluster: ClusterKey): string | undefined {
  if (!v.graph.dependents.has(id)) return undefined;
  return dependentsLeftOn(id, cluster, v.graph, (d, c) => holdsOn(recordsOn(v.previous.get(d)?.status.clusters, c)));
}
