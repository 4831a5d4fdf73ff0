// Benchmark 3, probe throughput: gitset's prober (real HTTPS, real kubeconfigs, keep-alive
// agents) against simulated API servers on loopback, hosted in another process so they do not
// share the prober's event loop. 1,000 clusters, each with its own kubeconfig, agent and TLS
// session; one simulated API server per cluster (100 with --quick, each then serving ten).
import { join } from 'node:path';
import type { Benchmark, BenchContext } from './context.ts';
import { importPart } from './context.ts';
import { startSimHost } from './sim-host.ts';
import { single, summarize, timed, type Measure } from './report.ts';
import type { SveltosCluster } from '../src/model/objects.ts';

const BENCH = 'probe';

type ProberModule = typeof import('../src/probe/prober.ts');
type SimKubeconfigModule = typeof import('../src/sim/kubeconfig.ts');

export function benchClusters(count: number): SveltosCluster[] {
  return Array.from({ length: count }, (_, i) => ({
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'SveltosCluster' as const,
    metadata: { namespace: `team-${String(i % 25).padStart(2, '0')}`, name: `cluster-${String(i).padStart(5, '0')}` },
    spec: {},
    source: { file: `clusters/${i}.yaml`, line: 1, col: 1 },
  }));
}

async function run(ctx: BenchContext): Promise<Measure[]> {
  const { createProber, DEFAULT_PROBE_CONCURRENCY, DEFAULT_PROBE_TIMEOUT_MS } = await importPart<ProberModule>(ctx.root, 'src/probe/prober.ts');
  const { renderKubeconfig, writeKubeconfigFile } = await importPart<SimKubeconfigModule>(ctx.root, 'src/sim/kubeconfig.ts');
  const count = 1000;
  const servers = ctx.quick ? 100 : count;
  const started = await timed(() => startSimHost(ctx.root, servers));
  const host = started.value;
  ctx.log(`${servers} simulated API servers up in ${(started.ms / 1000).toFixed(1)} s`);
  const measures: Measure[] = [];
  try {
    const credentialsDir = join(ctx.workDir, 'credentials');
    const clusters = benchClusters(count);
    const serverOf = (i: number) => i % servers;
    await Promise.all(
      clusters.map((c, i) => {
        const ep = host.endpoints[serverOf(i)]!;
        const name = `${c.metadata.namespace}-${c.metadata.name}`;
        return writeKubeconfigFile(
          join(credentialsDir, c.metadata.namespace!, `${c.metadata.name}.kubeconfig`),
          renderKubeconfig({ name, server: ep.url, caPem: ep.caPem, token: ep.token }),
        );
      }),
    );

    const round = async (prober: ReturnType<typeof createProber>) => {
      const t = await timed(() => prober.probeAll(clusters));
      const ok = [...t.value.values()].filter((r) => r.ok).length;
      return { ms: t.ms, ok };
    };
    const rate = (ms: number) => (count / ms) * 1000;

    // Healthy fleet, default settings: the first round pays kubeconfig parsing and TLS handshakes.
    const prober = createProber({ credentialsDir });
    const cold = await round(prober);
    if (cold.ok !== count) throw new Error(`cold round: only ${cold.ok}/${count} probes succeeded`);
    const warm: number[] = [];
    for (let i = 0; i < ctx.reps(5, 3); i++) {
      const r = await round(prober);
      if (r.ok !== count) throw new Error(`warm round: only ${r.ok}/${count} probes succeeded`);
      warm.push(rate(r.ms));
    }
    ctx.log(`healthy: cold ${cold.ms.toFixed(0)} ms, warm ${warm.map((x) => x.toFixed(0)).join('/')} probes/s`);
    measures.push(
      single(BENCH, `probes/s, ${count} healthy, first round`, 'per s', rate(cold.ms), {
        note: `concurrency ${DEFAULT_PROBE_CONCURRENCY}; new TLS connections; round ${cold.ms.toFixed(0)} ms`,
      }),
      summarize(BENCH, `probes/s, ${count} healthy, steady`, 'per s', warm, {
        note: `concurrency ${DEFAULT_PROBE_CONCURRENCY}; kept-alive connections; ${count} clusters on ${servers} simulated API servers`,
      }),
    );

    // One in ten hung: every tenth server never answers, so its clusters time out. The first round
    // after the hang finds them among the healthy; from then on the prober gives clusters whose last
    // probe timed out a lane of their own (4 × concurrency), so a round costs about one timeout.
    const hungServers = Array.from({ length: servers }, (_, i) => i).filter((i) => i % 10 === 0);
    const hungClusters = clusters.filter((_, i) => hungServers.includes(serverOf(i))).length;
    const wavesFloor = (hungClusters * DEFAULT_PROBE_TIMEOUT_MS) / DEFAULT_PROBE_CONCURRENCY;
    await host.hang(hungServers, true);
    const check = (r: { ok: number }) => {
      if (r.ok !== count - hungClusters) throw new Error(`hung round: ${r.ok} ok, expected ${count - hungClusters}`);
    };
    const onset = await round(prober);
    check(onset);
    const steadyHung: number[] = [];
    for (let i = 0; i < ctx.reps(3, 2); i++) {
      const r = await round(prober);
      check(r);
      steadyHung.push(rate(r.ms));
    }
    ctx.log(`1 in 10 hung: onset ${onset.ms.toFixed(0)} ms, then ${steadyHung.map((x) => x.toFixed(0)).join('/')} probes/s`);
    measures.push(
      single(BENCH, `probes/s, ${count} with 1 in 10 hung: first round`, 'per s', rate(onset.ms), {
        note: `${hungClusters} hung among healthy, timeout ${DEFAULT_PROBE_TIMEOUT_MS} ms: round ${(onset.ms / 1000).toFixed(1)} s (hung × timeout ÷ concurrency = ${(wavesFloor / 1000).toFixed(1)} s)`,
      }),
      summarize(BENCH, `probes/s, ${count} with 1 in 10 hung: later rounds`, 'per s', steadyHung, {
        note: `timed-out clusters probed in their own lane: round ≈ one timeout (${DEFAULT_PROBE_TIMEOUT_MS / 1000} s) → ≤ ${rate(DEFAULT_PROBE_TIMEOUT_MS).toFixed(0)}/s`,
      }),
    );
    await host.hang(hungServers, false);
    prober.close();
  } finally {
    await host.close();
  }
  return measures;
}

export const benchmark: Benchmark = { name: BENCH, title: 'probe throughput against 1,000 simulated clusters', run };
