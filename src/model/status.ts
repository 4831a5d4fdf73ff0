// What gitset observed and did, as it is written to (and read back from) the status files.
// Shapes follow Sveltos' status fields; gitset's additions are documented where they appear.
import type { ClusterKey, ObjectRef } from './objects.ts';

export type ConnectionStatus = 'Healthy' | 'Down';

export interface ClusterStatus {
  ready: boolean;
  /** gitVersion reported by the API server at the last successful probe. */
  version?: string;
  connectionStatus?: ConnectionStatus;
  /** Failed probes in a row; survives restarts because it lives here. */
  connectionFailures?: number;
  failureMessage?: string;
  /** Changes only when `ready` flips. RFC 3339. */
  lastTransitionTime?: string;
}

/** Why a set considered a cluster and did not select it. */
export type NotSelectedReason = 'not-ready' | 'paused' | 'other-namespace' | 'over-cap' | 'not-matching';

export interface NotSelected {
  cluster: ClusterKey;
  reason: NotSelectedReason;
  /** Human detail, e.g. `3 failed probes: timeout after 5s`. */
  message: string;
}

export interface SetStatus {
  matchingClusterRefs: ObjectRef[];
  /** In selection order: the longest-selected first (what a shrinking cap keeps). */
  selectedClusterRefs: ObjectRef[];
  /** gitset: every considered-but-not-selected cluster with its reason. */
  notSelected?: NotSelected[];
  /** gitset: why `selectedClusterRefs` is empty, when it is. */
  message?: string;
}

export type ReleaseState = 'Deployed' | 'Failed' | 'Pending' | 'Uninstalled' | 'DryRun' | 'Conflict';

export interface ReleaseStatus {
  releaseNamespace: string;
  releaseName: string;
  chart: string;
  chartVersion: string;
  /** Hash of the desired state last applied; equal hash means no helm call. */
  hash?: string;
  revision?: number;
  state: ReleaseState;
  lastError?: string;
  /** RFC 3339 time the release was last applied (what `show addons` prints as TIME). */
  lastAppliedTime?: string;
  /** Consecutive failed attempts, for backoff. */
  failures?: number;
  /** gitset: RFC 3339 time of the last failed attempt (backoff counts from here). */
  lastAttemptTime?: string;
  /** gitset: hash of the desired state the last failed attempt tried; a new spec retries at once. */
  attemptedHash?: string;
  /** gitset: why the release is in this state (waiting for a cluster, dry run, conflict winner). */
  reason?: string;
}

export interface ProfileClusterStatus {
  cluster: ClusterKey;
  releases: ReleaseStatus[];
}

export interface ProfileStatus {
  matchingClusters: ObjectRef[];
  /** gitset: per matched (or still-withdrawing) cluster, each release's state. */
  clusters?: ProfileClusterStatus[];
  /** gitset: conflicts lost to a profile of lower tier, unsupported fields, bad setRefs. */
  conflicts?: string[];
  unsupported?: string[];
  errors?: string[];
}
