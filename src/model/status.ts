// What gitset observed and did, as it is written to (and read back from) the status files.
// Shapes follow Sveltos' status fields; gitset's additions are documented where they appear.
import type { ClusterKey, ObjectRef } from './objects.ts';

export type ConnectionStatus = 'Healthy' | 'Down';

export interface ClusterStatus {
  ready: boolean;
  /** gitVersion reported by the API server at the last successful probe. */
  version?: string;
  connectionStatus?: ConnectionStatus;
  /** Failed probes in a row; written to the status file only once the cluster is not ready. */
  connectionFailures?: number;
  failureMessage?: string;
  /** Changes only when `ready` flips. RFC 3339. */
  lastTransitionTime?: string;
  /** gitset: RFC 3339 time of the first failed probe of the current streak; cleared by a success. */
  firstFailureTime?: string;
}

/** Why a set considered a cluster and did not select it. */
export type NotSelectedReason = 'not-ready' | 'paused' | 'other-namespace' | 'over-cap' | 'not-matching' | 'cordoned';

/** Why a cluster left a set's selection and another took its place. */
export type FailoverReason = 'not-ready' | 'cordoned' | 'pinned' | 'paused' | 'not-matching' | 'over-cap';

/** gitset: one replacement in a set, with the timings of each step (RFC 3339). */
export interface FailoverRecord {
  from: ClusterKey;
  to: ClusterKey;
  reason: FailoverReason;
  /** First failed probe of the streak that made `from` not ready (not-ready failovers). */
  firstFailedProbe?: string;
  /** When `from` was declared not ready (its lastTransitionTime). */
  declaredNotReady?: string;
  /** When `to` was selected. */
  selected: string;
  /** When every release of the set's profiles was Deployed and Healthy on `to` (seen healthy). */
  deployed?: string;
  /** From the first sign of trouble (first failed probe, else not ready, else selection) to deployed. */
  totalSeconds?: number;
  /** gitset: the make-before-break drain of `from` ended by the set's drain timeout, not by `to` being up. */
  drainTimedOut?: DrainTimedOut;
}

export interface DrainTimedOut {
  /** RFC 3339: when the drain was ended and `from`'s releases given up. */
  at: string;
  /** `stopped draining civo/cluster1 after 10m (gitset.dev/drain-timeout): civo/cluster2 not deployed and healthy yet`. */
  message: string;
}

/** gitset: a not-ready selected cluster kept in the selection on purpose, and until when. */
export interface HeldBack {
  cluster: ClusterKey;
  reason: 'failover-grace' | 'failover-budget' | 'breaker-open';
  message: string;
  /** RFC 3339: the earliest time the failover may happen (absent: when the breaker closes). */
  until?: string;
}

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
  /**
   * gitset: clusters leaving the selection by a planned move (cordon, pin, cap, selector) whose
   * releases stay until the replacement's releases are Deployed and Healthy, or the set's drain
   * timeout has passed (make-before-break). Not counted against maxReplicas.
   */
  drainingClusterRefs?: ObjectRef[];
  /** gitset: not-ready selected clusters not (yet) replaced: failover grace, budget or breaker. */
  heldBack?: HeldBack[];
  /** gitset: the last replacements, oldest first (the last 20 are kept). */
  failovers?: FailoverRecord[];
  /**
   * gitset, with several replicas: clusters whose health this set goes by comes from a shard not
   * heard from (its replica is down): as it last committed it, until that shard is back.
   */
  staleHealth?: string[];
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
  /** gitset: health of what the release deployed, from its live objects (kstatus rules). */
  health?: ReleaseHealth;
  /** gitset: why it is not Healthy: `Deployment hello/hello: 0 of 1 replicas available`. */
  healthMessage?: string;
  /** gitset: what the cluster showed that made gitset repair the release (`release hello/hello missing, reinstalled`). */
  evidence?: string;
}

export type ReleaseHealth = 'Healthy' | 'Progressing' | 'Degraded' | 'Unknown';

export type PolicyState = 'Applied' | 'Failed' | 'Pending' | 'Conflict' | 'DryRun';

/** gitset: one object of a profile's `policyRefs` on one cluster. Never holds the object's content. */
export interface PolicyStatus {
  apiVersion: string;
  kind: string;
  /** Absent for cluster-scoped objects. */
  namespace?: string;
  name: string;
  /** Hash of the object as last applied (what `gitset.dev/hash` holds on the cluster). */
  hash?: string;
  state: PolicyState;
  /** `ConfigMap/ns/name` the object comes from. */
  source?: string;
  lastAppliedTime?: string;
  error?: string;
}

export interface ProfileClusterStatus {
  cluster: ClusterKey;
  releases: ReleaseStatus[];
  /** gitset: what `policyRefs` applied there. */
  policies?: PolicyStatus[];
}

export interface ProfileStatus {
  matchingClusters: ObjectRef[];
  /** gitset: per matched (or still-withdrawing) cluster, each release's state. */
  clusters?: ProfileClusterStatus[];
  /** gitset: conflicts lost to a profile of lower tier, unsupported fields, bad setRefs. */
  conflicts?: string[];
  unsupported?: string[];
  errors?: string[];
  /** gitset: a rollout held to `maxUpdate` clusters at a time, while one runs or is halted. */
  rollout?: RolloutStatus;
  /** gitset: why nothing runs for the profile (annotation profile.projectsveltos.io/paused). */
  paused?: string;
}

/** gitset: where a profile's rollout (a change of its desired state under `maxUpdate`) stands. */
export interface RolloutStatus {
  /** Clusters updated at once, as resolved from `maxUpdate` (a number or a percentage of the matched clusters). */
  maxUpdate: number;
  /** Clusters being updated now: an upgrade runs, or its release is not yet Healthy. */
  updating: ClusterKey[];
  /** Clusters whose upgrade waits for a later wave. */
  waiting: ClusterKey[];
  /** Clusters this cycle's wave starts upgrading. */
  wave?: ClusterKey[];
  /** Why the rollout stopped: a cluster's upgrade failed or stayed unhealthy past the rollout timeout. */
  halted?: string;
}

/** gitset: where one stage of a ClusterPromotion stands. */
export type StageState = 'Waiting' | 'Deploying' | 'Healthy' | 'AwaitingApproval' | 'AwaitingDelay';

export interface PromotionStageStatus {
  name: string;
  /** objectId of the stage's ClusterProfile. */
  profile: string;
  state: StageState;
  /** Why, in words: what it deploys, what it waits for. */
  message: string;
  /** The clusters the stage matches (a cluster in two stages belongs to the first). */
  clusters?: ClusterKey[];
  /** Content hash (of profileSpec) the stage was promoted to: what it runs. Absent: never promoted. */
  promotedHash?: string;
  /** RFC 3339: when the stage was first seen deployed and Healthy at the current content (delays count from here). */
  healthySince?: string;
  /** Content hash an `approved: true` on this stage's manual trigger was first seen with: what it approves. */
  approvedHash?: string;
  /** RFC 3339: when this stage's auto/manual delay lets the next stage start. */
  until?: string;
}

/** gitset: a ClusterPromotion's progress through its stages. */
export interface PromotionStatus {
  /** Hash of the current profileSpec (what every stage ends on). */
  contentHash: string;
  /** The stage the promotion is at: the first one not yet deployed and Healthy at the current content (the last when done). */
  currentStage: string;
  /** Every stage is deployed and Healthy at the current content. */
  done?: boolean;
  stages: PromotionStageStatus[];
}
