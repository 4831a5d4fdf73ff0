// Several replicas (`--shards`), as processes against one sandbox (simulated clusters, the local
// chart repository, a real Git server, the real helm):
// - helm throughput: one chart onto every cluster of a fresh fleet, with 1, 2 and 3 replicas,
//   from the processes' start to the last release deployed (seen on the clusters' API servers);
// - failover when health crosses shards: the selected cluster (owned by one shard) stops, the
//   spare (owned by another) gets the release; set owned by a third. Beside it the same failover
//   with one replica. What crossing adds: the down cluster's owner commits its health, and the
//   spare's owner pulls it (one --poll-interval at most) before it installs.
import { setTimeout as sleep } from 'node:timers/promises';
import { startFleet, type Fleet } from '../test/e2e/fleet.ts';
import { startReplica, stopReplica, type Replica } from '../test/e2e/replicas.ts';
import { clusterShard, objectShard } from '../src/select/shard.ts';
import type { SimCluster } from '../src/sim/index.ts';
import type { Benchmark, BenchContext } from './context.ts';
import { summarize, type Measure } from './report.ts';

const BENCH = 'shards';

function deployed(sim: SimCluster, release: string): boolean {
  return sim.objects('Secret').some((s) => s.metadata.labels?.owner === 'helm' && s.metadata.labels?.name === release && s.metadata.labels?.status === 'deployed');
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
  return performance.now() - started;
}

function fleetManifests(clusters: string[], edge: string[], set: string) {
  return (chartUrl: string): Record<string, string> => {
    const files: Record<string, string> = {};
    for (const c of clusters) {
      const [ns, name] = c.split('/');
      files[`clusters/${name}.yaml`] = `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n  labels:\n    env: prod${edge.includes(c) ? '\n    tier: edge' : ''}\nspec: {}\n`;
    }
    const chart = (release: string) => `  helmCharts:\n  - chartName: hello/hello\n    chartVersion: 0.1.0\n    releaseName: ${release}\n    releaseNamespace: ${release}\n    repositoryName: hello\n    repositoryURL: ${chartUrl}\n`;
    files['sets/edge.yaml'] = `apiVersion: lib.projectsveltos.io/v1alpha1\nkind: ClusterSet\nmetadata:\n  name: ${set}\nspec:\n  clusterSelector: tier=edge\n  maxReplicas: 1\n`;
    files['profiles/agent.yaml'] = `apiVersion: config.projectsveltos.io/v1alpha1\nkind: ClusterProfile\nmetadata:\n  name: agent\nspec:\n  clusterSelector: env=prod\n${chart('agent')}`;
    files['profiles/web.yaml'] = `apiVersion: config.projectsveltos.io/v1alpha1\nkind: ClusterProfile\nmetadata:\n  name: web\nspec:\n  setRefs:\n  - ${set}\n${chart('web')}`;
    return files;
  };
}

const FLAGS = { 'probe-interval': '1s', 'probe-timeout': '5s', 'poll-interval': '1s', 'failure-threshold': '2', 'shard-heartbeat': '30s', 'log-level': 'info' };

async function withReplicas<T>(fleet: Fleet, count: number, flags: Record<string, string>, body: (rs: Replica[]) => Promise<T>): Promise<T> {
  const rs = Array.from({ length: count }, (_, k) => startReplica(fleet.sandbox, k, count, flags));
  try {
    return await body(rs);
  } finally {
    await Promise.all(rs.map((r) => stopReplica(r, 'SIGKILL')));
  }
}

/** Seconds from start to the agent release deployed on every cluster. */
async function throughput(clusters: string[], replicas: number, parallelism: number): Promise<number> {
  const fleet = await startFleet({ clusters, manifests: fleetManifests(clusters, [], 'edge') });
  try {
    const started = performance.now();
    await withReplicas(fleet, replicas, { ...FLAGS, 'helm-parallelism': String(parallelism) }, async () => {
      await until('agent on every cluster', () => [...fleet.sandbox.clusters.values()].every((s) => deployed(s, 'agent')), 600_000);
    });
    return (performance.now() - started) / 1000;
  } finally {
    await fleet.close();
  }
}

/** Milliseconds from the selected cluster stopping to web deployed on the spare. */
export async function failover(replicas: number): Promise<number> {
  const n = replicas;
  const owner = (c: string) => clusterShard(c, Math.max(n, 3));
  const candidates = Array.from({ length: 16 }, (_, i) => `fleet/c${String(i).padStart(2, '0')}`);
  const primary = candidates[0]!;
  const spare = candidates.find((c) => owner(c) !== owner(primary))!;
  const set = ['edge', 'edge-a', 'edge-b', 'edge-c', 'edge-d'].find((s) => ![owner(primary), owner(spare)].includes(objectShard(`ClusterSet/${s}`, 3)))!;
  const fleet = await startFleet({ clusters: [primary, spare], manifests: fleetManifests([primary, spare], [primary, spare], set) });
  try {
    return await withReplicas(fleet, n, FLAGS, async (rs) => {
      const [p, s] = [fleet.sandbox.clusters.get(primary)!, fleet.sandbox.clusters.get(spare)!];
      await until('web on the primary', () => deployed(p, 'web') && deployed(s, 'agent'), 300_000);
      await sleep(3000);
      const t0 = performance.now();
      const stoppedAt = Date.now();
      await p.stop();
      await until('web on the spare', () => deployed(s, 'web'), 300_000);
      const ms = performance.now() - t0;
      if (process.env.SHARDS_BENCH_LOGS) timeline(rs, stoppedAt, [primary, spare]);
      return ms;
    });
  } finally {
    await fleet.close();
  }
}

/** SHARDS_BENCH_LOGS=1: what each replica logged about the two clusters after the stop, in time order (to see where a failover waits). */
function timeline(rs: Replica[], from: number, clusters: string[]): void {
  const rows = rs.flatMap((r) => r.lines.filter((l) => Date.parse(String(l.time)) >= from && (clusters.includes(String(l.cluster)) || /status committed|set selection|failover/.test(String(l.msg)))).map((l) => ({ t: Date.parse(String(l.time)) - from, shard: r.shard, msg: l.msg, cluster: l.cluster, subject: l.subject })));
  for (const row of rows.sort((a, b) => a.t - b.t)) process.stderr.write(`  +${row.t} ms shard ${row.shard}: ${row.msg}${row.cluster ? ` ${row.cluster}` : ''}${row.subject ? ` (${row.subject})` : ''}\n`);
}

async function run(ctx: BenchContext): Promise<Measure[]> {
  const measures: Measure[] = [];
  const clusters = Array.from({ length: ctx.quick ? 6 : 12 }, (_, i) => `fleet/t${String(i).padStart(2, '0')}`);
  for (const n of [1, 2, 3]) {
    const s = await throughput(clusters, n, 4);
    ctx.log(`${n} replica(s): ${clusters.length} installs in ${s.toFixed(1)} s`);
    measures.push(summarize(BENCH, `helm installs, ${n} replica(s)`, 'per s', [clusters.length / s], { runs: 1, note: `${clusters.length} clusters, one chart each, --helm-parallelism 4 per replica; start to last deployed, clone and first cycles included; 2 cores shared by every helm process` }));
  }
  for (const n of [1, 3]) {
    const ms = await failover(n);
    ctx.log(`failover with ${n} replica(s): ${ms.toFixed(0)} ms`);
    measures.push(summarize(BENCH, n === 1 ? 'failover, one replica' : 'failover across shards (3 replicas)', 's', [ms / 1000], { runs: 1, note: 'probe interval 1 s, threshold 2, poll 1 s; stop → release deployed on the spare' }));
  }
  return measures;
}

export const benchmark: Benchmark = { name: BENCH, title: 'several replicas: helm throughput with 1-3 shards, failover across shards', run };
