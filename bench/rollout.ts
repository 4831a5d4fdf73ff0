// A 1,000-cluster rollout at `maxUpdate: 10%`: the chart version of a ClusterProfile matching
// every cluster is bumped, and the daemon (startDaemon + createReconciler, as `gitset run` wires
// them, against a real Git smart-HTTP server) rolls it out, at most 100 clusters at a time, each
// counted done once its release is observed Healthy. What is simulated: the probes (every
// cluster answers), helm (each upgrade sleeps a fixed per-cluster time, 200-1500 ms, then records
// the release in an in-memory cluster) and the clusters' API (observe-world.ts: healthy at once).
// Real helm against 1,000 simulated API servers is out of reach here: bench/sim-host.ts serves
// 200 at most, and one helm upgrade costs ~1 s of this machine's CPU. The floor is the sum of the
// waves' slowest clusters (clusters in name order, 100 a wave): what waves cost with no gating
// overhead; the row is bump → the status commit saying every cluster Healthy on the new version.
import { execa } from 'execa';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { createReconciler } from '../src/daemon/cycle.ts';
import { startDaemon } from '../src/daemon/daemon.ts';
import { createMetrics } from '../src/daemon/metrics.ts';
import { statusCodec } from '../src/daemon/wiring.ts';
import { openRepo } from '../src/git/open.ts';
import { commitMessageText, type Repo } from '../src/git/repo.ts';
import type { HelmRunner } from '../src/model/ports.ts';
import { createBareRepo, gitCliEnv, startGitServer } from '../src/sim/git-server.ts';
import { readRolloutEvents } from '../src/status/read-rollouts.ts';
import type { Benchmark, BenchContext } from './context.ts';
import { runInChild } from './child.ts';
import { observedWorld } from './observe-world.ts';
import { healthyProber } from './quiet-cycle.ts';
import { single, type Measure } from './report.ts';

const BENCH = 'rollout';
const PROFILE_FILE = 'ClusterProfile/web.yaml';

export interface RolloutArg {
  workDir: string;
  clusters: number;
  /** Percent of the clusters per wave. */
  percent: number;
  probeIntervalMs: number;
}

export interface RolloutResult {
  /** Bump → the status commit saying every cluster Healthy on the new version; NaN when none came in time. */
  rolloutMs: number;
  /** Bump → the last cluster's upgrade ended: every wave's gating, without the last look and commit. */
  lastUpgradeMs: number;
  floorMs: number;
  /** The same clusters with each freed slot taken at once (what maxUpdate allows): a true lower bound. */
  slidingFloorMs: number;
  waves: number;
  maxConcurrent: number;
  upgrades: number;
  /** Clusters named by a `rollout started`/`rollout wave` line of a status commit. */
  clustersSaid: number;
  commits: number;
}

/** Upgrade time of a cluster: 200-1500 ms, fixed by its index. */
const upgradeMs = (i: number): number => 200 + ((i * 7919) % 1301);
const name = (i: number): string => `c${String(i).padStart(4, '0')}`;

function manifests(clusters: number, percent: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < clusters; i++) {
    files[`clusters/${name(i)}.yaml`] = `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: ${name(i)}, namespace: fleet, labels: {env: prod}}\nspec: {}\n`;
  }
  files['profiles/web.yaml'] = `apiVersion: config.projectsveltos.io/v1beta1\nkind: ClusterProfile\nmetadata: {name: web}\nspec:\n  clusterSelector: {matchLabels: {env: prod}}\n  maxUpdate: "${percent}%"\n  helmCharts:\n  - {repositoryURL: 'https://charts.example.com', repositoryName: web, chartName: web/web, chartVersion: 0.1.0, releaseName: web, releaseNamespace: web}\n`;
  return files;
}

/** Child step: converge the fleet on 0.1.0, bump to 0.2.0, time the rollout. */
export async function rolloutStep(arg: RolloutArg): Promise<RolloutResult> {
  const seed = join(arg.workDir, 'seed');
  const credentialsDir = join(arg.workDir, 'credentials');
  await mkdir(join(credentialsDir, 'fleet'), { recursive: true });
  for (const [path, text] of Object.entries(manifests(arg.clusters, arg.percent))) {
    await mkdir(join(seed, path, '..'), { recursive: true });
    await writeFile(join(seed, path), text);
  }
  for (let i = 0; i < arg.clusters; i++) await writeFile(join(credentialsDir, 'fleet', `${name(i)}.kubeconfig`), 'apiVersion: v1\nkind: Config\n');
  const serverRoot = join(arg.workDir, 'server');
  await createBareRepo(serverRoot, 'fleet.git', seed);
  const server = await startGitServer({ root: serverRoot });
  // BENCH_ROLLOUT_LOG=file: the daemon's log at info, to see where a slow rollout spends its time.
  const logFile = process.env.BENCH_ROLLOUT_LOG;
  const logger = logFile ? pino({ level: 'info' }, pino.destination({ dest: logFile, sync: true })) : pino({ level: 'silent' });
  const world = observedWorld();
  const calls = new Map<string, { start: number; end: number }>();
  let running = 0;
  let maxConcurrent = 0;
  const helm: HelmRunner = {
    async upgradeInstall(target, release) {
      if (release.chartVersion === '0.2.0') {
        const start = performance.now();
        maxConcurrent = Math.max(maxConcurrent, ++running);
        await sleep(upgradeMs(Number(target.cluster.slice('fleet/c'.length))));
        running--;
        calls.set(target.cluster, { start, end: performance.now() });
      }
      return world.helm.upgradeInstall(target, release);
    },
    uninstall: (target, release) => world.helm.uninstall(target, release),
  };
  const watch = watchCommits(openRepo({ url: server.url('fleet.git'), branch: 'main', workDir: join(arg.workDir, 'clone'), logger }));
  const reconciler = createReconciler({
    repo: watch.repo, prober: healthyProber, helm, codec: statusCodec, credentialsDir, statusDir: 'status',
    helmParallelism: Math.ceil((arg.clusters * arg.percent) / 100), observe: { reader: world.reader, budgetMs: arg.probeIntervalMs },
    logger, metrics: createMetrics(),
  });
  const config = { listen: { host: '127.0.0.1', port: 0 }, probeIntervalMs: arg.probeIntervalMs, pollIntervalMs: 60_000, shutdownGraceMs: 5_000, unreadyAfterMs: 600_000, branch: 'main', statusBranch: 'main', secrets: {} };
  const daemon = await startDaemon({ config, reconciler, logger, metrics: createMetrics() });
  try {
    await watch.until((text) => count(text, 'health: Healthy') === arg.clusters, 600_000);
    const user = join(arg.workDir, 'user');
    const env = gitCliEnv();
    await execa('git', ['clone', '--quiet', server.url('fleet.git'), user], { env });
    const profile = join(user, 'profiles', 'web.yaml');
    await writeFile(profile, (await readFile(profile, 'utf8')).replace('chartVersion: 0.1.0', 'chartVersion: 0.2.0'));
    await execa('git', ['commit', '--quiet', '-am', 'web: chart 0.2.0'], { cwd: user, env });
    await execa('git', ['push', '--quiet', 'origin', 'HEAD:main'], { cwd: user, env });
    const bumped = performance.now();
    daemon.trigger('webhook');
    const commitsBefore = watch.messages.length;
    // The gating is measured to the last upgrade, the status commit saying all Healthy beside it
    // (before the daemon's cycles left time to background work, no commit landed in between).
    const doneAt = await watch.until((text) => !/\n {2}rollout:/.test(text) && !text.includes('chartVersion: 0.1.0') && count(text, 'health: Healthy') === arg.clusters, 600_000).catch(() => NaN);
    const events = watch.messages.slice(commitsBefore).flatMap((m) => readRolloutEvents(m));
    const said = new Set(events.filter((e) => e.event === 'rollout started' || e.event === 'rollout wave').flatMap((e) => e.clusters));
    const wave = Math.ceil((arg.clusters * arg.percent) / 100);
    let floorMs = 0;
    for (let i = 0; i < arg.clusters; i += wave) floorMs += Math.max(...Array.from({ length: Math.min(wave, arg.clusters - i) }, (_, k) => upgradeMs(i + k)));
    return {
      rolloutMs: doneAt - bumped, lastUpgradeMs: Math.max(...[...calls.values()].map((c) => c.end)) - bumped, floorMs, slidingFloorMs: slidingFloor(arg.clusters, wave), waves: Math.ceil(arg.clusters / wave), maxConcurrent, upgrades: calls.size,
      clustersSaid: said.size, commits: watch.messages.length - commitsBefore,
    };
  } finally {
    await daemon.stop('bench over');
    await server.close();
  }
}

/** The clusters in name order on `slots` slots, each started the moment one frees: the end of the last. */
function slidingFloor(clusters: number, slots: number): number {
  const ends = Array.from({ length: Math.min(slots, clusters) }, (_, i) => upgradeMs(i));
  for (let i = ends.length; i < clusters; i++) {
    const free = ends.indexOf(Math.min(...ends));
    ends[free] = ends[free]! + upgradeMs(i);
  }
  return Math.max(...ends);
}

const count = (text: string, what: string): number => text.split(what).length - 1;

/** Wraps a Repo: keeps every status commit's message, and waits for a profile status text that passes a check. */
function watchCommits(inner: Repo): { repo: Repo; messages: string[]; until(check: (profileText: string) => boolean, timeoutMs: number): Promise<number> } {
  const messages: string[] = [];
  let waiter: { check: (t: string) => boolean; resolve: (at: number) => void } | undefined;
  const repo: Repo = {
    ...inner,
    commitStatus: async (files, message, rerender) => {
      const r = await inner.commitStatus(files, message, rerender);
      if (r.committed) messages.push(commitMessageText(message));
      const text = files.get(PROFILE_FILE);
      if (r.committed && text !== undefined) process.stderr.write(`[rollout ${new Date().toISOString().slice(11, 19)}] commit ${messages.length}: ${count(text, 'health: Healthy')} Healthy, ${count(text, 'chartVersion: 0.1.0')} lines on 0.1.0\n`);
      if (r.committed && waiter && text !== undefined && waiter.check(text)) waiter.resolve(performance.now());
      return r;
    },
  };
  return {
    repo,
    messages,
    until: (check, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no status commit passed the check within ${timeoutMs} ms`)), timeoutMs);
        waiter = { check, resolve: (at) => (clearTimeout(timer), (waiter = undefined), resolve(at)) };
      }),
  };
}

async function run(ctx: BenchContext): Promise<Measure[]> {
  const arg: RolloutArg = { workDir: ctx.workDir, clusters: 1000, percent: 10, probeIntervalMs: 1000 };
  const { result: r, maxRssMB } = await runInChild<RolloutArg, RolloutResult>(new URL('./rollout.ts', import.meta.url).href, 'rolloutStep', arg, { timeoutMs: 30 * 60_000 });
  ctx.log(`last upgrade ${(r.lastUpgradeMs / 1000).toFixed(1)} s, committed done ${(r.rolloutMs / 1000).toFixed(1)} s, against a floor of ${(r.floorMs / 1000).toFixed(1)} s; ${r.upgrades} upgrades, at most ${r.maxConcurrent} at once; ${r.commits} status commits`);
  const sim = 'daemon (real Git server, planner, committer); simulated: probes, helm (upgrade sleeps 200-1500 ms), clusters (in memory, Healthy at once)';
  return [
    single(BENCH, '1k-cluster rollout at maxUpdate 10% (bump → last upgrade ended)', 's', r.lastUpgradeMs / 1000, { note: `${sim}; probe interval ${arg.probeIntervalMs} ms, helm parallelism 100; peak RSS ${maxRssMB.toFixed(0)} MB` }),
    single(BENCH, "floor: sum of the waves' slowest clusters", 's', r.floorMs / 1000, { note: `${r.waves} waves of 100 in name order, no gating cost` }),
    single(BENCH, 'sliding floor: each freed slot taken at once', 's', r.slidingFloorMs / 1000, { note: 'maxUpdate caps the clusters updated at once, it does not wait for a whole wave: the true lower bound' }),
    single(BENCH, 'gating overhead per wave (last upgrade − floor) / waves', 's', (r.lastUpgradeMs - r.floorMs) / 1000 / r.waves, { note: 'observing Healthy and the next cycle, per wave' }),
    single(BENCH, '1k-cluster rollout: bump → status commit saying all Healthy', 's', r.rolloutMs / 1000, { note: `${r.commits} status commits during the rollout; NaN when none within 10 min` }),
    single(BENCH, 'clusters updated at once, at most', 'count', r.maxConcurrent, { target: { op: '<', value: 101 } }),
    single(BENCH, 'clusters named by the commits\' start and wave lines', 'count', r.clustersSaid, { target: { op: '==', value: arg.clusters }, note: `${r.commits} status commits during the rollout` }),
  ];
}

export const benchmark: Benchmark = { name: BENCH, title: '1,000-cluster rollout at maxUpdate 10% (daemon, simulated helm and clusters)', run };
