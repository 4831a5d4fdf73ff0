// Benchmark 2, a quiet cycle: nothing changed in Git, every cluster healthy. Runs the daemon's
// own cycle (src/daemon/cycle.ts createCycle) against a real Git smart-HTTP server, with a fake
// prober (every cluster answers at once: the probes are benchmark 3) and a counting fake helm
// runner (reports success; converging a 10k fleet with real helm would take hours). The first
// cycle converges the fleet and commits its status; the quiet cycles after it must make zero
// helm calls and zero commits. A restarted daemon's first cycle (status read back from Git)
// must make none either. With `observe`, the daemon also observes every cluster each cycle (helm
// release inventory, health looks, drift checks once per drift interval) through an in-memory
// fleet (observe-world.ts) the fake helm installs into: the requests per quiet cycle are counted.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { createCycle } from '../src/daemon/cycle.ts';
import { createMetrics } from '../src/daemon/metrics.ts';
import { statusCodec } from '../src/daemon/wiring.ts';
import { openRepo } from '../src/git/open.ts';
import type { CommitStatusResult, Repo } from '../src/git/repo.ts';
import { clusterKey } from '../src/model/objects.ts';
import type { HelmRunner, Prober, ProbeResult } from '../src/model/ports.ts';
import { createBareRepo, startGitServer } from '../src/sim/git-server.ts';
import type { Benchmark, BenchContext } from './context.ts';
import { runInChild } from './child.ts';
import { generateFleet, writeFleet } from './generate.ts';
import { observedWorld } from './observe-world.ts';
import { single, summarize, timed, type Measure } from './report.ts';

const BENCH = 'quiet-cycle';

/** Every cluster answers at once. */
export const healthyProber: Prober = {
  async probeAll(clusters) {
    return new Map(
      clusters.map((c): [string, ProbeResult] => {
        const key = clusterKey(c.metadata);
        return [key, { cluster: key, ok: true, version: 'v1.29.2+k3s1', durationMs: 1 }];
      }),
    );
  },
};

export interface HelmCounts {
  upgradeInstall: number;
  uninstall: number;
}

/** A helm runner that succeeds at once and counts its calls. */
export function countingHelm(): { runner: HelmRunner; counts: HelmCounts; total(): number } {
  const counts: HelmCounts = { upgradeInstall: 0, uninstall: 0 };
  const runner: HelmRunner = {
    async upgradeInstall(_target, release) {
      counts.upgradeInstall++;
      return { revision: 1, status: 'deployed', chartVersion: release.chartVersion };
    },
    async uninstall() {
      counts.uninstall++;
    },
  };
  return { runner, counts, total: () => counts.upgradeInstall + counts.uninstall };
}

/** Wraps a Repo to count status commits. */
function countingRepo(repo: Repo): { repo: Repo; commits: () => number } {
  let commits = 0;
  const wrapped: Repo = {
    ...repo,
    commitStatus: async (...args) => {
      const r: CommitStatusResult = await repo.commitStatus(...args);
      if (r.committed) commits++;
      return r;
    },
  };
  return { repo: wrapped, commits: () => commits };
}

export interface QuietArg {
  workDir: string;
  clusters: number;
  reps: number;
  /** Observe the clusters (inventory, health, drift) each cycle. */
  observe?: boolean;
}

export interface QuietResult {
  converge: { ms: number; helmCalls: number; committed: boolean; outcome: string; failures: string[] };
  quietMs: number[];
  quietHelmCalls: number;
  quietCommits: number;
  quietOutcomes: string[];
  restart: { ms: number; helmCalls: number; commits: number; outcome: string };
  statusFiles: number;
  /** With observe: the cycle after converging, which sees the new releases Healthy (and commits that). */
  settle?: { ms: number; requests: number; committed: boolean };
  /** With observe: observation GETs per quiet cycle. */
  quietRequests?: number[];
  restartRequests?: number;
}

/** Child step: the whole scenario for one fleet size. */
export async function quietCycleStep(arg: QuietArg): Promise<QuietResult> {
  const fleet = generateFleet({ clusters: arg.clusters, sets: 1000, profiles: 1000, seed: 42 });
  const seed = join(arg.workDir, 'seed');
  writeFleet(seed, fleet);
  const credentialsDir = join(arg.workDir, 'credentials');
  // runActions resolves each cluster's kubeconfig path before calling helm: the files must exist.
  for (const c of fleet.clusters) {
    await mkdir(join(credentialsDir, c.namespace), { recursive: true });
    await writeFile(join(credentialsDir, c.namespace, `${c.name}.kubeconfig`), 'apiVersion: v1\nkind: Config\n');
  }
  const serverRoot = join(arg.workDir, 'server');
  await createBareRepo(serverRoot, 'fleet.git', seed);
  const server = await startGitServer({ root: serverRoot });
  const logger = pino({ level: 'silent' });
  const world = arg.observe ? observedWorld() : undefined;
  try {
    const daemon = (n: number) => {
      const counting = countingHelm();
      const helm = world ? { runner: world.helm, total: world.calls } : counting;
      const counted = countingRepo(
        openRepo({ url: server.url('fleet.git'), branch: 'main', workDir: join(arg.workDir, `clone-${n}`), logger }),
      );
      const runCycle = createCycle({
        repo: counted.repo,
        prober: healthyProber,
        helm: helm.runner,
        codec: statusCodec,
        credentialsDir,
        statusDir: 'status',
        helmParallelism: 8,
        logger,
        metrics: createMetrics(),
        ...(world ? { observe: { reader: world.reader } } : {}),
      });
      return { runCycle, helm, commits: counted.commits, repo: counted.repo };
    };
    const never = new AbortController().signal;
    const first = daemon(1);
    const converge = await timed(() => first.runCycle({ reasons: ['start'], pull: true }, never));
    let settle: QuietResult['settle'];
    if (world) {
      const before = world.requests();
      const t = await timed(() => first.runCycle({ reasons: ['probe-interval'], pull: true }, never));
      settle = { ms: t.ms, requests: world.requests() - before, committed: t.value.committed };
    }
    const convergeCalls = first.helm.total();
    const quietMs: number[] = [];
    const quietRequests: number[] = [];
    const quietOutcomes: string[] = [];
    const commitsBefore = first.commits();
    for (let i = 0; i < arg.reps; i++) {
      const before = world?.requests() ?? 0;
      const t = await timed(() => first.runCycle({ reasons: ['poll-interval'], pull: true }, never));
      quietMs.push(t.ms);
      quietRequests.push((world?.requests() ?? 0) - before);
      quietOutcomes.push(t.value.outcome);
    }
    const statusFiles = (await first.repo.readStatusFiles()).length;
    const second = daemon(2);
    const beforeRestart = world?.requests() ?? 0;
    const helmBeforeRestart = second.helm.total();
    const restart = await timed(() => second.runCycle({ reasons: ['start'], pull: true }, never));
    return {
      converge: { ms: converge.ms, helmCalls: convergeCalls, committed: converge.value.committed, outcome: converge.value.outcome, failures: converge.value.failures.slice(0, 3) },
      quietMs,
      quietHelmCalls: first.helm.total() - convergeCalls,
      quietCommits: first.commits() - commitsBefore,
      quietOutcomes,
      restart: { ms: restart.ms, helmCalls: second.helm.total() - helmBeforeRestart, commits: second.commits(), outcome: restart.value.outcome },
      statusFiles,
      ...(settle ? { settle, quietRequests, restartRequests: (world?.requests() ?? 0) - beforeRestart } : {}),
    };
  } finally {
    await server.close();
  }
}

async function run(ctx: BenchContext): Promise<Measure[]> {
  const reps = ctx.reps(3, 3);
  const measures: Measure[] = [];
  for (const clusters of ctx.quick ? [2000] : [10000]) measures.push(...(await plainRows(ctx, clusters, reps)));
  // Observation: before (off) and after (inventory + health + drift checks), at 1k and 10k.
  for (const clusters of ctx.quick ? [1000] : [1000, 10000]) measures.push(...(await observedRows(ctx, clusters, reps)));
  return measures;
}

function step(ctx: BenchContext, arg: QuietArg): Promise<{ result: QuietResult; maxRssMB: number }> {
  return runInChild<QuietArg, QuietResult>(new URL('./quiet-cycle.ts', import.meta.url).href, 'quietCycleStep', arg, { timeoutMs: 20 * 60_000 });
}

async function plainRows(ctx: BenchContext, clusters: number, reps: number): Promise<Measure[]> {
  const { result: r, maxRssMB } = await step(ctx, { workDir: join(ctx.workDir, `plain-${clusters}`), clusters, reps });
  ctx.log(`converge ${r.converge.ms.toFixed(0)} ms (${r.converge.helmCalls} fake helm calls), quiet ${r.quietMs.map((x) => x.toFixed(0)).join('/')} ms, restart ${r.restart.ms.toFixed(0)} ms`);
  if (r.converge.outcome !== 'success') ctx.log(`converging cycle: ${r.converge.outcome}: ${r.converge.failures.join('; ')}`);
  const size = `${clusters / 1000}k clusters, 1k sets, 1k profiles`;
  return [
    single(BENCH, `converging cycle (${size})`, 'ms', r.converge.ms, {
      note: `${r.converge.helmCalls} helm calls (fake, instant), committed ${r.converge.committed}, ${r.statusFiles} status files`,
    }),
    summarize(BENCH, `quiet cycle (${size})`, 'ms', r.quietMs, {
      note: `daemon cycle: pull (no change) + fake probes + plan + render + compare; outcomes ${[...new Set(r.quietOutcomes)].join(',')}`,
    }),
    single(BENCH, 'quiet cycles: helm calls', 'count', r.quietHelmCalls, { target: { op: '==', value: 0 }, note: `over ${reps} quiet cycles` }),
    single(BENCH, 'quiet cycles: status commits', 'count', r.quietCommits, { target: { op: '==', value: 0 }, note: `over ${reps} quiet cycles` }),
    single(BENCH, `first cycle after a restart (${size})`, 'ms', r.restart.ms, {
      note: `new daemon, clone + status read back from Git; ${r.restart.helmCalls} helm calls, ${r.restart.commits} commits (${r.restart.outcome})`,
    }),
    single(BENCH, 'restart: helm calls + commits', 'count', r.restart.helmCalls + r.restart.commits, { target: { op: '==', value: 0 } }),
    single(BENCH, `peak RSS (${size})`, 'MB', maxRssMB, { note: 'child process: git server client, two daemons' }),
  ];
}

/** The same fleet without observation (before) and with it (after): time and requests per quiet cycle. */
async function observedRows(ctx: BenchContext, clusters: number, reps: number): Promise<Measure[]> {
  const size = `${clusters / 1000}k clusters`;
  const off = (await step(ctx, { workDir: join(ctx.workDir, `off-${clusters}`), clusters, reps })).result;
  const { result: on, maxRssMB } = await step(ctx, { workDir: join(ctx.workDir, `on-${clusters}`), clusters, reps, observe: true });
  const perCycle = on.quietRequests ?? [];
  ctx.log(`${size}: quiet ${off.quietMs.map((x) => x.toFixed(0)).join('/')} ms unobserved, ${on.quietMs.map((x) => x.toFixed(0)).join('/')} ms observed (${perCycle.join('/')} requests); settle ${on.settle?.ms.toFixed(0)} ms (${on.settle?.requests} requests)`);
  return [
    summarize(BENCH, `quiet cycle, no observation (before) (${size})`, 'ms', off.quietMs, { note: '0 cluster requests beyond the probes' }),
    summarize(BENCH, `quiet cycle, inventory + drift checks (${size})`, 'ms', on.quietMs, {
      note: `${on.converge.helmCalls} releases; drift interval 5 min; ${on.quietHelmCalls} helm calls, ${on.quietCommits} commits over ${reps} cycles`,
    }),
    summarize(BENCH, `observation requests per quiet cycle (${size})`, 'count', perCycle, { note: 'one inventory list per cluster + the looks due (health until Healthy, drift once per interval)' }),
    single(BENCH, `quiet cycles observed: helm calls + commits (${size})`, 'count', on.quietHelmCalls + on.quietCommits, { target: { op: '==', value: 0 } }),
    single(BENCH, `cycle after converging, every release looked at (${size})`, 'ms', on.settle?.ms ?? NaN, {
      note: `${on.settle?.requests} requests (inventory, records, discovery, live objects); commits the health: ${on.settle?.committed}`,
    }),
    single(BENCH, `restart, observed: first cycle looks at every release (${size})`, 'ms', on.restart.ms, {
      note: `${on.restartRequests} requests; ${on.restart.helmCalls} helm calls, ${on.restart.commits} commits`,
    }),
    single(BENCH, `peak RSS, observed (${size})`, 'MB', maxRssMB),
  ];
}

export const benchmark: Benchmark = { name: BENCH, title: "quiet cycle with the daemon's cycle (fake prober, counting helm)", run };
