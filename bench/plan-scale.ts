// Benchmark 1, plan at scale: generated repositories of 1k, 10k and 100k clusters with 1k sets
// and 1k profiles. Each size runs in its own child process (peak RSS per size): load+validate
// from disk, parse in memory, and selection+plan with every cluster healthy (first plan: all
// installs; steady plan: against the status the first one produced). The child runs the compiled
// dist/ (rebuilt first when older than src/), as the daemon does: not src/ through tsx.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import type { LoadedRepository } from '../src/load/index.ts';
import type { ClusterKey } from '../src/model/objects.ts';
import type { ProbeResult } from '../src/model/ports.ts';
import type { CycleResult, Revision } from '../src/plan/cycle.ts';
import type { Benchmark, BenchContext } from './context.ts';
import { ChildStepError, runInChild } from './child.ts';
import { appliedSnapshot, compiledCore, healthyProbes } from './compiled-core.ts';
import { PartMissingError, removeDir } from './context.ts';
import { generateFleet, writeFleet } from './generate.ts';
import { median, single, summarize, timed, type Measure } from './report.ts';

const BENCH = 'plan-scale';

export interface PlanScaleArg {
  /** The project root: its dist/ is what runs. */
  root: string;
  dir: string;
  /** Cold loads at least (each first cycle needs its own load, so there may be more). */
  loadReps: number;
  /** First cycles measured with the planning code warm (one more runs first, cold), and steady cycles. */
  planReps: number;
  /** Rendering status files (slow at scale); 0 skips it and the read-back. */
  renderReps: number;
  /** Reading the rendered status back (the slowest phase; the quiet-cycle restart measures it at 10k). */
  readBack: boolean;
  /** Reloading with the parse cache (costs one more cold load to prime it). */
  cachedReload: boolean;
}

/** Filled phase by phase; a phase cut short by the size's timeout leaves its fields absent. */
export interface PlanScaleResult {
  files: number;
  loadMs: number[];
  diagnostics: number;
  errors: number;
  cachedLoadMs?: number[];
  /** The first cycle in the process: planning code not yet optimised. */
  planStartMs?: number;
  /** First cycles of further fresh revisions, code warm: what a running daemon meets. */
  planFirstMs?: number[];
  planSteadyMs?: number[];
  /** CPU time (all threads: GC helpers count) and GC pauses inside each timed cycle above, ms. */
  planFirstCpuMs?: number[];
  planFirstGcMs?: number[];
  planSteadyCpuMs?: number[];
  planSteadyGcMs?: number[];
  renderMs?: number[];
  readBackMs?: number[];
  statusFiles?: number;
  statusMB?: number;
  workload?: { pairs: number; releases: number; actionsFirst: number; actionsSteady?: number; selected: number };
}

async function repeat<T>(n: number, fn: () => T | Promise<T>): Promise<{ ms: number[]; last: T }> {
  const ms: number[] = [];
  let last: T | undefined;
  for (let i = 0; i < n; i++) {
    const t = await timed(fn);
    ms.push(t.ms);
    last = t.value;
  }
  return { ms, last: last as T };
}

/** GC pauses of this process as they are reported (start on performance.now()'s clock, ms). */
const gcPauses: Array<{ start: number; ms: number }> = [];

/** `fn` timed, with the CPU time it took and the GC pauses inside it (wall time alone swings with the machine's load). */
async function costed<T>(fn: () => T): Promise<{ ms: number; cpuMs: number; gcMs: number; value: T }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const value = fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  await new Promise((resolve) => setTimeout(resolve, 10)); // GC entries arrive after the call
  const gcMs = gcPauses.filter((p) => p.start >= t0 && p.start < t0 + ms).reduce((sum, p) => sum + p.ms, 0);
  return { ms, cpuMs: (c.user + c.system) / 1000, gcMs, value };
}

/** A full collection when the child runs with --expose-gc (runInChild passes it). */
function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Child step: everything for one size, so maxRSS is this size's. Reports after every phase.
 *
 * The first cycle is measured the way a running daemon meets a new revision: each repetition
 * loads the repository afresh (new objects, so nothing the core keeps per loaded repository is
 * reused) while the previous one is still held, drops the previous one, collects its garbage and
 * the loader's, then times computeCycle against an empty status (every release an install). Until
 * 2026-12-06 the previous revision was dropped and collected before the load: a forced full
 * collection of a nearly empty heap that no daemon makes, after which V8 sized its heap so that
 * the cycle paid about a fifth more (GC pauses 66-90 -> 35-55 ms, same code, alternated). The first repetition also runs the planning code
 * for the first time in the process (not yet optimised by V8): reported on its own, as the cycle
 * right after a start. The steady cycles reuse the last revision with its applied status.
 */
export async function planScaleStep(arg: PlanScaleArg, progress: (r: PlanScaleResult) => void = () => {}): Promise<PlanScaleResult> {
  const core = await compiledCore(arg.root);
  const { loadRepository, computeCycle, prepareRevision, emptySnapshot } = core;
  const now = new Date('2026-01-01T00:00:00Z');
  const loadMs: number[] = [];
  const cycleMs: number[] = [];
  const cycleCpu: number[] = [];
  const cycleGc: number[] = [];
  const observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => gcPauses.push({ start: e.startTime, ms: e.duration })));
  observer.observe({ entryTypes: ['gc'] });
  let repo: LoadedRepository | undefined;
  let cycle: CycleResult | undefined;
  let revision: Revision | undefined;
  let probes: Map<ClusterKey, ProbeResult> | undefined;
  const reps = Math.max(arg.loadReps, arg.planReps + 1);
  for (let i = 0; i < reps; i++) {
    // The revision in force and its last cycle stay while the next one loads, as in the daemon
    // (daemon/revision.ts keeps the last good revision until the new one is loaded and prepared).
    const t = await timed(() => loadRepository(arg.dir));
    loadMs.push(t.ms);
    repo = t.value;
    revision = undefined;
    cycle = undefined;
    if (i > arg.planReps) continue; // more loads than cycles: the load figure wants its repetitions
    probes ??= healthyProbes(core, repo);
    // The loader's garbage and the previous revision are collected here, not billed to the cycle.
    collect();
    // Preparing the revision (the cluster index) is part of a new revision's first cycle.
    const c = await costed(() => computeCycle({ revision: (revision = prepareRevision(repo!)), previous: emptySnapshot(), probes, now }));
    cycleMs.push(c.ms);
    cycleCpu.push(c.cpuMs);
    cycleGc.push(c.gcMs);
    cycle = c.value;
  }
  // The last repetition may have been a load alone: plan it for the steady phase (untimed).
  probes ??= healthyProbes(core, repo!);
  revision ??= prepareRevision(repo!);
  cycle ??= computeCycle({ revision, previous: emptySnapshot(), probes, now });
  const r: PlanScaleResult = {
    files: repo!.clusters.length + repo!.sets.length + repo!.profiles.length,
    loadMs,
    diagnostics: repo!.diagnostics.length,
    errors: repo!.diagnostics.filter((d) => d.severity === 'error').length,
    planStartMs: cycleMs[0]!,
    planFirstMs: cycleMs.slice(1),
    planFirstCpuMs: cycleCpu.slice(1),
    planFirstGcMs: cycleGc.slice(1),
  };
  progress(r);
  const applied = appliedSnapshot(core, cycle, now);
  let pairs = 0;
  for (const e of applied.profiles.values()) pairs += e.status.matchingClusters.length;
  let selected = 0;
  for (const e of applied.sets.values()) selected += e.status.selectedClusterRefs.length;
  r.workload = { pairs, releases: Object.values(cycle.tally).reduce((a, b) => a + b, 0), actionsFirst: cycle.actions.length, selected };
  progress(r);
  const steady: Awaited<ReturnType<typeof costed<CycleResult>>>[] = [];
  for (let i = 0; i < arg.planReps; i++) steady.push(await costed(() => computeCycle({ revision: revision!, previous: applied, probes: probes!, now })));
  r.planSteadyMs = steady.map((x) => x.ms);
  r.planSteadyCpuMs = steady.map((x) => x.cpuMs);
  r.planSteadyGcMs = steady.map((x) => x.gcMs);
  r.workload.actionsSteady = steady.at(-1)!.value.actions.length;
  observer.disconnect();
  progress(r);
  if (arg.cachedReload) {
    const cache = new core.ManifestCache();
    await loadRepository(arg.dir, { cache });
    r.cachedLoadMs = (await repeat(arg.loadReps, () => loadRepository(arg.dir, { cache }))).ms;
    progress(r);
  }
  if (arg.renderReps === 0) return r;
  const render = await repeat(arg.renderReps, () => core.renderStatusFiles(applied));
  const files = [...render.last].map(([path, text]) => ({ path, text }));
  r.renderMs = render.ms;
  r.statusFiles = files.length;
  r.statusMB = files.reduce((sum, f) => sum + f.text.length, 0) / 2 ** 20;
  progress(r);
  if (arg.readBack) r.readBackMs = (await repeat(arg.renderReps, () => core.readStatusFiles(files))).ms;
  return r;
}

const costNote = (cpu?: number[], gc?: number[]) => (cpu?.length && gc?.length ? `; CPU time median ${median(cpu).toFixed(0)} ms, GC pauses median ${median(gc).toFixed(0)} ms` : '');

const fmtK = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));

async function run(ctx: BenchContext): Promise<Measure[]> {
  // What the daemon runs: dist/, compiled first when older than src/.
  const built = spawnSync(process.execPath, [join(ctx.root, 'scripts', 'build.js')], { cwd: ctx.root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0 || !existsSync(join(ctx.root, 'dist', 'plan', 'cycle.js'))) throw new PartMissingError('dist/ could not be built (npm run build)');
  const sizes = ctx.quick ? [1000, 10000] : [1000, 10000, 100000];
  const sets = 1000;
  const profiles = 1000;
  const measures: Measure[] = [];
  const perSize = new Map<number, PlanScaleResult>();
  for (const clusters of sizes) {
    const label = `${fmtK(clusters)} clusters`;
    const dir = join(ctx.workDir, `fleet-${clusters}`);
    const gen = await timed(() => {
      const fleet = generateFleet({ clusters, sets, profiles, seed: 42 });
      writeFleet(dir, fleet);
      return fleet.files.length;
    });
    ctx.log(`${label}: generated and wrote ${gen.value} files in ${(gen.ms / 1000).toFixed(1)} s`);
    const big = clusters >= 100000;
    const arg: PlanScaleArg = {
      root: ctx.root,
      dir,
      loadReps: big ? 1 : ctx.reps(3, 2),
      planReps: big ? ctx.reps(3, 1) : ctx.reps(5, 3),
      // Rendering 100k clusters' status takes minutes (see the 1k→10k growth): not run there.
      renderReps: big ? 0 : clusters > 1000 ? 1 : 2,
      readBack: clusters <= 1000,
      cachedReload: !big,
    };
    const timeoutMs = big ? 6 * 60_000 : 3 * 60_000;
    let r: PlanScaleResult;
    let rss: number | undefined;
    try {
      const out = await runInChild<PlanScaleArg, PlanScaleResult>(new URL('./plan-scale.ts', import.meta.url).href, 'planScaleStep', arg, { timeoutMs });
      r = out.result;
      rss = out.maxRssMB;
    } catch (err) {
      if (!(err instanceof ChildStepError) || !err.partial) throw err;
      r = err.partial as PlanScaleResult;
      const stage = !r.planFirstMs ? 'selection+plan' : !r.planSteadyMs ? 'steady plan' : !r.renderMs ? 'cached reload or status rendering' : 'status read-back';
      ctx.skip(`${label}`, `${stage} and later phases not measured: ${err.message.split('\n')[0]}`);
    }
    removeDir(dir);
    perSize.set(clusters, r);
    ctx.log(`${label}: load ${r.loadMs.map((x) => x.toFixed(0)).join('/')} ms, plan ${r.planStartMs?.toFixed(0) ?? '?'} then ${(r.planFirstMs ?? []).map((x) => x.toFixed(0)).join('/')} ms, render ${(r.renderMs ?? []).map((x) => x.toFixed(0)).join('/')} ms, rss ${rss?.toFixed(0) ?? '?'} MB`);
    const w = r.workload;
    const workload = w ? `${sets} sets, ${profiles} profiles → ${w.pairs} profile×cluster pairs, ${w.releases} releases` : '';
    const target = clusters === 10000 ? { op: '<' as const, value: 250 } : clusters === 100000 ? { op: '<' as const, value: 3000 } : undefined;
    measures.push(
      summarize(BENCH, `load+validate ${r.files} files (${label})`, 'ms', r.loadMs, {
        target: r.files <= 12000 ? { op: '<', value: 5000 } : undefined,
        note: `loadRepository, cold; ${r.diagnostics} diagnostics (${r.errors} errors)`,
      }),
    );
    if (r.planFirstMs && w) {
      measures.push(
        summarize(BENCH, `selection+plan, first (${label})`, 'ms', r.planFirstMs, {
          target,
          note: `computeCycle (compiled dist/) on a freshly loaded revision (nothing kept from an earlier one), loaded while the previous one was held, then that one and the loader's garbage collected, in a process that has planned before; all healthy, no status; ${workload}; ${w.actionsFirst} actions${costNote(r.planFirstCpuMs, r.planFirstGcMs)}`,
        }),
      );
    }
    if (r.planStartMs !== undefined) {
      measures.push(
        single(BENCH, `selection+plan, first after start (${label})`, 'ms', r.planStartMs, {
          note: 'the same, as the first plan of the process: its code not yet optimised by V8 (once per daemon start)',
        }),
      );
    }
    if (r.planSteadyMs && w) {
      measures.push(
        summarize(BENCH, `selection+plan, steady (${label})`, 'ms', r.planSteadyMs, {
          target,
          note: `computeCycle again on the same loaded revision against the applied status: ${w.actionsSteady} actions; ${w.selected} clusters selected by sets${costNote(r.planSteadyCpuMs, r.planSteadyGcMs)}`,
        }),
      );
    }
    if (r.cachedLoadMs) measures.push(summarize(BENCH, `reload, nothing changed (${label})`, 'ms', r.cachedLoadMs, { note: 'loadRepository with the ManifestCache of the previous load' }));
    if (r.renderMs) measures.push(summarize(BENCH, `render status files (${label})`, 'ms', r.renderMs, { note: `renderStatusFiles: ${r.statusFiles} files, ${r.statusMB?.toFixed(1)} MB; a daemon cycle renders when the snapshot changed` }));
    if (r.readBackMs) measures.push(summarize(BENCH, `read status back (${label})`, 'ms', r.readBackMs, { note: 'readStatusFiles: once per daemon start (10k: see quiet-cycle restart)' }));
    if (big) ctx.skip(label, 'cached reload, status rendering and read-back not run at this size (minutes; see the 1k→10k growth)');
    if (rss !== undefined) measures.push(single(BENCH, `peak RSS (${label})`, 'MB', rss, { note: 'child process running the rows above' }));
  }
  // Growth between consecutive sizes: 10 = linear for a 10× fleet.
  for (let i = 1; i < sizes.length; i++) {
    const a = perSize.get(sizes[i - 1]!)!;
    const b = perSize.get(sizes[i]!)!;
    const x = sizes[i]! / sizes[i - 1]!;
    const span = `${fmtK(sizes[i - 1]!)}→${fmtK(sizes[i]!)}`;
    measures.push(
      single(BENCH, `growth of load+validate ${span}`, 'x', median(b.loadMs) / median(a.loadMs), { target: { op: '<', value: x * 1.2 }, note: `${x}× clusters; ≤${x} is linear or better` }),
    );
    if (a.planFirstMs && b.planFirstMs && a.workload && b.workload) {
      measures.push(
        single(BENCH, `growth of selection+plan ${span}`, 'x', median(b.planFirstMs) / median(a.planFirstMs), {
          target: { op: '<', value: x * 1.2 },
          note: `${x}× clusters; releases grew ${(b.workload.releases / a.workload.releases).toFixed(1)}×`,
        }),
      );
    }
    if (a.renderMs && b.renderMs) {
      measures.push(single(BENCH, `growth of status rendering ${span}`, 'x', median(b.renderMs) / median(a.renderMs), { target: { op: '<', value: x * 1.2 } }));
    }
  }
  return measures;
}

export const benchmark: Benchmark = { name: BENCH, title: 'plan at scale (1k/10k/100k clusters, 1k sets, 1k profiles)', run };
