// Benchmark: how many status commits an hour of probing makes on a fleet with a few flaky
// clusters (issue: a failed probe below the threshold should not be a commit). 1k clusters,
// 100 sets and 100 profiles; one probe round every 10 s for an hour (360 cycles, compressed:
// the pure cycle runs back to back with its clock advanced); each round 1% of the clusters,
// chosen at random, fail their probe. A cycle commits when the status files it renders differ
// from the last ones committed, as the daemon's status writer decides. Helm succeeds at once.
import { join } from 'node:path';
import { loadRepository } from '../src/load/index.ts';
import { clusterKey, type ClusterKey } from '../src/model/objects.ts';
import type { ProbeResult } from '../src/model/ports.ts';
import { computeCycle, prepareRevision, recordResults } from '../src/plan/cycle.ts';
import { renderStatusFiles } from '../src/status/render.ts';
import { emptySnapshot, type StatusSnapshot } from '../src/status/snapshot.ts';
import type { Benchmark, BenchContext } from './context.ts';
import { generateFleet, seededRandom, writeFleet } from './generate.ts';
import { single, type Measure } from './report.ts';

const BENCH = 'commit-volume';
const PROBE_INTERVAL_MS = 10_000;

/** Commits in `hours` of rounds, and how many rounds saw a cluster cross the readiness threshold. */
export async function soak(dir: string, opts: { hours: number; flaky: number; seed: number }): Promise<{ rounds: number; commits: number; transitions: number }> {
  const repo = await loadRepository(dir);
  const revision = prepareRevision(repo);
  const keys: ClusterKey[] = repo.clusters.map((c) => clusterKey(c.metadata));
  const random = seededRandom(opts.seed);
  let previous: StatusSnapshot = emptySnapshot();
  let committed = new Map<string, string>();
  let t = Date.parse('2026-01-01T00:00:00Z');
  const rounds = Math.round((opts.hours * 3_600_000) / PROBE_INTERVAL_MS);
  let commits = 0;
  let transitions = 0;
  for (let i = 0; i <= rounds; i++) {
    const now = new Date((t += PROBE_INTERVAL_MS));
    const probes = new Map<ClusterKey, ProbeResult>(
      keys.map((k) => [k, i > 0 && random() < opts.flaky ? { cluster: k, ok: false, message: 'timeout after 5s', durationMs: 5000 } : { cluster: k, ok: true, version: 'v1.29.2', durationMs: 5 }]),
    );
    const cycle = computeCycle({ revision, previous, probes, now });
    const next = recordResults(cycle, cycle.actions.map((action) => ({ action, ok: true, result: { revision: 1, status: 'deployed' } })), now);
    for (const [k, e] of next.clusters) if (previous.clusters.get(k)?.status.ready !== e.status.ready && i > 0) transitions++;
    const files = renderStatusFiles(next);
    if (i > 0 && !sameFiles(files, committed)) commits++; // round 0 converges the new fleet
    committed = files;
    previous = next;
  }
  return { rounds, commits, transitions };
}

function sameFiles(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [path, text] of a) if (b.get(path) !== text) return false;
  return true;
}

async function run(ctx: BenchContext): Promise<Measure[]> {
  const dir = join(ctx.workDir, 'fleet');
  writeFleet(dir, generateFleet({ clusters: 1000, sets: 100, profiles: 100, seed: 42 }));
  const hours = ctx.quick ? 0.25 : 1;
  const r = await soak(dir, { hours, flaky: 0.01, seed: 7 });
  ctx.log(`${r.rounds} rounds: ${r.commits} commits, ${r.transitions} readiness transitions`);
  const perHour = (n: number) => n / hours;
  return [
    single(BENCH, 'status commits per hour, 1k clusters, 1% flaky probes', 'count', perHour(r.commits), { note: `${r.rounds} probe rounds of 10 s` }),
    single(BENCH, 'readiness transitions per hour (each is a commit a reader needs)', 'count', perHour(r.transitions)),
  ];
}

export const benchmark: Benchmark = { name: BENCH, title: 'status commits in an hour of flaky probes', run };
