// Where the whole-process `gitset plan --format markdown` spends its time: the steps of
// src/cli/plan.ts run one by one in a fresh process on the compiled dist/ (module loading, load,
// status, the cycle, the template and patch checks, the report, the comment), each timed in wall
// and CPU time. A child per run, so module loading is cold every time, as in a pull request.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runInChild } from './child.ts';
import { median, summarize, type Measure } from './report.ts';

export interface PhasesArg {
  root: string;
  dir: string;
}

export type PhaseTimes = Record<string, { ms: number; cpuMs: number }>;

/** Child step: the plan's steps in order, as src/cli/plan.ts runs them, each timed. */
export async function planPhasesStep(arg: PhasesArg): Promise<PhaseTimes> {
  const out: PhaseTimes = {};
  let t = performance.now();
  let c = process.cpuUsage();
  const lap = (name: string): void => {
    const u = process.cpuUsage(c);
    out[name] = { ms: performance.now() - t, cpuMs: (u.user + u.system) / 1000 };
    t = performance.now();
    c = process.cpuUsage();
  };
  const dist = (path: string) => import(pathToFileURL(join(arg.root, 'dist', path)).href);
  const { loadRepository } = (await dist('load/index.js')) as typeof import('../src/load/index.ts');
  const { computeCycle, prepareRevision } = (await dist('plan/cycle.js')) as typeof import('../src/plan/cycle.ts');
  const { templateProblems } = (await dist('plan/template-check.js')) as typeof import('../src/plan/template-check.ts');
  const { patchProblems } = (await dist('plan/patch-check.js')) as typeof import('../src/plan/patch-check.ts');
  const { planReport } = (await dist('plan/report.js')) as typeof import('../src/plan/report.ts');
  const { readStatusDir } = (await dist('status/status-dir.js')) as typeof import('../src/status/status-dir.ts');
  const { planMarkdown } = (await dist('cli/plan-markdown.js')) as typeof import('../src/cli/plan-markdown.ts');
  lap('modules');
  const repo = await loadRepository(arg.dir);
  lap('load+validate');
  const previous = await readStatusDir(join(arg.dir, 'status'));
  lap('status');
  const revision = prepareRevision(repo);
  const cycle = computeCycle({ revision, previous, now: new Date() });
  lap('cycle');
  const checks = [...templateProblems(repo, (k) => previous.clusters.get(k)?.status, revision), ...patchProblems(repo, revision)];
  lap('template and patch checks');
  const report = planReport(cycle, previous, [...repo.diagnostics, ...checks]);
  lap('report');
  planMarkdown(report, { clusters: repo.clusters.length });
  lap('markdown comment');
  return out;
}

/** `runs` fresh processes; a row per step with its wall and CPU medians. */
export async function planPhaseRows(bench: string, arg: PhasesArg, label: string, runs: number): Promise<Measure[]> {
  const samples: PhaseTimes[] = [];
  for (let i = 0; i < runs; i++) {
    samples.push((await runInChild<PhasesArg, PhaseTimes>(new URL('./pr-path-phases.ts', import.meta.url).href, 'planPhasesStep', arg, { timeoutMs: 5 * 60_000, compiled: true })).result);
  }
  return Object.keys(samples[0]!).map((phase) => {
    const cpu = samples.map((s) => s[phase]!.cpuMs);
    return summarize(bench, `gitset plan phase CPU: ${phase} (${label})`, 'ms', cpu, {
      note: `dist/, a fresh process per run; wall median ${median(samples.map((s) => s[phase]!.ms)).toFixed(0)} ms${phase === 'modules' ? '; dist/ as tsc wrote it (bin/gitset.js loads the bundle: faster)' : ''}`,
    });
  });
}
