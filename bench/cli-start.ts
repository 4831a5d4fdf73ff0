// Benchmark: CLI start-up, the wall time a user waits for `gitset --help` and for
// `gitset validate example-repo`, beside bare `node -e 0` measured in the same run, interleaved
// so that load from elsewhere hits all three alike. Target: each within 3× of `node -e 0`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Benchmark, BenchContext } from './context.ts';
import { PartMissingError } from './context.ts';
import { median, single, summarize, type Measure } from './report.ts';

const BENCH = 'cli-start';
const TARGET = { op: '<', value: 3 } as const;

function wallMs(args: string[], cwd: string): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${String(r.stderr).slice(0, 300)}`);
  return ms;
}

async function run(ctx: BenchContext): Promise<Measure[]> {
  const bin = join(ctx.root, 'bin', 'gitset.js');
  // Measure what the sources say: compile dist/ first when it is older than src/.
  const built = spawnSync(process.execPath, [join(ctx.root, 'scripts', 'build.js')], { cwd: ctx.root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0 || !existsSync(join(ctx.root, 'dist', 'cli', 'main.js'))) throw new PartMissingError('dist/ could not be built (npm run build)');
  const cases = {
    node: ['-e', '0'],
    help: [bin, '--help'],
    validate: [bin, 'validate', 'example-repo'],
  };
  const samples = { node: [] as number[], help: [] as number[], validate: [] as number[] };
  // One warm-up of each (file cache), then interleaved repetitions.
  for (const args of Object.values(cases)) wallMs(args, ctx.root);
  const reps = ctx.reps(15, 5);
  for (let i = 0; i < reps; i++) {
    for (const [name, args] of Object.entries(cases)) samples[name as keyof typeof samples].push(wallMs(args, ctx.root));
  }
  const base = median(samples.node);
  const ratio = (xs: number[]) => median(xs) / base;
  return [
    summarize(BENCH, 'node -e 0', 'ms', samples.node, { note: 'bare Node start, the yardstick' }),
    summarize(BENCH, 'gitset --help', 'ms', samples.help),
    summarize(BENCH, 'gitset validate example-repo', 'ms', samples.validate),
    single(BENCH, 'gitset --help / node -e 0', 'x', ratio(samples.help), { target: TARGET, note: 'medians' }),
    single(BENCH, 'gitset validate example-repo / node -e 0', 'x', ratio(samples.validate), { target: TARGET, note: 'medians' }),
  ];
}

export const benchmark: Benchmark = { name: BENCH, title: 'CLI start-up against node -e 0', run };
