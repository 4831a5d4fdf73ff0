// Helpers of the end-to-end tests: the seed scenario's manifests, a daemon started in-process
// against a sandbox (simulated clusters, chart repository, Git server), and ways to look at the
// result from the outside: the committed status through the Git server, releases through helm.
import { mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { execa } from 'execa';
import { resolveHelm } from '../../src/helm/binary.ts';
import { resolveKubectl } from '../../src/kubectl/binary.ts';
import { gitCliEnv } from '../../src/sim/git-server.ts';
import { resolveConfig } from '../../src/daemon/config.ts';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.ts';
import { createLogger } from '../../src/daemon/logger.ts';
import { createMetrics, type DaemonMetrics } from '../../src/daemon/metrics.ts';
import { startSandbox, type CommitInfo, type Sandbox } from '../../src/demo/sandbox.ts';
import { buildRuntime, PROJECT_ROOT, type Runtime } from '../../src/daemon/wiring.ts';

export { SEED_CLUSTERS as CLUSTERS, seedManifests } from '../../src/demo/seed.ts';
import { SEED_CLUSTERS as CLUSTERS, seedManifests } from '../../src/demo/seed.ts';

export interface Fleet {
  sandbox: Sandbox;
  helmPath: string;
  daemon?: Daemon;
  runtime?: Runtime;
  metrics: DaemonMetrics;
  logs: string[];
  startDaemon(flags?: Record<string, string>, env?: NodeJS.ProcessEnv): Promise<Daemon>;
  /**
   * Stops the daemon and starts a new one with a fresh work dir (a new process, as after a pod
   * restart: it reads the committed status again), with the last flags unless told otherwise.
   * The metrics registry is kept. `whileStopped`
   * runs in between (e.g. a push that must not race with the daemon's status commits).
   */
  restartDaemon(flags?: Record<string, string>, whileStopped?: () => Promise<unknown>): Promise<Daemon>;
  /** Status file (relative to status/) as committed on main, read through the Git server. */
  status(path: string): Promise<any>;
  /** Commits on main, newest first, through the Git server. */
  log(): Promise<CommitInfo[]>;
  /** A clone to push user commits from. */
  clone(): Promise<string>;
  /** Commits everything in a clone and pushes it to main; returns the new commit. */
  push(dir: string, message: string): Promise<string>;
  /** Releases on a simulated cluster, as `helm list -A` shows them. */
  releases(cluster: string): Promise<Array<{ name: string; namespace: string; status: string; revision: string; updated: string }>>;
  /** The kubeconfig a user of a simulated cluster (`civo/cluster1`) has. */
  kubeconfig(cluster: string): string;
  /** Runs helm by hand against a simulated cluster (as a person would); rejects on failure. */
  helm(cluster: string, ...args: string[]): Promise<string>;
  /** Runs kubectl by hand against a simulated cluster; rejects on failure. */
  kubectl(cluster: string, ...args: string[]): Promise<string>;
  close(): Promise<void>;
}

export async function startFleet(opts: { manifests?: (chartUrl: string) => Record<string, string>; clusters?: string[] } = {}): Promise<Fleet> {
  const helm = await resolveHelm({ env: process.env, projectRoot: PROJECT_ROOT });
  // The chart repository's URL is only known once it runs: serve placeholder manifests, then fix them.
  const sandbox = await startSandbox({ clusters: opts.clusters ?? CLUSTERS, manifests: (opts.manifests ?? seedManifests)('http://127.0.0.1:18080'), helmBinary: helm.path });
  const env = gitCliEnv();
  const logs: string[] = [];
  const metrics = createMetrics();
  let kubectlPath: string | undefined;
  let restarts = 0;
  let lastFlags: Record<string, string> = {};
  const fleet: Fleet = {
    sandbox,
    helmPath: helm.path,
    metrics,
    logs,
    async startDaemon(flags = {}, daemonEnv = {}) {
      lastFlags = flags;
      const config = resolveConfig({
        flags: {
          repo: sandbox.repoUrl,
          credentials: sandbox.credentialsDir,
          workDir: sandbox.workDir,
          probeInterval: '250ms',
          probeTimeout: '1s',
          pollInterval: '1s',
          listen: '127.0.0.1:0',
          shutdownGrace: '20s',
          helmTimeout: '60s',
          logLevel: 'debug',
          logFormat: 'json',
          ...flags,
        },
        env: daemonEnv,
        cwd: sandbox.root,
      });
      const sink = new Writable({ write: (chunk, _enc, cb) => void (logs.push(String(chunk)), cb()) });
      const logger = createLogger({ level: config.logLevel, format: 'json', destination: sink });
      fleet.runtime = await buildRuntime(config, { logger, metrics, env: process.env, cwd: sandbox.root });
      const watch = fleet.runtime.watchRepository;
      fleet.daemon = await startDaemon({ config, reconciler: fleet.runtime.reconciler, logger, metrics, ...(watch ? { watchRepository: watch } : {}) });
      return fleet.daemon;
    },
    async restartDaemon(flags = lastFlags, whileStopped) {
      await fleet.daemon?.stop('restart');
      await fleet.runtime?.close();
      await whileStopped?.();
      const workDir = join(sandbox.root, `work-restart-${++restarts}`);
      await mkdir(workDir, { recursive: true });
      return fleet.startDaemon({ ...flags, workDir });
    },
    status: (path) => sandbox.readStatus(path),
    log: () => sandbox.gitLog(),
    async clone() {
      const dir = await mkdtemp(join(sandbox.root, 'user-'));
      await execa('git', ['clone', '--quiet', sandbox.repoUrl, dir], { env });
      return dir;
    },
    async push(dir, message) {
      await execa('git', ['add', '-A'], { cwd: dir, env });
      await execa('git', ['commit', '--quiet', '-m', message], { cwd: dir, env });
      // The daemon pushes status commits meanwhile: rebase and retry, as a user would.
      for (let attempt = 1; ; attempt++) {
        await execa('git', ['pull', '--quiet', '--rebase', 'origin', 'main'], { cwd: dir, env });
        const pushed = await execa('git', ['push', '--quiet', 'origin', 'HEAD:main'], { cwd: dir, env, reject: false });
        if (pushed.exitCode === 0) break;
        if (attempt === 30) throw new Error(`push kept failing: ${pushed.stderr}`);
        // As a person would: wait a moment (jittered) before pulling again, rather than racing the
        // daemon's next status commit in lockstep.
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 400));
      }
      return (await execa('git', ['rev-parse', 'HEAD'], { cwd: dir, env })).stdout.trim();
    },
    async releases(cluster) {
      return JSON.parse((await fleet.helm(cluster, 'list', '-A', '--deployed', '--failed', '--pending', '-o', 'json')) || '[]');
    },
    kubeconfig(cluster) {
      const [ns = '', name = ''] = cluster.split('/');
      return join(sandbox.credentialsDir, ns, `${name}.kubeconfig`);
    },
    async helm(cluster, ...args) {
      const home = join(sandbox.root, 'helm-list-home');
      const r = await execa(helm.path, [...args, '--kubeconfig', fleet.kubeconfig(cluster)], {
        env: { HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') },
        timeout: 60_000,
      });
      return r.stdout;
    },
    async kubectl(cluster, ...args) {
      kubectlPath ??= (await resolveKubectl({ env: process.env, projectRoot: PROJECT_ROOT })).path;
      const r = await execa(kubectlPath, [...args, '--kubeconfig', fleet.kubeconfig(cluster)], {
        env: { KUBECACHEDIR: join(sandbox.root, 'kubectl-cache'), HOME: sandbox.root },
        timeout: 30_000,
      });
      return r.stdout;
    },
    async close() {
      await fleet.daemon?.stop('test over').catch(() => undefined);
      await fleet.runtime?.close().catch(() => undefined);
      await sandbox.close();
    },
  };
  return fleet;
}

/** Polls until `check` returns a value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export const names = (refs: Array<{ namespace?: string; name: string }> | undefined): string[] => (refs ?? []).map((r) => `${r.namespace}/${r.name}`);

/** Sum of a counter over all its label sets, read from the daemon's registry. */
export async function counterTotal(metrics: DaemonMetrics, name: string): Promise<number> {
  const m = await metrics.registry.getSingleMetric(name)?.get();
  return (m?.values ?? []).reduce((s, v) => s + v.value, 0);
}
