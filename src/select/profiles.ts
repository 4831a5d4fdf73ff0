// Which clusters a ClusterProfile/Profile reaches: its selector, its clusterRefs and the current
// selection of every set in setRefs. Health plays no part here: only sets fail over, so a matched
// cluster that is down stays matched and its work waits. So does a paused one.
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
  const errors: string[] = [];
  // A paused cluster still matches; its work waits until it is unpaused (plan/releases.ts).
  const selected = bySelector(profile, index, namespace, errors); // in selection order, once each, in the namespace
  const named = [...byClusterRefs(profile, index, namespace, errors), ...bySetRefs(profile, index, sets, errors)];
  if (named.length === 0) return { clusters: selected, errors };
  const found = new Set([...selected, ...named]);
  const clusters = [...found].filter((c) => namespace === undefined || c.namespace === namespace);
  return { clusters: clusters.sort((a, b) => a.ordinal - b.ordinal), errors };
}

function bySelector(profile: ProfileLike, index: ClusterIndex, namespace: string | undefined, errors: string[]): readonly IndexedCluster[] {
  try {
    return index.matchSelector(profile.spec.clusterSelector, namespace);
  } catch (err) {
    if (!(err instanceof SelectorSyntaxError)) throw err;
    errors.push(`clusterSelector is invalid: ${err.message}`);
    return [];
  }
}

function byClusterRefs(profile: ProfileLike, index: ClusterIndex, namespace: string | undefined, errors: string[]): IndexedCluster[] {
  const found: IndexedCluster[] = [];
  for (const ref of Array.isArray(profile.spec.clusterRefs) ? profile.spec.clusterRefs : []) {
    if (!ref || typeof ref.name !== 'string') continue;
    const key = `${ref.namespace ?? namespace ?? ''}/${ref.name}`;
    const c = index.byKey(key);
    if (namespace !== undefined && (ref.namespace ?? namespace) !== namespace) errors.push(`clusterRefs names ${key}: a Profile only reaches clusters of its own namespace ${namespace}`);
    else if (!c) errors.push(`clusterRefs names ${key}, which is not in the repository`);
    else found.push(c);
  }
  return found;
}

/** The current selection of every set in setRefs (a ClusterProfile names ClusterSets, a Profile Sets of its namespace). */
function bySetRefs(profile: ProfileLike, index: ClusterIndex, sets: ReadonlyMap<string, SetStatus>, errors: string[]): IndexedCluster[] {
  const found: IndexedCluster[] = [];
  for (const name of Array.isArray(profile.spec.setRefs) ? profile.spec.setRefs : []) {
    const set = sets.get(setRefId(profile, String(name)));
    if (!set) {
      const where = profile.kind === 'Profile' ? `Set ${String(name)} in namespace ${profile.metadata.namespace ?? ''}` : `ClusterSet ${String(name)}`;
      errors.push(`setRefs names ${where}, which does not exist`);
      continue;
    }
    for (const ref of set.selectedClusterRefs) {
      const c = index.byKey(refKey(ref));
      if (c) found.push(c);
    }
  }
  return found;
}
