// Benchmark: the pull-request path. Load + validate a generated 10k-cluster fleet (and 100k
// without --quick) from the compiled dist/, as `gitset validate` and `gitset plan` run it, beside
// reading the same files with fs alone; and the whole-process `gitset plan --format markdown` at
// 10k (node start, module loading, load, status, plan, the comment) beside `node -e 0`, the two
// interleaved, and that plan's steps timed one by one (pr-path-phases.ts). Wall time and CPU time
// (process.cpuUsage, /usr/bin/time for the whole process): the machine is shared, so CPU time
// says what gitset costs when wall time is inflated by others.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Benchmark, BenchContext } from './context.ts';
import { PartMissingError, removeDir } from './context.ts';
import { runInChild } from './child.ts';
import { generateFleet, writeFleet } from './generate.ts';
import { median, single, summarize, type Measure } from './report.ts';
import { planPhaseRows } from './pr-path-phases.ts';

const BENCH = 'pr-path';

export interface LoadArg {
  root: string;
  dir: string;
  reps: number;
}

export interface LoadResult {
  files: number;
  fsMs: number[];
  fsCpuMs: number[];
  loadMs: number[];
  loadCpuMs: number[];
  errors: number;
}

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

/** Every file under `dir`, read with readFileSync: the floor of any loader. */
function readAllWithFs(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    readFileSync(join(e.parentPath, e.name), 'utf8');
    n++;
  }
  return n;
}

/** Child step: fs reads and loadRepository alternated, `reps` each, so maxRSS is this size's. */
export async function loadStep(arg: LoadArg): Promise<LoadResult> {
  const { loadRepository } = (await import(pathToFileURL(join(arg.root, 'dist', 'load', 'index.js')).href)) as typeof import('../src/load/index.ts');
  const r: LoadResult = { files: 0, fsMs: [], fsCpuMs: [], loadMs: [], loadCpuMs: [], errors: 0 };
  for (let i = 0; i < arg.reps; i++) {
    let t = performance.now();
    let c = process.cpuUsage();
    r.files = readAllWithFs(arg.dir);
    r.fsMs.push(performance.now() - t);
    r.fsCpuMs.push(cpuMs(process.cpuUsage(c)));
    t = performance.now();
    c = process.cpuUsage();
    const repo = await loadRepository(arg.dir);
    r.loadMs.push(performance.now() - t);
    r.loadCpuMs.push(cpuMs(process.cpuUsage(c)));
    r.errors = repo.diagnostics.filter((d) => d.severity === 'error').length;
  }
  return r;
}

/** Wall and CPU (user + system, through /usr/bin/time when present) of one process. */
function runProcess(args: string[], cwd: string): { ms: number; cpuMs?: number } {
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  const t0 = process.hrtime.bigint();
  const r = timeBin
    ? spawnSync(timeBin, ['-f', 'CPU %U %S', process.execPath, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 20 })
    : spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const stderr = String(r.stderr);
  const m = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
  if (r.status !== 0 && !(r.status === 1 && m)) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${stderr.slice(0, 300)}`);
  return { ms, ...(m ? { cpuMs: (Number(m[1]) + Number(m[2])) * 1000 } : {}) };
}

function loadRows(label: string, r: LoadResult, rss: number | undefined, target: { ms: number; mb?: number }): Measure[] {
  const out = [
    summarize(BENCH, `read the files with fs alone (${label})`, 'ms', r.fsMs, { note: `readFileSync of the ${r.files} files, the floor; CPU median ${median(r.fsCpuMs).toFixed(0)} ms` }),
    summarize(BENCH, `load+validate (${label})`, 'ms', r.loadMs, {
      target: { op: '<', value: target.ms },
      note: `loadRepository from dist/, cold, ${r.errors} errors; CPU median ${median(r.loadCpuMs).toFixed(0)} ms (${(median(r.loadCpuMs) / median(r.fsCpuMs)).toFixed(1)}× fs alone)`,
    }),
    summarize(BENCH, `load+validate CPU (${label})`, 'ms', r.loadCpuMs, { note: 'process.cpuUsage around loadRepository' }),
  ];
  if (rss !== undefined) out.push(single(BENCH, `peak RSS, load+validate (${label})`, 'MB', rss, { ...(target.mb ? { target: { op: '<', value: target.mb } } : {}), note: 'child process: fs reads and loads alternated' }));
  return out;
}

async function run(ctx: BenchContext): Promise<Measure[]> {
  const built = spawnSync(process.execPath, [join(ctx.root, 'scripts', 'build.js')], { cwd: ctx.root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0 || !existsSync(join(ctx.root, 'dist', 'cli', 'main.js'))) throw new PartMissingError('dist/ could not be built (npm run build)');
  const measures: Measure[] = [];
  const sizes = ctx.quick ? [10000] : [10000, 100000];
  for (const clusters of sizes) {
    const label = `${clusters / 1000}k clusters`;
    const dir = join(ctx.workDir, `fleet-${clusters}`);
    writeFleet(dir, generateFleet({ clusters, sets: 1000, profiles: 1000, seed: 42 }));
    const big = clusters >= 100000;
    const out = await runInChild<LoadArg, LoadResult>(new URL('./pr-path.ts', import.meta.url).href, 'loadStep', { root: ctx.root, dir, reps: big ? 2 : ctx.reps(5, 3) }, { timeoutMs: 10 * 60_000 });
    ctx.log(`${label}: load ${out.result.loadMs.map((x) => x.toFixed(0)).join('/')} ms, fs ${out.result.fsMs.map((x) => x.toFixed(0)).join('/')} ms, rss ${out.maxRssMB?.toFixed(0)} MB`);
    measures.push(...loadRows(label, out.result, out.maxRssMB, big ? { ms: 8000, mb: 1024 } : { ms: 800 }));
    if (!big) measures.push(...planRows(ctx, dir, label));
    if (!big) measures.push(...(await planPhaseRows(BENCH, { root: ctx.root, dir }, label, ctx.reps(5, 3))));
    removeDir(dir);
  }
  return measures;
}

/** `gitset plan --format markdown` of the fleet against `node -e 0`, interleaved. */
function planRows(ctx: BenchContext, dir: string, label: string): Measure[] {
  const bin = join(ctx.root, 'bin', 'gitset.js');
  const cases = { node: ['-e', '0'], plan: [bin, 'plan', dir, '--format', 'markdown'] };
  const wall = { node: [] as number[], plan: [] as number[] };
  const cpu = { node: [] as number[], plan: [] as number[] };
  for (const args of Object.values(cases)) runProcess(args, ctx.root); // warm-up: the file cache
  for (let i = 0; i < ctx.reps(7, 3); i++) {
    for (const [name, args] of Object.entries(cases) as Array<[keyof typeof cases, string[]]>) {
      const r = runProcess(args, ctx.root);
      wall[name].push(r.ms);
      if (r.cpuMs !== undefined) cpu[name].push(r.cpuMs);
    }
  }
  const cpuNote = (xs: number[]) => (xs.length ? `; CPU median ${median(xs).toFixed(0)} ms` : '');
  return [
    summarize(BENCH, 'node -e 0', 'ms', wall.node, { note: `bare Node start, interleaved with the plan${cpuNote(cpu.node)}` }),
    summarize(BENCH, `gitset plan --format markdown, whole process (${label})`, 'ms', wall.plan, {
      target: { op: '<', value: 1500 },
      note: `1k sets, 1k profiles, no status yet: node start, modules, load, plan, the comment${cpuNote(cpu.plan)}`,
    }),
    ...(cpu.plan.length ? [summarize(BENCH, `gitset plan CPU (${label})`, 'ms', cpu.plan, { note: 'user + system of the whole process (/usr/bin/time)' })] : []),
  ];
}

export const benchmark: Benchmark = { name: BENCH, title: 'pull-request path: load+validate and whole-process gitset plan', run };
