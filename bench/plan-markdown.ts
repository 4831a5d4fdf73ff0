// Benchmark: the size of `gitset plan --format markdown` as a pull-request comment, on a
// generated 3,000-cluster fleet (1,000 sets and 1,000 profiles, no status yet: everything is
// new) and on 500 clusters whose two ClusterProfiles match every cluster. For each, the plan
// rendered whole (what the comment was before it was capped) and the comment the CLI prints.
// Target: the comment under GitHub's 65,536-character limit.
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import type { Benchmark, BenchContext } from './context.ts';
import { generateFleet, writeFleet, type GeneratedFleet } from './generate.ts';
import { single, type Measure } from './report.ts';
import { main } from '../src/cli/main.ts';
import { planMarkdown } from '../src/cli/plan-markdown.ts';
import type { PlanReport } from '../src/plan/report.ts';

const BENCH = 'plan-markdown';
const COMMENT_LIMIT = 65_536;

async function cli(args: string[], cwd: string): Promise<string> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  await main(args, { stdout, stderr: new PassThrough(), env: {}, cwd, exitCode: 0 });
  return out;
}

/** Every profile a ClusterProfile selecting every cluster (`env` exists on all of them). */
function matchingEverything(fleet: GeneratedFleet): GeneratedFleet {
  const files = fleet.files.map((f) => {
    if (!/^(cluster)?profiles\//.test(f.path)) return f;
    const text = f.text
      .replace('kind: Profile\n', 'kind: ClusterProfile\n')
      .replace(/ {2}namespace: team-\d+\n/, '')
      .replace(/ {2}setRefs:.*\n/, '')
      .replace(/ {2}clusterSelector:\n( {4}.*\n)+/, '')
      .replace('spec:\n', 'spec:\n  clusterSelector:\n    matchExpressions:\n    - {key: env, operator: Exists}\n');
    return { path: f.path.replace(/^profiles\//, 'clusterprofiles/'), text };
  });
  return { ...fleet, files };
}

async function sizes(ctx: BenchContext, label: string, fleet: GeneratedFleet): Promise<Measure[]> {
  const dir = join(ctx.workDir, label.replace(/\W+/g, '-'));
  writeFleet(dir, fleet);
  ctx.log(`${label}: planning`);
  const comment = await cli(['plan', '.', '--format', 'markdown'], dir);
  const report = JSON.parse(await cli(['plan', '.', '--format', 'json'], dir)) as PlanReport;
  const whole = planMarkdown(report, { clusters: fleet.clusters.length, limit: Number.POSITIVE_INFINITY });
  const note = `${report.actions.length} actions, ${report.sets.length} sets`;
  return [
    single(BENCH, `${label}: the whole plan in markdown (bytes)`, 'count', Buffer.byteLength(whole), { note }),
    single(BENCH, `${label}: the comment (bytes)`, 'count', Buffer.byteLength(comment), { target: { op: '<', value: COMMENT_LIMIT }, note: 'GitHub refuses comments over 65,536 characters' }),
  ];
}

async function run(ctx: BenchContext): Promise<Measure[]> {
  return [
    ...(await sizes(ctx, '3,000 clusters, 1,000 sets and profiles', generateFleet({ clusters: 3000, sets: 1000, profiles: 1000, seed: 42 }))),
    ...(await sizes(ctx, '500 clusters, 2 profiles matching all', matchingEverything(generateFleet({ clusters: 500, sets: 20, profiles: 2, seed: 42 })))),
  ];
}

export const benchmark: Benchmark = { name: BENCH, title: 'plan --format markdown: comment size', run };
