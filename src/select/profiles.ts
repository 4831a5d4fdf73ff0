// Which clusters a ClusterProfile/Profile reaches: its selector, its clusterRefs and the current
// selection of every set in setRefs. Health plays no part here: only sets fail over, so a matched
// cluster that is down stays matched and its work waits. Paused clusters never match.
import { SelectorSyntaxError } from './selector.ts';
import type { ClusterIndex, IndexedCluster } from './cluster-index.ts';
import type { ObjectMeta, ProfileKind, ProfileSpec } from '../model/objects.ts';
import type { SetStatus } from '../model/status.ts';
import { refKey } from '../status/snapshot.ts';

export interface ProfileLike {
  apiVersion: string;
  kind: ProfileKind;
  metadata: ObjectMeta;
  spec: ProfileSpec;
}

export interface ProfileMatch {
  /** In selection order (namespace, then name). */
  clusters: readonly IndexedCluster[];
  /** Problems a person must fix (unknown setRefs, bad selector); shown in the profile's status. */
  errors: string[];
}

/** objectId of the set a profile's setRefs entry names: ClusterSet/<name>, or Set/<ns>/<name> for a Profile. */
export function setRefId(profile: ProfileLike, name: string): string {
  return profile.kind === 'Profile' ? `Set/${profile.metadata.namespace ?? ''}/${name}` : `ClusterSet/${name}`;
}

/**
 * `sets` holds the status this cycle computed for every set of the repository, by objectId;
 * a setRefs name missing from it is an error in the profile's status, not a crash.
 */
export function matchingClusters(profile: ProfileLike, index: ClusterIndex, sets: ReadonlyMap<string, SetStatus>): ProfileMatch {
  const namespace = profile.kind === 'Profile' ? (profile.metadata.namespace ?? '') : undefined;
  const found = new Map<number, IndexedCluster>();
  const errors: string[] = [];
  const add = (c: IndexedCluster | undefined): void => {
    if (c && !c.paused && (namespace === undefined || c.namespace === namespace)) found.set(c.ordinal, c);
  };

  let bySelector: readonly IndexedCluster[] = [];
  try {
    bySelector = index.matchSelector(profile.spec.clusterSelector, namespace);
  } catch (err) {
    if (!(err instanceof SelectorSyntaxError)) throw err;
    errors.push(`clusterSelector is invalid: ${err.message}`);
  }
  const clusterRefs = Array.isArray(profile.spec.clusterRefs) ? profile.spec.clusterRefs : [];
  const setRefs = Array.isArray(profile.spec.setRefs) ? profile.spec.setRefs : [];
  // The selector alone: its matches are already in selection order, once each, in the namespace.
  // The index's own list when nothing in it is paused (the usual case): no copy per profile and cycle.
  if (clusterRefs.length === 0 && setRefs.length === 0) return { clusters: bySelector.some((c) => c.paused) ? bySelector.filter((c) => !c.paused) : bySelector, errors };
  for (const c of bySelector) add(c);
  for (const ref of clusterRefs) {
    if (!ref || typeof ref.name !== 'string') continue;
    const key = `${ref.namespace ?? namespace ?? ''}/${ref.name}`;
    if (namespace !== undefined && (ref.namespace ?? namespace) !== namespace) {
      errors.push(`clusterRefs names ${key}: a Profile only reaches clusters of its own namespace ${namespace}`);
      continue;
    }
    const c = index.byKey(key);
    if (!c) errors.push(`clusterRefs names ${key}, which is not in the repository`);
    add(c);
  }
  const setKind = profile.kind === 'Profile' ? 'Set' : 'ClusterSet';
  for (const name of setRefs) {
    const id = setRefId(profile, String(name));
    const set = sets.get(id);
    if (!set) {
      errors.push(
        `setRefs names ${setKind} ${String(name)}${namespace !== undefined ? ` in namespace ${namespace}` : ''}, which does not exist`,
      );
      continue;
    }
    for (const ref of set.selectedClusterRefs) add(index.byKey(refKey(ref)));
  }
  return { clusters: [...found.values()].sort((a, b) => a.ordinal - b.ordinal), errors };
}
