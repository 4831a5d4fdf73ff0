// Helpers of the end-to-end tests: the seed scenario's manifests, a daemon started in-process
// against a sandbox (simulated clusters, chart repository, Git server), and ways to look at the
// result from the outside: the committed status through the Git server, releases through helm.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { execa } from 'execa';
import { parse } from 'yaml';
import { resolveHelm } from '../../src/helm/binary.ts';
import { gitCliEnv } from '../../src/sim/git-server.ts';
import { resolveConfig } from '../../src/daemon/config.ts';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.ts';
import { createLogger } from '../../src/daemon/logger.ts';
import { createMetrics, type DaemonMetrics } from '../../src/daemon/metrics.ts';
import { startSandbox, type Sandbox } from '../../src/daemon/sandbox.ts';
import { buildRuntime, PROJECT_ROOT, type Runtime } from '../../src/daemon/wiring.ts';

export const CLUSTERS = ['civo/cluster1', 'civo/cluster2'];

/** The seed: two prod clusters in civo, ClusterSet prod (maxReplicas 1), ClusterProfile kyverno on it. */
export function seedManifests(chartUrl = 'http://127.0.0.1:18080'): Record<string, string> {
  const cluster = (name: string) => `apiVersion: lib.projectsveltos.io/v1beta1
kind: SveltosCluster
metadata:
  name: ${name}
  namespace: civo
  labels:
    env: prod
spec: {}
`;
  return {
    'clusters/cluster1.yaml': cluster('cluster1'),
    'clusters/cluster2.yaml': cluster('cluster2'),
    'sets/prod.yaml': `apiVersion: lib.projectsveltos.io/v1alpha1
kind: ClusterSet
metadata:
  name: prod
spec:
  clusterSelector: env=prod
  maxReplicas: 1
`,
    'profiles/kyverno.yaml': `apiVersion: config.projectsveltos.io/v1alpha1
kind: ClusterProfile
metadata:
  name: kyverno
spec:
  helmCharts:
  - chartName: hello/hello
    chartVersion: 0.1.0
    helmChartAction: Install
    releaseName: kyverno-latest
    releaseNamespace: kyverno
    repositoryName: hello
    repositoryURL: ${chartUrl}
  setRefs:
  - prod
`,
  };
}

export interface Fleet {
  sandbox: Sandbox;
  helmPath: string;
  daemon?: Daemon;
  runtime?: Runtime;
  metrics: DaemonMetrics;
  logs: string[];
  startDaemon(flags?: Record<string, string>): Promise<Daemon>;
  /** Status file (relative to status/) as committed on main, read through the Git server. */
  status(path: string): Promise<any>;
  /** Commits on main, newest first, through the Git server. */
  log(): Promise<Array<{ oid: string; subject: string; body: string }>>;
  /** A clone to push user commits from. */
  clone(): Promise<string>;
  /** Releases on a simulated cluster, as `helm list -A` shows them. */
  releases(cluster: string): Promise<Array<{ name: string; namespace: string; status: string; revision: string }>>;
  close(): Promise<void>;
}

export async function startFleet(opts: { manifests?: (chartUrl: string) => Record<string, string> } = {}): Promise<Fleet> {
  const helm = await resolveHelm({ env: process.env, projectRoot: PROJECT_ROOT });
  // The chart repository's URL is only known once it runs: serve placeholder manifests, then fix them.
  const sandbox = await startSandbox({ clusters: CLUSTERS, manifests: (opts.manifests ?? seedManifests)('http://127.0.0.1:18080'), helmBinary: helm.path });
  const readDir = await mkdtemp(join(tmpdir(), 'gitset-e2e-read-'));
  const env = gitCliEnv();
  await execa('git', ['clone', '--quiet', sandbox.repoUrl, readDir], { env });
  const logs: string[] = [];
  const metrics = createMetrics();
  const fleet: Fleet = {
    sandbox,
    helmPath: helm.path,
    metrics,
    logs,
    async startDaemon(flags = {}) {
      const config = resolveConfig({
        flags: {
          repo: sandbox.repoUrl,
          credentials: sandbox.credentialsDir,
          workDir: sandbox.workDir,
          probeInterval: '250ms',
          probeTimeout: '300ms',
          pollInterval: '1s',
          listen: '127.0.0.1:0',
          shutdownGrace: '20s',
          helmTimeout: '60s',
          logLevel: 'debug',
          logFormat: 'json',
          ...flags,
        },
        env: {},
        cwd: sandbox.root,
      });
      const sink = new Writable({ write: (chunk, _enc, cb) => void (logs.push(String(chunk)), cb()) });
      const logger = createLogger({ level: config.logLevel, format: 'json', destination: sink });
      fleet.runtime = await buildRuntime(config, { logger, metrics, env: process.env, cwd: sandbox.root });
      fleet.daemon = await startDaemon({ config, runCycle: fleet.runtime.runCycle, logger, metrics });
      return fleet.daemon;
    },
    async status(path) {
      await execa('git', ['fetch', '--quiet', 'origin'], { cwd: readDir, env });
      const r = await execa('git', ['show', `origin/main:status/${path}`], { cwd: readDir, env, reject: false });
      return r.exitCode === 0 ? parse(r.stdout) : undefined;
    },
    async log() {
      await execa('git', ['fetch', '--quiet', 'origin'], { cwd: readDir, env });
      const r = await execa('git', ['log', '--format=%H %s%n%b%x00', 'origin/main'], { cwd: readDir, env });
      return r.stdout
        .split('\0')
        .map((c) => c.trim())
        .filter(Boolean)
        .map((c) => {
          const [head = '', ...body] = c.split('\n');
          return { oid: head.slice(0, 40), subject: head.slice(41), body: body.join('\n') };
        });
    },
    async clone() {
      const dir = await mkdtemp(join(sandbox.root, 'user-'));
      await execa('git', ['clone', '--quiet', sandbox.repoUrl, dir], { env });
      return dir;
    },
    async releases(cluster) {
      const [ns = '', name = ''] = cluster.split('/');
      const kubeconfig = join(sandbox.credentialsDir, ns, `${name}.kubeconfig`);
      const home = join(sandbox.root, 'helm-list-home');
      const r = await execa(helm.path, ['list', '-A', '--deployed', '--failed', '--pending', '-o', 'json', '--kubeconfig', kubeconfig], {
        env: { HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') },
        timeout: 20_000,
      });
      return JSON.parse(r.stdout || '[]');
    },
    async close() {
      await fleet.daemon?.stop('test over').catch(() => undefined);
      await fleet.runtime?.close().catch(() => undefined);
      await sandbox.close();
      await rm(readDir, { recursive: true, force: true });
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
