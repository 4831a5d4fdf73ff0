// The daemon's options as one table: flag, environment variable, config-file key, default and
// description come from the same entry, so `gitset run --help`, the README and the parser agree.

export type OptionKind = 'string' | 'duration' | 'integer' | 'share' | 'listen' | 'log-level' | 'log-format';

export interface OptionSpec {
  /** camelCase key in DaemonConfig and in the config file (kebab-case accepted there too). */
  key: OptionKey;
  /** Long flag without dashes, e.g. `probe-interval`. */
  flag: string;
  /** Value placeholder shown in --help. */
  arg: string;
  kind: OptionKind;
  /** Default as a user would write it; undefined when the option has none. */
  default?: string;
  description: string;
  /** Holds a secret value: never printed, never logged; only from the environment or a file. */
  secret?: boolean;
  /** A list: the config file may give it as a YAML sequence (joined with commas). */
  list?: boolean;
}

export type OptionKey =
  | 'repo'
  | 'branch'
  | 'path'
  | 'statusDir'
  | 'statusBranch'
  | 'workDir'
  | 'credentials'
  | 'gitUsername'
  | 'gitTokenFile'
  | 'gitPasswordFile'
  | 'helmBinary'
  | 'probeInterval'
  | 'probeTimeout'
  | 'pollInterval'
  | 'failureThreshold'
  | 'breakerShare'
  | 'breakerMinFailures'
  | 'helmParallelism'
  | 'driftInterval'
  | 'observeParallelism'
  | 'helmTimeout'
  | 'listen'
  | 'webhookSecretFile'
  | 'webhookPeers'
  | 'logLevel'
  | 'logFormat'
  | 'shutdownGrace'
  | 'unreadyAfter'
  | 'authorName'
  | 'authorEmail'
  | 'allowedChartRepos'
  | 'shards'
  | 'shard'
  | 'shardHeartbeat'
  | 'shardKeyFile'
  | 'shardLeaseNamespace'
  | 'shardLeaseDuration'
  | 'shardLeaseKubeconfig';

export const OPTIONS: readonly OptionSpec[] = [
  { key: 'repo', flag: 'repo', arg: 'URL|PATH', kind: 'string', description: 'Git repository to reconcile: an http(s) URL or a local path' },
  { key: 'branch', flag: 'branch', arg: 'NAME', kind: 'string', default: 'main', description: 'branch holding the manifests' },
  { key: 'path', flag: 'path', arg: 'DIR', kind: 'string', default: '.', description: 'folder inside the repository holding the manifests' },
  { key: 'statusDir', flag: 'status-dir', arg: 'DIR', kind: 'string', default: 'status', description: 'folder (relative to --path) the status files are written to' },
  { key: 'statusBranch', flag: 'status-branch', arg: 'NAME', kind: 'string', description: 'branch the status is committed to (default: the --branch)' },
  { key: 'workDir', flag: 'work-dir', arg: 'DIR', kind: 'string', default: '.gitset', description: 'working directory for the clone, helm caches and temporary files' },
  { key: 'credentials', flag: 'credentials', arg: 'DIR', kind: 'string', default: 'credentials', description: 'folder of kubeconfig files: <namespace>/<name>.kubeconfig, or the file spec.kubeconfigName names in <namespace>/' },
  { key: 'gitUsername', flag: 'git-username', arg: 'NAME', kind: 'string', description: 'user name for Git over HTTP (with a token, any non-empty name works)' },
  { key: 'gitTokenFile', flag: 'git-token-file', arg: 'FILE', kind: 'string', description: 'file holding the Git token (or set GITSET_GIT_TOKEN)' },
  { key: 'gitPasswordFile', flag: 'git-password-file', arg: 'FILE', kind: 'string', description: 'file holding the Git password (or set GITSET_GIT_PASSWORD)' },
  { key: 'helmBinary', flag: 'helm-binary', arg: 'PATH', kind: 'string', description: 'helm executable (default: the bundled helm, then helm on PATH)' },
  { key: 'probeInterval', flag: 'probe-interval', arg: 'DURATION', kind: 'duration', default: '10s', description: 'how often every cluster is probed (each probe round is a reconcile cycle)' },
  { key: 'probeTimeout', flag: 'probe-timeout', arg: 'DURATION', kind: 'duration', default: '5s', description: 'time a cluster API server has to answer a probe' },
  { key: 'pollInterval', flag: 'poll-interval', arg: 'DURATION', kind: 'duration', default: '30s', description: 'how often the Git branch is fetched' },
  { key: 'failureThreshold', flag: 'failure-threshold', arg: 'N', kind: 'integer', default: '3', description: 'failed probes in a row before a cluster is not ready (a cluster\'s consecutiveFailureThreshold overrides it)' },
  { key: 'breakerShare', flag: 'breaker-share', arg: 'SHARE', kind: 'share', default: '0.5', description: 'mass-failure breaker: when more than this share of the probed clusters fail in one round (or none answers), selections freeze and nothing is withdrawn (0.5 or 50%)' },
  { key: 'breakerMinFailures', flag: 'breaker-min-failures', arg: 'N', kind: 'integer', default: '3', description: 'mass-failure breaker: failed clusters needed (besides the share) to open it' },
  { key: 'helmParallelism', flag: 'helm-parallelism', arg: 'N', kind: 'integer', default: '8', description: 'clusters worked on at the same time (one helm call at a time per cluster)' },
  { key: 'driftInterval', flag: 'drift-interval', arg: 'DURATION', kind: 'duration', default: '5m', description: 'how often each release\'s live objects are compared with its chart (drift) and checked for health once healthy; 0 turns these periodic looks off' },
  { key: 'observeParallelism', flag: 'observe-parallelism', arg: 'N', kind: 'integer', default: '16', description: 'clusters read at the same time when observing releases each cycle' },
  { key: 'helmTimeout', flag: 'helm-timeout', arg: 'DURATION', kind: 'duration', default: '5m', description: 'time one helm call may take before it is aborted' },
  { key: 'listen', flag: 'listen', arg: 'HOST:PORT', kind: 'listen', default: '127.0.0.1:9090', description: 'address of /healthz, /readyz, /metrics and /hooks/git (port 0 picks a free one)' },
  { key: 'webhookSecretFile', flag: 'webhook-secret-file', arg: 'FILE', kind: 'string', description: 'file holding the webhook secret (or set GITSET_WEBHOOK_SECRET); without one, /hooks/git answers 401' },
  { key: 'webhookPeers', flag: 'webhook-peers', arg: 'URLS', kind: 'string', list: true, description: 'with several replicas: base URLs of the others, separated by commas (http://gitset-headless:9090; an http URL whose name resolves to several addresses stands for each, this replica left out); a push accepted on /hooks/git is passed on to them, verified again there, so every shard pulls at once rather than at its next poll' },
  { key: 'logLevel', flag: 'log-level', arg: 'LEVEL', kind: 'log-level', default: 'info', description: 'trace, debug, info, warn, error or fatal' },
  { key: 'logFormat', flag: 'log-format', arg: 'FORMAT', kind: 'log-format', default: 'auto', description: 'json, pretty, or auto (pretty on a terminal, JSON otherwise)' },
  { key: 'shutdownGrace', flag: 'shutdown-grace', arg: 'DURATION', kind: 'duration', default: '30s', description: 'on SIGTERM/SIGINT, how long running helm calls may finish before they are aborted' },
  { key: 'unreadyAfter', flag: 'unready-after', arg: 'DURATION', kind: 'duration', default: '5m', description: '/readyz fails once cycles have been failing for this long' },
  { key: 'authorName', flag: 'author-name', arg: 'NAME', kind: 'string', default: 'gitset', description: 'author name of status commits' },
  { key: 'authorEmail', flag: 'author-email', arg: 'EMAIL', kind: 'string', default: 'gitset@localhost', description: 'author email of status commits' },
  { key: 'allowedChartRepos', flag: 'allowed-chart-repos', arg: 'PATTERNS', kind: 'string', list: true, description: 'chart and Git sources gitset may fetch from, as glob patterns separated by commas (https://charts.example.com/*,oci://ghcr.io/acme/*; !PATTERN denies); a helmCharts entry or Flux GitRepository URL outside them makes its revision invalid. Default: any' },
  { key: 'shards', flag: 'shards', arg: 'M', kind: 'string', default: '1', description: 'replicas sharing the fleet: each probes, deploys to and writes the status of its own clusters (FNV-1a of namespace/name modulo M), as Argo CD shards its controller' },
  { key: 'shard', flag: 'shard', arg: 'N', kind: 'string', description: 'this replica\'s shard, 0 to M-1 (default with --shards > 1: the ordinal ending the host name, gitset-2 → 2, as in a StatefulSet)' },
  { key: 'shardHeartbeat', flag: 'shard-heartbeat', arg: 'DURATION', kind: 'duration', default: '1m', description: 'with --shards > 1: how often a replica commits that it is alive; one silent for 3 intervals is reported as such by the others' },
  { key: 'shardKeyFile', flag: 'shard-key-file', arg: 'FILE', kind: 'string', description: 'with --shards > 1 (required): file holding a secret of 16 or more characters shared by every replica (or set GITSET_SHARD_KEY); each seals its status with it, and a replica takes another\'s status files only under that seal' },
  { key: 'shardLeaseNamespace', flag: 'shard-lease-namespace', arg: 'NS', kind: 'string', description: 'with --shards > 1 and no --shard: each replica takes a free shard by holding one of the Leases gitset-shard-0 to gitset-shard-(M-1) in this namespace of the cluster it runs in, and takes over a shard whose holder stopped renewing (pods with any names, as in a Deployment)' },
  { key: 'shardLeaseDuration', flag: 'shard-lease-duration', arg: 'DURATION', kind: 'duration', default: '30s', description: 'with --shard-lease-namespace: how long a shard stays held without renewal (renewed every third of it; a replica that cannot renew for two thirds of it stops)' },
  { key: 'shardLeaseKubeconfig', flag: 'shard-lease-kubeconfig', arg: 'FILE', kind: 'string', description: 'with --shard-lease-namespace: kubeconfig of the cluster holding the Leases (default: the pod\'s service account)' },
];

/** `probe-interval` → `GITSET_PROBE_INTERVAL`. */
export function envName(spec: Pick<OptionSpec, 'flag'>): string {
  return `GITSET_${spec.flag.toUpperCase().replaceAll('-', '_')}`;
}

/** Environment variables that carry a secret value directly (not a file name). */
export const SECRET_ENV = {
  gitToken: 'GITSET_GIT_TOKEN',
  gitPassword: 'GITSET_GIT_PASSWORD',
  webhookSecret: 'GITSET_WEBHOOK_SECRET',
  shardKey: 'GITSET_SHARD_KEY',
} as const;
