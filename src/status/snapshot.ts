// The status of every object at one moment: what a cycle computes, what the status files hold,
// and what the next cycle reads back as "previous". One shape for all three, so reading the
// files of any commit gives exactly what the renderer wrote.
import type {
  ClusterKey,
  ObjectMeta,
  ObjectRef,
  ProfileKind,
  ProfileSpec,
  SetKind,
  SetSpec,
  SveltosClusterSpec,
} from '../model/objects.ts';
import type { ClusterStatus, ProfileStatus, PromotionStatus, SetStatus } from '../model/status.ts';

/** An object as it stands in the repository (no source positions): what a status file mirrors. */
export interface StatusDoc<K extends string, S> {
  apiVersion: string;
  kind: K;
  metadata: ObjectMeta;
  spec: S;
}

export interface StatusEntry<K extends string, S, St> {
  object: StatusDoc<K, S>;
  status: St;
}

export type ClusterEntry = StatusEntry<'SveltosCluster', SveltosClusterSpec, ClusterStatus>;
export type SetEntry = StatusEntry<SetKind, SetSpec, SetStatus>;
export type ProfileEntry = StatusEntry<ProfileKind, ProfileSpec, ProfileStatus>;
export type PromotionEntry = StatusEntry<'ClusterPromotion', Record<string, unknown>, PromotionStatus>;

export interface StatusProblem {
  path: string;
  message: string;
}

export interface StatusSnapshot {
  /** By `namespace/name`. */
  clusters: Map<ClusterKey, ClusterEntry>;
  /** By objectId: `ClusterSet/prod`, `Set/eng/blue`. */
  sets: Map<string, SetEntry>;
  /** By objectId; includes deleted profiles that still have releases to withdraw. */
  profiles: Map<string, ProfileEntry>;
  /** By objectId (`ClusterPromotion/web`): where each ClusterPromotion stands; absent when there is none. */
  promotions?: Map<string, PromotionEntry>;
  /** Status files that could not be read (reading never throws). */
  problems?: StatusProblem[];
}

/** What the previous cycle left behind, as read from the committed status files. */
export type PreviousStatus = StatusSnapshot;

export function emptySnapshot(): StatusSnapshot {
  return { clusters: new Map(), sets: new Map(), profiles: new Map() };
}

/** Strips what the loader adds (source positions) so only the repository's own fields remain. */
export function toDoc<K extends string, S>(obj: {
  apiVersion: string;
  kind: K;
  metadata: ObjectMeta;
  spec: S;
}): StatusDoc<K, S> {
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata: obj.metadata, spec: obj.spec };
}

export const CLUSTER_REF_KIND = 'SveltosCluster';

/** ObjectReference of a cluster as Sveltos writes it into status. */
export function clusterRef(apiVersion: string, namespace: string, name: string): ObjectRef {
  return { apiVersion, kind: CLUSTER_REF_KIND, namespace, name };
}

export function refKey(ref: ObjectRef): ClusterKey {
  return `${ref.namespace ?? ''}/${ref.name}`;
}
