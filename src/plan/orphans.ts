// Orphans, found from the clusters: releases carrying gitset's mark that no profile plans or
// records on that cluster any more (a profile deleted together with its status file, a status
// file lost, a set that moved). They are withdrawn, as the profile's stopMatchingBehavior says,
// and only once the profile that owned them is deployed and healthy where it now goes.
import type { ClusterKey } from '../model/objects.ts';
import type { Observations } from '../observe/fleet.ts';
import { profileLabelValue } from '../observe/ownership.ts';
import type { ClusterIndex } from '../select/cluster-index.ts';
import type { ProfileLike } from '../select/profiles.ts';
import type { DecisionKind, PlannedAction, ReleaseDecision } from './decide.ts';
import type { ActionOrder } from './order.ts';
import { clusterList } from '../select/drain.ts';

/** Per cluster, the release keys some profile planned or recorded there this cycle. */
export type Covered = ReadonlyMap<ClusterKey, ReadonlySet<string>>;

export interface OrphanInput {
  plan: { decisions: ReleaseDecision[]; tally: Record<DecisionKind, number> };
  order: ActionOrder;
  index: ClusterIndex;
  observed: Observations;
  covered: Covered;
  profiles: ReadonlyArray<{ id: string; profile: ProfileLike }>;
  /** Profiles with work left on a cluster that answers: their orphans wait (make-before-break). */
  unsettled: ReadonlyMap<string, readonly ClusterKey[]>;
  /** Why a profile's set stopped draining a cluster after its drain timeout (its orphans there wait no more). */
  drainEnded: (profile: ProfileLike, cluster: ClusterKey) => string | undefined;
  holdUninstalls: boolean;
  now: Date;
}

export function planOrphans(input: OrphanInput): void {
  const owners = new Map(input.profiles.map((p) => [profileLabelValue(p.id), p]));
  for (const [cluster, seen] of input.observed) {
    const at = input.index.byKey(cluster);
    if (!at || at.paused) continue;
    const actions: PlannedAction[] = [];
    for (const [key, r] of seen.releases) {
      if (!r.marked || input.covered.get(cluster)?.has(key)) continue;
      const owner = r.profileLabel === undefined ? undefined : owners.get(r.profileLabel);
      const profile = owner?.id ?? `(${r.profileLabel ?? 'unknown profile'})`;
      const ended = owner ? input.drainEnded(owner.profile, cluster) : undefined;
      const whyNot = owner ? `gitset-marked release that ${owner.id} no longer wants on ${cluster}` : `gitset-marked release of a profile no longer in the repository (${r.profileLabel ?? 'no profile label'})`;
      const why = ended ? `${whyNot}; ${ended}` : whyNot;
      const decision = (kind: DecisionKind, reason: string, action?: PlannedAction, keptUntilHealthyOn?: readonly ClusterKey[]): void => {
        input.plan.tally[kind]++;
        input.plan.decisions.push({ decision: kind, profile, cluster, release: key, reason, record: undefined, ...(action ? { action } : {}), ...(keptUntilHealthyOn ? { keptUntilHealthyOn } : {}) });
      };
      const waitingOn = owner && ended === undefined ? input.unsettled.get(owner.id) : undefined;
      const spec = owner?.profile.spec;
      if (spec?.stopMatchingBehavior === 'LeavePolicies') continue; // left in place, as the profile says
      if (spec?.syncMode === 'DryRun') decision('dry-run', `dry run: would uninstall (${why})`);
      else if (input.holdUninstalls) decision('wait', `uninstall held back while the mass-failure breaker is open: ${why}`);
      else if (owner && waitingOn) decision('wait', `uninstall held back until ${owner.id} is deployed and healthy on ${clusterList(waitingOn)}: ${why}`, undefined, waitingOn);
      else {
        const action: PlannedAction = {
          action: 'uninstall',
          cluster,
          profile,
          release: { releaseNamespace: r.releaseNamespace, releaseName: r.releaseName, repositoryURL: '', repositoryName: '', chartName: '', chartVersion: '', values: '' },
          hash: r.hashLabel ?? '',
          reason: `orphan: ${why}`,
          evidence: `release ${key} withdrawn: ${why}`,
        };
        decision('uninstall', action.reason, action);
        actions.push(action);
      }
    }
    if (actions.length > 0) input.order.add(at, actions);
  }
}
