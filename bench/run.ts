// `npm run bench [-- NAME... ] [--quick]`: runs the benchmarks (all, or those named), prints the
// machine and a table of medians, and writes the same as JSON to .bench-out/results.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Benchmark, BenchContext } from './context.ts';
import { PartMissingError, removeDir, scratchDir } from './context.ts';
import { loadAverage, loadLine, machine, machineLine, renderMarkdown, renderTable, type BenchRun } from './report.ts';

/** In run order: cheap pure ones first, the slow end-to-end failover last. */
const benchmarks: Array<[string, () => Promise<{ benchmark: Benchmark }>]> = [
  ['cli-start', () => import('./cli-start.ts')],
  ['plan-scale', () => import('./plan-scale.ts')],
  ['pr-path', () => import('./pr-path.ts')],
  ['plan-markdown', () => import('./plan-markdown.ts')],
  ['health-check', () => import('./health-check.ts')],
  ['quiet-cycle', () => import('./quiet-cycle.ts')],
  ['rollout', () => import('./rollout.ts')],
  ['commit-volume', () => import('./commit-volume.ts')],
  ['probe', () => import('./probe.ts')],
  ['git', () => import('./git.ts')],
  ['restart', () => import('./restart.ts')],
  ['helm', () => import('./helm.ts')],
  ['failover', () => import('./failover.ts')],
  ['failover-chaos', () => import('./failover-chaos.ts')],
  ['shards', () => import('./shards.ts')],
];

const root = fileURLToPath(new URL('..', import.meta.url));

function parseArgs(argv: string[]): { names: string[]; quick: boolean; keep: boolean } {
  const names = argv.filter((a) => !a.startsWith('-'));
  const known = benchmarks.map(([n]) => n);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${known.join(', ')}\n`);
    process.exit(2);
  }
  return { names: names.length ? names : known, quick: argv.includes('--quick'), keep: argv.includes('--keep') };
}

async function main(): Promise<void> {
  const { names, quick, keep } = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const run: BenchRun = { machine: machine(), startedAt: new Date().toISOString(), quick, durationS: 0, measures: [], skipped: [], loadAverages: [] };
  process.stdout.write(`${machineLine(run.machine)}${quick ? ' (quick)' : ''}\n`);
  for (const [name, load] of benchmarks) {
    if (!names.includes(name)) continue;
    const workDir = scratchDir(root, name);
    const ctx: BenchContext = {
      quick,
      root,
      workDir,
      log: (m) => process.stderr.write(`[${name} ${((Date.now() - started) / 1000).toFixed(0)}s] ${m}\n`),
      reps: (full, q) => (quick ? q : full),
      skip: (what, reason) => run.skipped.push({ bench: name, reason: `${what}: ${reason}` }),
    };
    const loadBefore = loadAverage();
    const t0 = Date.now();
    try {
      const { benchmark } = await load();
      ctx.log(`start: ${benchmark.title}`);
      const measures = await benchmark.run(ctx);
      run.measures.push(...measures);
      ctx.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (err) {
      const missing = err instanceof PartMissingError || (err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
      const reason = missing
        ? `part not available yet: ${(err as Error).message.split('\n')[0]}`
        : `error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
      ctx.log(reason);
      run.skipped.push({ bench: name, reason: reason.split('\n')[0]! });
    } finally {
      run.loadAverages.push({ bench: name, start: loadBefore, end: loadAverage() });
      if (!keep) removeDir(workDir);
    }
  }
  run.durationS = Math.round((Date.now() - started) / 100) / 10;
  process.stdout.write(`${renderTable(run)}\n`);
  process.stdout.write(`${loadLine(run)}\ntotal ${run.durationS} s\n`);
  const out = join(root, '.bench-out');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'results.json'), `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(join(out, 'results.md'), `${renderMarkdown(run)}\n`);
  process.stdout.write(`wrote .bench-out/results.json and .bench-out/results.md\n`);
}

await main();
