// Benchmark 4, failover time, with the end-to-end harness (test/e2e/fleet.ts: the daemon
// in-process, two simulated clusters, the local chart repository, a real Git server, the real
// helm): the seed scenario (ClusterSet prod, maxReplicas 1; ClusterProfile kyverno on it).
// Time from "the selected cluster hangs" to "the release is deployed on the spare", seen on
// the spare's API server (helm's release Secret with status=deployed), polled every 20 ms.
// Floor: probe interval × failure threshold + one helm install (the one the daemon logged).
// "To healthy" goes on until the replacement's workloads are seen Healthy: the failover record's
// `deployed` time (the cycle whose look saw them Healthy) minus the wall-clock time of the hang.
import { setTimeout as sleep } from 'node:timers/promises';
import { startFleet, type Fleet } from '../test/e2e/fleet.ts';
import type { SimCluster } from '../src/sim/index.ts';
import type { Benchmark, BenchContext } from './context.ts';
import { median, summarize, type Measure } from './report.ts';

const BENCH = 'failover';
const RELEASE = 'kyverno-latest';
const THRESHOLD = 3;

function deployed(sim: SimCluster): boolean {
  return sim
    .objects('Secret')
    .some((s) => s.metadata.labels?.owner === 'helm' && s.metadata.labels?.name === RELEASE && s.metadata.labels?.status === 'deployed');
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
  return performance.now() - started;
}

/** Duration of the last successful `helm upgrade-install` the daemon logged on `cluster`. */
function lastInstallMs(fleet: Fleet, cluster: string): number | undefined {
  let found: number | undefined;
  for (const chunk of fleet.logs) {
    for (const line of chunk.split('\n')) {
      if (!line.includes('upgrade-install') || !line.includes(cluster)) continue;
      try {
        const entry = JSON.parse(line) as { durationMs?: number; outcome?: string; cluster?: string };
        if (entry.outcome === 'ok' && entry.cluster === cluster && typeof entry.durationMs === 'number') found = entry.durationMs;
      } catch {
        // not a JSON log line
      }
    }
  }
  return found;
}

export interface FailoverRun {
  ms: number;
  helmInstallMs: number;
  /** Hang → the failover record's `deployed` (the replacement observed Healthy). */
  healthyMs: number;
}

/** The `deployed` time of ClusterSet/prod's last failover, once the committed status has one. */
async function failoverDeployed(fleet: Fleet, timeoutMs: number): Promise<string | undefined> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    const deployed = (await fleet.status('ClusterSet/prod.yaml').catch(() => undefined))?.status?.failovers?.at(-1)?.deployed;
    if (typeof deployed === 'string') return deployed;
    await sleep(200);
  }
  return undefined;
}

/**
 * One failover from a fresh fleet and daemon. The hang comes `phaseMs` after a probe round ended:
 * where in the interval a cluster fails decides up to one interval of the failover time, so runs
 * spread their phase evenly over the interval instead of all hanging right after a round.
 */
export async function oneFailover(flags: Record<string, string>, timeoutMs: number, phaseMs = 0): Promise<FailoverRun> {
  const fleet = await startFleet();
  try {
    await fleet.startDaemon({ logLevel: 'info', ...flags });
    const [first, spare] = ['civo/cluster1', 'civo/cluster2'].map((k) => fleet.sandbox.clusters.get(k)!);
    await until('the release on the first cluster', () => deployed(first!), 60_000);
    await fleet.daemon!.queue.idle();
    await sleep(phaseMs);
    const hungAt = performance.now();
    const hungWall = Date.now();
    first!.hang(true);
    await until('the release on the spare', () => deployed(spare!), timeoutMs);
    const ms = performance.now() - hungAt;
    const healthyAt = await failoverDeployed(fleet, 60_000);
    // helm returns (and the runner logs its duration) a moment after the release Secret is written.
    await until('the install on the spare in the log', () => lastInstallMs(fleet, 'civo/cluster2') !== undefined, 30_000).catch(() => undefined);
    return { ms, helmInstallMs: lastInstallMs(fleet, 'civo/cluster2') ?? NaN, healthyMs: healthyAt ? Date.parse(healthyAt) - hungWall : NaN };
  } finally {
    for (const sim of fleet.sandbox.clusters.values()) sim.hang(false);
    await fleet.close();
  }
}

const seconds = (ms: number) => ms / 1000;

async function run(ctx: BenchContext): Promise<Measure[]> {
  const variants: Array<{ name: string; flags: Record<string, string>; intervalMs: number; timeoutMs: number; runs: number }> = [
    { name: 'defaults (interval 10 s, timeout 5 s)', flags: { probeInterval: '10s', probeTimeout: '5s', pollInterval: '30s' }, intervalMs: 10_000, timeoutMs: 5000, runs: ctx.reps(5, 0) },
    { name: 'interval 1 s (timeout 5 s)', flags: { probeInterval: '1s', probeTimeout: '5s', pollInterval: '30s' }, intervalMs: 1000, timeoutMs: 5000, runs: ctx.reps(5, 0) },
    { name: 'interval 1 s, timeout 500 ms', flags: { probeInterval: '1s', probeTimeout: '500ms', pollInterval: '30s' }, intervalMs: 1000, timeoutMs: 500, runs: ctx.reps(5, 2) },
  ];
  const measures: Measure[] = [];
  for (const v of variants) {
    if (v.runs === 0) {
      ctx.skip(v.name, 'not run with --quick');
      continue;
    }
    const runs: FailoverRun[] = [];
    for (let i = 0; i < v.runs; i++) {
      const phase = ((i + 0.5) / v.runs) * v.intervalMs;
      const r = await oneFailover(v.flags, 120_000, phase);
      runs.push(r);
      ctx.log(`${v.name}: run ${i + 1} (hang ${phase.toFixed(0)} ms after a round): ${r.ms.toFixed(0)} ms (helm install ${r.helmInstallMs} ms), healthy after ${r.healthyMs.toFixed(0)} ms`);
    }
    const install = median(runs.map((r) => r.helmInstallMs));
    const floor = v.intervalMs * THRESHOLD + install;
    // A hang that lands just before a probe round is noticed at once: the earliest failover is
    // (threshold − 1) intervals after the first failed probe, which itself takes the timeout.
    const earliest = (THRESHOLD - 1) * Math.max(v.intervalMs, v.timeoutMs) + v.timeoutMs + install;
    // …and a hang right after a round waits a whole interval before its first failed probe starts.
    const latest = earliest + v.intervalMs;
    measures.push(
      summarize(BENCH, `failover, ${v.name}`, 's', runs.map((r) => seconds(r.ms)), {
        note:
          `floor ${seconds(floor).toFixed(1)} s = ${seconds(v.intervalMs)} s × ${THRESHOLD} + helm install ${seconds(install).toFixed(2)} s; ` +
          `range ${seconds(earliest).toFixed(1)}–${seconds(latest).toFixed(1)} s by where in the interval the hang lands (runs spread evenly)` +
          (v.runs < 5 ? `; ${v.runs} runs (not 5) to bound the suite's time` : ''),
      }),
      summarize(BENCH, `failover to healthy, ${v.name}`, 's', runs.map((r) => seconds(r.healthyMs)), {
        note: 'hang → the replacement observed Healthy (the failover record\'s deployed time): the failover above + the next cycle\'s look at its workloads',
      }),
    );
  }
  return measures;
}

export const benchmark: Benchmark = { name: BENCH, title: 'failover time, end-to-end (hang → release on the spare)', run };
