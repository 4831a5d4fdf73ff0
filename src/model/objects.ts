// Plain types of the five kinds gitset reads from a repository, as the loader hands them on.
// Field names are Sveltos' own (libsveltos/api/v1beta1, addon-controller/api/v1beta1), so a
// manifest written for Sveltos reads the same here. No logic beyond small helpers.

/** Where something stands in the repository: 1-based line and column. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export const LIB_GROUP = 'lib.projectsveltos.io';
export const CONFIG_GROUP = 'config.projectsveltos.io';

export type SetKind = 'ClusterSet' | 'Set';
export type ProfileKind = 'ClusterProfile' | 'Profile';
export type Kind = 'SveltosCluster' | SetKind | ProfileKind;

export interface ObjectMeta {
  name: string;
  /** Absent for the cluster-wide kinds (ClusterSet, ClusterProfile). */
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** v1beta1 form. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** v1beta1 is a LabelSelector; v1alpha1 is a selector string such as `env=prod`. */
export type ClusterSelector = LabelSelector | string;

/** Kubernetes ObjectReference as Sveltos writes it into status. */
export interface ObjectRef {
  apiVersion?: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** Common part of every object the loader produced. */
interface Loaded<K extends Kind, S> {
  apiVersion: string;
  kind: K;
  metadata: ObjectMeta;
  spec: S;
  /** Position of the document (its `kind:` line) and of each field path, for diagnostics. */
  source: SourcePos;
  /**
   * Positions of the fields later checks point at (`spec.setRefs[0]`, `spec.clusterRefs[1]`,
   * `spec.clusterSelector`, `spec.maxReplicas`, `spec.helmCharts[0]`, `metadata.name`), by dotted path.
   */
  fieldSources?: Readonly<Record<string, SourcePos>>;
}

export interface SveltosClusterSpec {
  paused?: boolean;
  /** Name of the kubeconfig file (in Sveltos: the Secret) to use instead of `<name>.kubeconfig`. */
  kubeconfigName?: string;
  kubeconfigKeyName?: string;
  consecutiveFailureThreshold?: number;
  [field: string]: unknown;
}
export type SveltosCluster = Loaded<'SveltosCluster', SveltosClusterSpec>;

export interface SetSpec {
  clusterSelector?: ClusterSelector;
  clusterRefs?: ObjectRef[];
  maxReplicas?: number;
  [field: string]: unknown;
}
export type ClusterSetObject = Loaded<SetKind, SetSpec>;

export type HelmChartAction = 'Install' | 'Uninstall';

/** One `helmCharts` entry. Options beyond these are kept as they are in `options`. */
export interface HelmChart {
  repositoryURL: string;
  repositoryName: string;
  chartName: string;
  chartVersion: string;
  releaseName: string;
  releaseNamespace: string;
  helmChartAction?: HelmChartAction;
  values?: string;
  valuesFrom?: unknown[];
  options?: HelmOptions;
  [field: string]: unknown;
}

/** Sveltos' HelmOptions (addon-controller/api/v1beta1/spec.go), the subset helm's CLI expresses. */
export interface HelmOptions {
  skipCRDs?: boolean;
  disableHooks?: boolean;
  wait?: boolean;
  waitForJobs?: boolean;
  timeout?: string;
  atomic?: boolean;
  createNamespace?: boolean;
  dependencyUpdate?: boolean;
  labels?: Record<string, string>;
  enableClientCache?: boolean;
  description?: string;
  /** Sveltos: `helm test` after each successful install or upgrade; a failing test fails the release. */
  runTests?: boolean;
  disableOpenAPIValidation?: boolean;
  installOptions?: { createNamespace?: boolean; replace?: boolean; disableHooks?: boolean; takeOwnership?: boolean };
  upgradeOptions?: {
    force?: boolean;
    resetValues?: boolean;
    reuseValues?: boolean;
    resetThenReuseValues?: boolean;
    maxHistory?: number;
    cleanupOnFail?: boolean;
    subNotes?: boolean;
    description?: string;
    disableHooks?: boolean;
    takeOwnership?: boolean;
  };
  uninstallOptions?: { keepHistory?: boolean; deletionPropagation?: string; description?: string; disableHooks?: boolean };
  [field: string]: unknown;
}

export type SyncMode = 'OneTime' | 'Continuous' | 'ContinuousWithDriftDetection' | 'DryRun';
export type StopMatchingBehavior = 'WithdrawPolicies' | 'LeavePolicies';

/** Sveltos' `driftExclusions` entry: paths (JSON pointers) gitset leaves alone on the objects `target` names. */
export interface DriftExclusion {
  paths: readonly string[];
  target?: { group?: string; version?: string; kind?: string; name?: string; namespace?: string };
}

export interface ProfileSpec {
  clusterSelector?: ClusterSelector;
  clusterRefs?: ObjectRef[];
  /** Names of ClusterSets (ClusterProfile) or Sets of the same namespace (Profile). */
  setRefs?: string[];
  helmCharts?: HelmChart[];
  policyRefs?: PolicyRef[];
  kustomizationRefs?: KustomizationRef[];
  syncMode?: SyncMode;
  stopMatchingBehavior?: StopMatchingBehavior;
  tier?: number;
  driftExclusions?: unknown;
  /** Names of profiles of the same kind (and namespace, for a Profile) deployed first on each cluster. */
  dependsOn?: string[];
  /** Sveltos: a conflict on one release or object does not stop the profile deploying the rest. */
  continueOnConflict?: boolean;
  validateHealths?: ValidateHealth[];
  [field: string]: unknown;
}

/** Sveltos' ValidateHealth (libsveltos api/v1beta1): a check of live objects after a feature is deployed. */
export interface ValidateHealth {
  name: string;
  featureID: 'Helm' | 'Resources' | 'Kustomize';
  group?: string;
  version?: string;
  kind?: string;
  namespace?: string;
  labelFilters?: Array<{ key: string; operation: 'Equal' | 'Different' | 'Has' | 'DoesNotHave'; value?: string }>;
  /** Lua defining `evaluate()`, which returns `{healthy = bool, message = string}`. */
  script?: string;
  evaluateCEL?: Array<{ name: string; rule: string }>;
  [field: string]: unknown;
}
export type ProfileObject = Loaded<ProfileKind, ProfileSpec>;

/** One `policyRefs` entry (Sveltos' PolicyRef). */
export interface PolicyRef {
  kind: string;
  name: string;
  namespace?: string;
  deploymentType?: 'Remote' | 'Local';
  path?: string;
  optional?: boolean;
}

/** One `kustomizationRefs` entry (Sveltos' KustomizationRef): `kubectl kustomize` of `path` in the source. */
export interface KustomizationRef {
  kind: string;
  name: string;
  namespace?: string;
  path?: string;
  components?: string[];
  targetNamespace?: string;
  deploymentType?: 'Remote' | 'Local';
  values?: Record<string, string>;
  valuesFrom?: unknown[];
  tier?: number;
  optional?: boolean;
  [field: string]: unknown;
}

export type GitsetObject = SveltosCluster | ClusterSetObject | ProfileObject;

/** `namespace/name` of a SveltosCluster: the key every map of clusters uses. */
export type ClusterKey = string;

export function clusterKey(ref: { namespace?: string; name: string }): ClusterKey {
  return `${ref.namespace ?? ''}/${ref.name}`;
}

export function parseClusterKey(key: ClusterKey): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** `ClusterSet/prod`, `Set/eng/blue`, `ClusterProfile/kyverno`, `Profile/eng/kyverno`. */
export function objectId(obj: { kind: string; metadata: ObjectMeta }): string {
  const ns = obj.metadata.namespace;
  return ns ? `${obj.kind}/${ns}/${obj.metadata.name}` : `${obj.kind}/${obj.metadata.name}`;
}

export function isNamespacedKind(kind: Kind): boolean {
  return kind === 'SveltosCluster' || kind === 'Set' || kind === 'Profile';
}

/** Orders clusters the way every selection does: namespace, then name. */
export function compareClusterKeys(a: ClusterKey, b: ClusterKey): number {
  const pa = parseClusterKey(a);
  const pb = parseClusterKey(b);
  if (pa.namespace !== pb.namespace) return pa.namespace < pb.namespace ? -1 : 1;
  if (pa.name !== pb.name) return pa.name < pb.name ? -1 : 1;
  return 0;
}

/** Sveltos' ClusterPromotion trigger: `auto` (after a delay) or `manual` (an `approved: true` commit). */
export interface PromotionTrigger {
  auto?: { delay?: string; [field: string]: unknown };
  manual?: { approved?: boolean; automaticReset?: boolean; delay?: string; [field: string]: unknown };
}

/** One stage of a ClusterPromotion: the clusters it deploys to, and what promotes past it. */
export interface PromotionStage {
  name: string;
  clusterSelector?: LabelSelector;
  trigger?: PromotionTrigger;
}

/**
 * Sveltos' ClusterPromotion (config.projectsveltos.io/v1beta1, cluster-wide): one profileSpec
 * deployed stage by stage. The loader turns each stage into a ClusterProfile named
 * `<promotion>-<stage>` (`profiles`, in stage order), labelled with PROMOTION_LABEL.
 */
export interface ClusterPromotion {
  apiVersion: string;
  kind: 'ClusterPromotion';
  metadata: ObjectMeta;
  spec: { profileSpec: ProfileSpec; stages: PromotionStage[]; [field: string]: unknown };
  source: SourcePos;
  /** objectId of each stage's derived ClusterProfile, in stage order. */
  profiles: string[];
  /**
   * By stage name: the content hash its `approved: true` was committed with, read from Git's
   * history by the daemon (src/daemon/approvals.ts). Absent without history (a plain folder).
   */
  approvedContent?: Readonly<Record<string, string>>;
}

/** The label Sveltos puts on the ClusterProfiles a ClusterPromotion creates. */
export const PROMOTION_LABEL = 'config.projectsveltos.io/promotionname';
