// Helpers of the sharding tests and bench: gitset replicas as real processes (bin/gitset.js run
// --shards M --shard K) against one sandbox, their JSON log lines kept, and the branch's history
// with each commit's author and paths, read from the Git server's bare repository.
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { PROJECT_ROOT } from '../../src/daemon/wiring.ts';
import { gitCliEnv } from '../../src/sim/git-server.ts';
import type { Sandbox } from '../../src/demo/sandbox.ts';
import { jsonLines } from './chaos.ts';
import { clusterShard } from '../../src/select/shard.ts';

export interface Replica {
  shard: number;
  lines: Array<Record<string, unknown>>;
  child: ResultPromise;
  /** Lines with this message. */
  said(msg: string): Array<Record<string, unknown>>;
}

/** The key the test replicas share (through the environment, as the chart's Secret gives it). */
export const SHARD_KEY = 'test-replicas-shared-seal-key';

export function startReplica(sandbox: Sandbox, shard: number, shards: number, flags: Record<string, string> = {}): Replica {
  return { ...spawnReplica(sandbox, String(shard), { shards: String(shards), shard: String(shard), ...flags }, 'not-a-pod'), shard };
}

/** `gitset run` against the sandbox as a process, with the test replicas' options and `flags`, named `host`. */
function spawnReplica(sandbox: Sandbox, name: string, flags: Record<string, string>, host: string): Replica {
  const args = Object.entries({
    repo: sandbox.repoUrl, credentials: sandbox.credentialsDir, 'work-dir': join(sandbox.root, `replica-${name}`),
    listen: '127.0.0.1:0', 'log-format': 'json',
    'probe-interval': '1s', 'probe-timeout': '5s', 'poll-interval': '1s', 'shard-heartbeat': '10s', 'failure-threshold': '3',
    ...flags,
  }).flatMap(([k, v]) => [`--${k}`, v]);
  const child = execa(process.execPath, [join(PROJECT_ROOT, 'bin', 'gitset.js'), 'run', ...args], { cwd: sandbox.root, reject: false, stdin: 'ignore', env: { HOSTNAME: host, GITSET_SHARD_KEY: SHARD_KEY } });
  const lines = jsonLines(child);
  return { shard: -1, lines, child, said: (msg) => lines.filter((l) => l.msg === msg) };
}

/** Stops a replica; one that has not exited 30 s after SIGTERM is killed, so a test fails rather than hangs. */
export async function stopReplica(r: Replica, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  r.child.kill(signal);
  const late = setTimeout(() => r.child.kill('SIGKILL'), 30_000);
  try {
    await r.child;
  } finally {
    clearTimeout(late);
  }
}

export interface LoggedCommit {
  oid: string;
  parents: string[];
  author: string;
  subject: string;
  /** Paths relative to the status folder (others as they are). */
  paths: string[];
}

/** The branch's commits, newest first, straight from the bare repository. */
export async function commitsOf(sandbox: Sandbox, branch = 'main'): Promise<LoggedCommit[]> {
  const out = await execa('git', ['--git-dir', sandbox.barePath, 'log', '--format=%x00%H%x01%P%x01%an%x01%s', '--name-only', branch], { env: gitCliEnv() });
  return out.stdout.split('\0').filter(Boolean).map((block) => {
    const [head = '', ...files] = block.split('\n');
    const [oid = '', parents = '', author = '', subject = ''] = head.split('\x01');
    return { oid, parents: parents.split(' ').filter(Boolean), author, subject, paths: files.filter(Boolean).map((p) => p.replace(/^status\//, '')) };
  });
}

/** A replica that takes its shard by Lease (`--shard-lease-namespace`), named `identity` as a pod would be. */
export function startLeasedReplica(sandbox: Sandbox, identity: string, shards: number, lease: { namespace: string; kubeconfig: string; duration: string }, flags: Record<string, string> = {}): Replica {
  const leaseFlags = { 'shard-lease-namespace': lease.namespace, 'shard-lease-kubeconfig': lease.kubeconfig, 'shard-lease-duration': lease.duration };
  return spawnReplica(sandbox, identity, { shards: String(shards), ...leaseFlags, ...flags }, identity);
}

/** The shard a leased replica logged it holds, once it does. */
export function heldShard(r: Replica): number | undefined {
  const line = r.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('holding shard ') && typeof l.shard === 'number');
  return line ? (line.shard as number) : undefined;
}

/** Clusters `fleet/cNN`, `perShard` of each of `shards` shards by the hash, all labelled env=prod. */
export function clustersByShard(shards: number, perShard = 2): string[] {
  const candidates = Array.from({ length: 6 * shards * perShard }, (_, i) => `fleet/c${String(i).padStart(2, '0')}`);
  return Array.from({ length: shards }, (_, k) => candidates.filter((c) => clusterShard(c, shards) === k).slice(0, perShard)).flat().sort();
}

/** The repository of those clusters and one ClusterProfile, agent, deploying the hello chart on all of them. */
export function agentManifests(clusters: readonly string[]): (chartUrl: string) => Record<string, string> {
  return (chartUrl) => {
    const files: Record<string, string> = {};
    for (const c of clusters) {
      const [ns, name] = c.split('/');
      files[`clusters/${name}.yaml`] = `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n  labels:\n    env: prod\nspec: {}\n`;
    }
    files['profiles/agent.yaml'] = `apiVersion: config.projectsveltos.io/v1alpha1\nkind: ClusterProfile\nmetadata:\n  name: agent\nspec:\n  clusterSelector: env=prod\n  helmCharts:\n  - chartName: hello/hello\n    chartVersion: 0.1.0\n    releaseName: agent\n    releaseNamespace: agent\n    repositoryName: hello\n    repositoryURL: ${chartUrl}\n`;
    return files;
  };
}
