// Failover time under chaos against the same without (bench/failover.ts's harness: the daemon
// in-process, simulated clusters, the local chart repository, a real Git server, real helm).
// Chaos: a cluster that completes TLS and never answers, a black-hole TLS endpoint, a helm call
// that hangs on a healthy cluster for the whole run, and a Git server that stops answering the
// moment the selected cluster hangs (it answers again once the release is on the spare).
// Target: the same failover time, probe threshold × interval + one helm install, with or without.
import { setTimeout as sleep } from 'node:timers/promises';
import { hangClusters, hangingHelm, startGitProxy, CHAOS_CLUSTERS, chaosManifests } from '../test/e2e/chaos.ts';
import { startFleet, waitFor } from '../test/e2e/fleet.ts';
import type { SimCluster } from '../src/sim/index.ts';
import type { Benchmark, BenchContext } from './context.ts';
import { median, summarize, type Measure } from './report.ts';

const BENCH = 'failover-chaos';
const THRESHOLD = 3;
const INTERVAL_MS = 1000;
const FLAGS = { probeInterval: '1s', probeTimeout: '500ms', pollInterval: '2s', logLevel: 'info', shutdownGrace: '1s', breakerMinFailures: '4' };

function deployed(sim: SimCluster, release: string): boolean {
  return sim.objects('Secret').some((s) => s.metadata.labels?.owner === 'helm' && s.metadata.labels?.name === release && s.metadata.labels?.status === 'deployed');
}

/** One failover from a fresh fleet; `phaseMs` after the first release is in place, the selected cluster hangs. */
async function oneFailover(chaos: boolean, phaseMs: number): Promise<{ ms: number; helmInstallMs: number }> {
  const fleet = await startFleet(chaos ? { clusters: CHAOS_CLUSTERS, manifests: chaosManifests } : {});
  const closers: Array<() => Promise<unknown>> = [];
  try {
    const flags: Record<string, string> = { ...FLAGS };
    let git: Awaited<ReturnType<typeof startGitProxy>> | undefined;
    if (chaos) {
      closers.push(await hangClusters(fleet.sandbox));
      git = await startGitProxy(fleet.sandbox.repoUrl);
      closers.push(() => git!.close());
      flags.repo = git.url;
      flags.helmBinary = (await hangingHelm(fleet.sandbox.root, fleet.helmPath, 'stuck-hello')).path;
    }
    await fleet.startDaemon(flags);
    const [first, spare] = ['civo/cluster1', 'civo/cluster2'].map((k) => fleet.sandbox.clusters.get(k)!);
    await waitFor('the release on the first cluster', async () => deployed(first!, 'kyverno-latest'), 60_000);
    await sleep(INTERVAL_MS + phaseMs);
    git?.hang();
    const hungAt = performance.now();
    first!.hang(true);
    await waitFor('the release on the spare', async () => deployed(spare!, 'kyverno-latest'), 120_000);
    const ms = performance.now() - hungAt;
    git?.release();
    // helm returns (and the runner logs its duration) a moment after the release Secret is written.
    await waitFor('the install on the spare in the log', async () => lastInstallMs(fleet.logs, 'civo/cluster2') !== undefined, 30_000).catch(() => undefined);
    return { ms, helmInstallMs: lastInstallMs(fleet.logs, 'civo/cluster2') ?? NaN };
  } finally {
    for (const sim of fleet.sandbox.clusters.values()) sim.hang(false);
    await fleet.close();
    for (const c of closers.reverse()) await c().catch(() => undefined);
  }
}

function lastInstallMs(logs: readonly string[], cluster: string): number | undefined {
  let found: number | undefined;
  for (const line of logs.join('').split('\n')) {
    if (!line.includes('upgrade-install') || !line.includes(cluster)) continue;
    const entry = JSON.parse(line) as { durationMs?: number; outcome?: string; cluster?: string };
    if (entry.outcome === 'ok' && entry.cluster === cluster && typeof entry.durationMs === 'number') found = entry.durationMs;
  }
  return found;
}

async function run(ctx: BenchContext): Promise<Measure[]> {
  const runs = ctx.reps(5, 2);
  const measures: Measure[] = [];
  for (const chaos of [false, true]) {
    const name = chaos ? 'under chaos (hung cluster, TLS black hole, hung helm, hung Git)' : 'without chaos';
    const results: Array<{ ms: number; helmInstallMs: number }> = [];
    for (let i = 0; i < runs; i++) {
      const phase = ((i + 0.5) / runs) * INTERVAL_MS;
      const r = await oneFailover(chaos, phase);
      results.push(r);
      ctx.log(`${name}: run ${i + 1}: ${r.ms.toFixed(0)} ms (helm install ${r.helmInstallMs} ms)`);
    }
    const install = median(results.map((r) => r.helmInstallMs).filter(Number.isFinite));
    measures.push(
      summarize(BENCH, `failover ${name}, interval 1 s, timeout 500 ms`, 's', results.map((r) => r.ms / 1000), {
        note: `floor ${((INTERVAL_MS * THRESHOLD + install) / 1000).toFixed(1)} s = 1 s × ${THRESHOLD} + helm install ${(install / 1000).toFixed(2)} s; ${runs} runs, hang spread over the interval`,
      }),
    );
  }
  return measures;
}

export const benchmark: Benchmark = { name: BENCH, title: 'failover time under chaos vs without (hang → release on the spare)', run };
