// The narrow interfaces the daemon receives for each kind of I/O. Tests swap the transport
// (a simulated cluster, a real git server on loopback), never the logic behind these.
import type { CommitMessage } from '../git/repo.ts';
import type { PreviousStatus, StatusSnapshot } from '../status/snapshot.ts';
import type { ClusterKey, HelmOptions, SveltosCluster } from './objects.ts';

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

/** How status files are read, rendered and summarised (src/status/, pure). */
export interface StatusCodec {
  read(files: ReadonlyArray<{ path: string; text: string }>): PreviousStatus;
  render(snapshot: StatusSnapshot): Map<string, string>;
  describe(previous: PreviousStatus, next: StatusSnapshot): CommitMessage;
}
