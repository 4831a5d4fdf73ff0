// The fleet's health as set selection and planning read it: by cluster key, or by the cluster's
// position in the index when the map is a FleetHealth built over that index.
import type { ClusterKey } from '../model/objects.ts';
import type { ClusterStatus } from '../model/status.ts';
import type { ClusterIndex, IndexedCluster } from './cluster-index.ts';

/** Only lookups: callers may pass an overlay over the fleet's health instead of a copy. */
export interface HealthMap {
  get(key: ClusterKey): ClusterStatus | undefined;
  /** The same answer by the cluster's position in the index (see FleetHealth). */
  at?(c: IndexedCluster): ClusterStatus | undefined;
}

/** A cluster's health: by index position when the map offers it, else by key. */
export function healthOf(health: HealthMap, c: IndexedCluster): ClusterStatus | undefined {
  return health.at ? health.at(c) : health.get(c.key);
}

/** A cycle's health of the whole fleet, kept in index order. Only valid with clusters of `index`. */
export class FleetHealth implements HealthMap {
  private readonly statuses: (ClusterStatus | undefined)[];
  constructor(readonly index: ClusterIndex) {
    this.statuses = new Array(index.clusters.length);
  }
  set(c: IndexedCluster, status: ClusterStatus): void {
    this.statuses[c.ordinal] = status;
  }
  at(c: IndexedCluster): ClusterStatus | undefined {
    return this.statuses[c.ordinal];
  }
  get(key: ClusterKey): ClusterStatus | undefined {
    const c = this.index.byKey(key);
    return c === undefined ? undefined : this.statuses[c.ordinal];
  }
}
