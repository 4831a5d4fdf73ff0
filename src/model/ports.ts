// The narrow interfaces the daemon receives for each kind of I/O. Tests swap the transport
// (a simulated cluster, a real git server on loopback), never the logic behind these.
import type { KubeGet } from '../observe/cluster-reader.ts';
import type { ChartAccess } from './chart-access.ts';
import type { CertifiedFile } from '../status/certified.ts';
import type { Checkout } from '../git/clone.ts';
import type { PreviousStatus, StatusSnapshot } from '../status/snapshot.ts';
import type { ClusterKey, DriftExclusion, HelmOptions, SveltosCluster } from './objects.ts';
import type { FluxSource } from './sources.ts';
import type { Patch } from '../patch/apply.ts';
import type { Lease } from './lease.ts';

/** One probe of one cluster: what its API server answered, or why it did not. */
export interface ProbeResult {
  cluster: ClusterKey;
  ok: boolean;
  /** gitVersion from `/version` when ok. */
  version?: string;
  /** Why the probe failed, safe to log and to commit: `timeout after 5s`, `401 Unauthorized`, … */
  message?: string;
  durationMs: number;
}

export interface Prober {
  /** Probes every given cluster (bounded concurrency); one result per cluster, never throws. */
  probeAll(clusters: readonly SveltosCluster[], signal?: AbortSignal): Promise<Map<ClusterKey, ProbeResult>>;
}

/** How to reach a cluster with helm: only a path to a kubeconfig file, never its content. */
export interface ClusterTarget {
  cluster: ClusterKey;
  kubeconfigPath: string;
}

/** One release as helm should make it, values already rendered for this cluster. */
export interface ReleaseRequest {
  releaseNamespace: string;
  releaseName: string;
  repositoryURL: string;
  repositoryName: string;
  chartName: string;
  chartVersion: string;
  /** Rendered values YAML (templating already applied); empty string for none. */
  values: string;
  options?: HelmOptions;
  /** Labels on helm's release record (helm 4 `--labels`): gitset's mark, its profile and hash. */
  labels?: Readonly<Record<string, string>>;
  /**
   * The profile's `driftExclusions` (ContinuousWithDriftDetection only): those paths are taken
   * out of the rendered manifests before helm applies them, so no repair or upgrade resets them.
   */
  driftExclusions?: readonly DriftExclusion[];
  /**
   * `valuesFrom`: the YAML values of the ConfigMaps/Secrets named, rendered for this cluster, in the
   * order they merge after `values` (src/plan/values-from.ts). May hold a Secret's content: never
   * logged, never in status or plan output; helm gets each as a private values file.
   */
  valuesFrom?: readonly string[];
  /** How helm reaches and verifies the chart (registryCredentialsConfig, provenanceVerification). */
  chartAccess?: ChartAccess;
  /** The profile's `patches`/`patchesFrom`, rendered for this cluster: applied by gitset's post-renderer. */
  patches?: readonly Patch[];
  /** The profile's `reloader: true`: workloads mounting a ConfigMap/Secret of the release carry its hash. */
  reloader?: boolean;
  /**
   * Whether the planner installs or upgrades (from its action): picks installOptions or
   * upgradeOptions for the flags that differ (`--no-hooks`, `--take-ownership`). Absent: neither.
   */
  phase?: 'install' | 'upgrade';
}

export interface ReleaseResult {
  revision: number;
  /** helm's status word: deployed, failed, pending-install, … */
  status: string;
  chartVersion?: string;
}

export interface HelmRunner {
  upgradeInstall(target: ClusterTarget, release: ReleaseRequest, signal?: AbortSignal): Promise<ReleaseResult>;
  uninstall(
    target: ClusterTarget,
    release: Pick<ReleaseRequest, 'releaseNamespace' | 'releaseName' | 'options'>,
    signal?: AbortSignal,
  ): Promise<void>;
}

/** Which object on a cluster: what kubectl is told, never the object's content. */
export interface KubeObjectIdentity {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** What a withdrawal found: deleted, already gone, or not carrying gitset's mark for the profile (left alone). */
export type WithdrawResult = 'deleted' | 'absent' | 'not-ours';

/** `policyRefs` objects on a cluster with kubectl (server-side apply under gitset's field manager). */
export interface KubectlRunner {
  /** Applies the manifests in order; throws KubectlError when kubectl fails. */
  apply(target: ClusterTarget, manifests: ReadonlyArray<Record<string, unknown>>, signal?: AbortSignal): Promise<void>;
  /** The labels of each object as the cluster has it, undefined for one that does not exist; one result per ref. */
  labels(target: ClusterTarget, refs: readonly KubeObjectIdentity[], signal?: AbortSignal): Promise<Array<Readonly<Record<string, string>> | undefined>>;
  /** Creates the namespaces that do not exist yet (never changes an existing one), as Sveltos does before applying. */
  ensureNamespaces(target: ClusterTarget, names: readonly string[], signal?: AbortSignal): Promise<void>;
  /** Deletes each object only when it carries gitset's mark with this profile label; one result per ref. */
  delete(target: ClusterTarget, refs: readonly KubeObjectIdentity[], profileLabel: string, signal?: AbortSignal): Promise<WithdrawResult[]>;
  /** `kubectl kustomize` of kustomizationRefs sources (absent: kustomizations are not built). */
  kustomize?: KustomizeBuilds;
}

/** Where a kustomization's files come from: a Flux GitRepository, or a ConfigMap's kustomize.tar.gz (base64). */
export type KustomizeSource = { kind: 'GitRepository'; flux: FluxSource } | { kind: 'ConfigMap'; id: string; tarball: string };

/** One `kubectl kustomize` a plan needs: equal keys, equal inputs. */
export interface KustomizeRequest {
  key: string;
  source: KustomizeSource;
  /** Rendered for the cluster; relative to the source root. */
  path: string;
  components: readonly string[];
  /** `files`: the folder's files as they are (policyRefs of a Flux source), not a kustomize build. */
  mode?: 'kustomize' | 'files';
}

/** A build's objects, one YAML text each, and the source revision built; or why there are none (safe for status). */
export type KustomizeOutput = { ok: true; revision: string; documents: readonly string[] } | { ok: false; error: string };

/** Builds kustomizations (fetching their sources when needed), cached per (source revision, path, components). */
export interface KustomizeBuilds {
  build(requests: readonly KustomizeRequest[], opts: { credentialsDir: string; signal?: AbortSignal }): Promise<ReadonlyMap<string, KustomizeOutput>>;
}

/** How status files are read, rendered and summarised (src/status/, pure). */
export interface StatusCodec {
  read(files: ReadonlyArray<{ path: string; text: string }>, certified?: Map<string, CertifiedFile>): PreviousStatus;
  render(snapshot: StatusSnapshot): Map<string, string>;
  /** What render writes, file by file (an object's files depend on its entry alone), and one file's text. */
  documents(snapshot: StatusSnapshot): Array<[string, object]>;
  writeDocument(doc: object): string;
  describe(previous: PreviousStatus, next: StatusSnapshot): CommitMessage;
}

/** A file read from the repository: path relative to the folder asked for, `/`-separated. */
export interface StatusFile {
  path: string;
  text: string;
}

export interface PullResult {
  /** Commit oid at the tip of the branch, or `working-tree` for a plain (non-git) folder. */
  revision: string;
  /** The tip moved since the last pull() of this Repo (always true on the first call). */
  revisionChanged: boolean;
  /**
   * The inputs changed since the last pull() of this Repo: true on the first call, then true only
   * when something outside the status folder (under `path`) differs. A tip that moved only by
   * status commits (gitset's own) gives `changed: false`, so there is no reconcile loop.
   */
  changed: boolean;
  /** Content identity of the inputs (tree oid of `path` without the status folder; a stat fingerprint for a plain folder). */
  inputsId: string;
  /** Folder to load manifests from (the work tree joined with `path`); with `checkout`, once it is written. */
  dir: string;
  /** Upstream was force-pushed (tip no longer descends from what we had); we reset to it. */
  forced: boolean;
  /** With status on a branch of its own: that branch's tip, which other replicas' status commits move. */
  statusRevision?: string;
  checkout?: Checkout; // with `writeBehind`: a fresh clone's checkout, being written on a worker, and its files in memory
}

export interface CommitMessage {
  subject: string;
  body?: string;
}

/**
 * Called when a push was rejected and the new upstream changed the inputs: re-render the status
 * from the manifests now in `dir` (at `revision`) and return the complete new set of status files.
 */
export type Rerender = (dir: string, revision: string) => Promise<ReadonlyMap<string, string>>;

export interface CommitStatusResult {
  /** The status differed from the committed one (plain folder: from the files on disk). */
  changed: boolean;
  /** A commit was made (false on a quiet cycle and for a plain folder). */
  committed: boolean;
  /** The status commit, when one was made. */
  revision?: string;
  /** The commit reached the remote (always false in local mode). */
  pushed: boolean;
  /** Non-fast-forward rejections overcome before the push landed. */
  retries: number;
  /** How many times `rerender` was called. */
  rerenders: number;
}

/** One commit of the history, as `Repo.history` walks it. */
export interface CommitInfo {
  revision: string;
  /** First parent first; empty for a root commit. */
  parents: string[];
  /** Committer time, milliseconds since the epoch. */
  committedAt: number;
  /** The whole commit message (subject, blank line, body), as Git stores it. */
  message?: string;
}

export interface HistoryOptions {
  /** Commit, ref name or abbreviated oid to start from. Default: the branch tip (local: HEAD). */
  from?: string;
  /** Commits read at most. */
  max: number;
  /** Follow first parents only (the line the branch moved along); else every parent, newest first. */
  firstParent?: boolean;
}

export type RepoKind = 'remote' | 'local-git' | 'local-folder';

export interface Repo {
  readonly kind: RepoKind;
  /** URL without credentials, or the absolute local path: safe to log and to write in status. */
  readonly displayUrl: string;
  /** Folder to load manifests from (same as `PullResult.dir`). */
  readonly dir: string;
  /** Repository-relative path of the status folder (`path` + `statusDir`). */
  readonly statusPath: string;
  /**
   * A folder gitset owns beside the clone, kept across restarts (the clone's `.git`), for small
   * state of its own; undefined for a local repository (the user's folder is not gitset's).
   */
  readonly stateDir?: string;
  /** Brings the repository up to date (clone on first use). Throws GitError. */
  pull(options?: { writeBehind?: boolean }): Promise<PullResult>;
  /**
   * Without the network: the revision an earlier run left in force in the work dir (its work tree
   * known to hold it), as a first pull would report it, or undefined; a later pull() reports
   * `changed` against it. Lets a restart probe and fail over while Git is down.
   */
  lastPulled?(): Promise<PullResult | undefined>;
  /** Status files as last committed (on the status branch when one is configured). */
  readStatusFiles(): Promise<StatusFile[]>;
  /**
   * Makes the status folder hold exactly `files` (paths relative to the status folder): commits
   * when the tree changed, pushes, and on a non-fast-forward rejection re-applies the change on
   * top of the new upstream and retries with backoff. Never force-pushes, never merges.
   */
  commitStatus(files: ReadonlyMap<string, string>, message: CommitMessage, rerender?: Rerender): Promise<CommitStatusResult>;
  /**
   * Files below `dir` (relative to `path`; default the status folder) at any commit, ref name or
   * abbreviated oid, e.g. for `gitset show --revision`. Throws GitError `revision-not-found`.
   */
  readFilesAt(revision: string, dir?: string): Promise<StatusFile[]>;
  /** Commits back from `from`, read as they are asked for. Throws GitError `revision-not-found` (also for a plain folder). */
  history(opts: HistoryOptions): AsyncIterable<CommitInfo>;
  /** `PullResult.inputsId` of any commit: equal ids, equal inputs. */
  inputsIdAt(revision: string): Promise<string>;
  /** Identity of the content of `dir` (relative to `path`) at a commit, undefined when absent: equal ids, equal files. */
  folderIdAt(revision: string, dir: string): Promise<string | undefined>;
  close(): Promise<void>;
}

/** Reads a cluster's API for observation over the connection its probe opened. */
export interface ClusterReader {
  /**
   * GETs on the cluster as its last probe reached it; undefined when it has no usable connection.
   * `signal` ends every read of this reader (the cycle's observation budget is over).
   */
  reader(cluster: SveltosCluster, signal?: AbortSignal): KubeGet | undefined;
}

/** One `validateHealths` check's Lua script and CEL rules against the objects it listed. */
export interface HealthCheckRequest {
  /** Lua defining `evaluate()`; absent or empty: no script. */
  script?: string;
  rules: ReadonlyArray<{ name: string; rule: string }>;
  objects: ReadonlyArray<Record<string, unknown>>;
}

export type HealthCheckOutcome =
  | { healthy: true }
  /** `index`: the first object found not healthy, with the script's (or CEL's) message. */
  | { healthy: false; index: number; message: string }
  /** The script failed or was cut off (`index`: on which object, when known). */
  | { error: string; code: 'LuaError' | 'LuaBudget' | 'LuaMemory' | 'LuaResult' | 'CelSyntax' | 'Timeout' | 'Worker'; index?: number };

/** Evaluates health scripts from the repository, which are hostile: bounded, isolated, killable. */
export interface HealthScriptRunner {
  evaluate(req: HealthCheckRequest): Promise<HealthCheckOutcome>;
  close(): Promise<void>;
}

/** Leases in one namespace (shards taken by replicas: daemon/shard-lease.ts); 'exists'/'conflict': another writer was first. */
export interface LeaseStore {
  get(name: string): Promise<Lease | undefined>;
  create(lease: Lease): Promise<Lease | 'exists'>;
  replace(lease: Lease): Promise<Lease | 'conflict'>;
}
