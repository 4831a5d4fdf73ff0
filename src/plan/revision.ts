// One loaded revision of the repository, prepared for planning: its objects (frozen), the cluster
// index, and the work the planner keeps for as long as the revision is in force. A daemon plans
// the same revision every probe round; what depends only on the revision is done once, here or on
// first use, and lives in this object rather than in module state. Drop it with the revision.
import type { Diagnostic } from '../model/diagnostics.ts';
import type { ClusterSetObject, ProfileObject, SveltosCluster, ClusterPromotion } from '../model/objects.ts';
import type { ContentSource } from '../model/sources.ts';
import { deepFreeze } from '../load/freeze.ts';
import { unsupportedFields } from '../load/unsupported.ts';
import { indexRepositoryObjects, type RepositoryObject, type RepositoryObjectIndex } from '../load/repository-objects.ts';
import { indexClusters, type ClusterIndex } from '../select/cluster-index.ts';
import type { ProfileLike } from '../select/profiles.ts';
import type { ConflictMemo } from './conflicts.ts';
import type { DesiredReleases } from './desired.ts';
import type { CompiledTemplates } from './template.ts';
import { keyRanks } from './order.ts';
import { sourcesById } from './values-from.ts';

/** What the loader hands on (LoadedRepository fits). */
export interface RepositoryObjects {
  clusters: readonly SveltosCluster[];
  sets: readonly ClusterSetObject[];
  profiles: readonly ProfileObject[];
  /** ConfigMaps and Secrets of the repository (policyRefs, valuesFrom, patchesFrom, …). */
  sources?: readonly ContentSource[];
  /** The repository's other objects, for templateResourceRefs. */
  objects?: readonly RepositoryObject[];
  diagnostics?: readonly Diagnostic[];
  /** ClusterPromotions; each stage's ClusterProfile is among `profiles`. */
  promotions?: readonly ClusterPromotion[];
}

export interface Revision {
  /** Frozen: everything kept below assumes these objects never change. */
  readonly repo: RepositoryObjects;
  /** The repository's other objects, found by templateResourceRefs. */
  readonly objects: RepositoryObjectIndex;
  /** The fleet indexed (select/ keeps its own per-revision work, such as selector results, inside). */
  readonly index: ClusterIndex;
  /** Each indexed cluster's rank in `namespace/name` key order, by ordinal: the order helm runs in. */
  readonly keyRanks: Uint32Array;
  /** What each profile asks for that gitset does not do. */
  readonly unsupported: ReadonlyMap<ProfileLike, readonly string[]>;
  /** The repository's ConfigMaps and Secrets by `Kind/namespace/name` (valuesFrom reads them). */
  readonly sources: ReadonlyMap<string, ContentSource>;
  /**
   * Each profile's rendered and hashed releases, by profile id, for the clusters it matched when
   * they were rendered: reused while it matches the same clusters (the bulk of a cycle's own work).
   */
  readonly desired: Map<string, DesiredReleases>;
  /** Conflict buckets of the last desired lists (see conflicts.ts). */
  readonly conflicts: ConflictMemo;
  /** Helm fields' templates compiled, by text: compiled once however many profiles share one. */
  readonly templates: CompiledTemplates;
}

export function prepareRevision(repo: RepositoryObjects): Revision {
  const frozen = deepFreeze(repo);
  const index = indexClusters(frozen.clusters);
  return {
    repo: frozen,
    objects: indexRepositoryObjects(frozen.objects ?? []),
    index,
    keyRanks: keyRanks(index),
    unsupported: new Map(frozen.profiles.map((p) => [p, unsupportedFields(p)])),
    sources: sourcesById(frozen.sources ?? []),
    desired: new Map(),
    conflicts: {},
    templates: new Map(),
  };
}
