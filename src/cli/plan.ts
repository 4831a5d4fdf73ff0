// `gitset plan [dir]`: what a reconcile of this revision would do against the committed status
// (readiness, previous selections, applied releases), without probing or touching any cluster;
// with --observe, against what the clusters show (probe, release inventory, health), read only.
// Text for a terminal, Markdown for a pull-request comment (plan-markdown.ts), JSON for tools.
// The status may be read from another branch or ref (--status-branch), as a pull request's check
// does when the daemon commits status to a branch of its own. Exit 1 on errors.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_STATUS_DIR, loadRepository } from '../load/index.ts';
import { formatDiagnostic, hasErrors } from '../model/diagnostics.ts';
import { computeCycle, prepareRevision } from '../plan/cycle.ts';
import { patchProblems } from '../plan/patch-check.ts';
import { templateProblems } from '../plan/template-check.ts';
import { planReport, type PlanReport } from '../plan/report.ts';
import type { PreviousStatus } from '../status/snapshot.ts';
import { readStatusDir, statusFromFolder } from '../status/status-dir.ts';
import { escapeControl, mapStrings } from '../model/escape.ts';
import { envName } from '../daemon/options.ts';
import { parseDuration } from '../model/duration.ts';
import { allowedChartRepos, ALLOWED_CHART_REPOS_ENV, parseFormat, type CliIO } from './io.ts';
import { counts, id, list, setCells } from './plan-cells.ts';
import { planMarkdown, type MarkdownContext } from './plan-markdown.ts';
import type { PlanObservation } from './plan-observe.ts';
import { asciiTable } from './tables.ts';

interface PlanOptions {
  statusDir: string;
  format: string;
  allowedChartRepos?: string;
  observe?: boolean;
  credentials?: string;
  timeout?: string;
  statusBranch?: string;
}

const STATUS_BRANCH_ENV = envName({ flag: 'status-branch' });

/**
 * The probe timeout of --observe: the daemon's default (DEFAULT_PROBE_TIMEOUT_MS of
 * src/probe/prober.ts, test/cli/plan.test.ts checks they agree), not imported: the prober and
 * the rest of --observe load only when asked for, as every pull request's plan waits on start-up.
 */
export const PLAN_PROBE_TIMEOUT_MS = 5000;

export function register(program: Command, io: CliIO): void {
  program
    .command('plan')
    .description('show what a reconcile would change (selections, installs, upgrades, uninstalls) against the committed status')
    .argument('[dir]', 'repository folder', '.')
    .option('--status-dir <dir>', 'status folder inside the repository', DEFAULT_STATUS_DIR)
    .option('--status-branch <ref>', `read the status from this branch or ref of the repository (gitset-status, origin/gitset-status, a commit), not the work tree (env ${STATUS_BRANCH_ENV})`)
    .option('--format <format>', 'output format: text, markdown or json', 'text')
    .option('--allowed-chart-repos <patterns>', `chart sources allowed, as the daemon's option (default: $${ALLOWED_CHART_REPOS_ENV}, else any)`)
    .option('--observe', 'probe the clusters and read what they hold (releases, health), read only, as a daemon cycle would')
    .option('--credentials <DIR>', `with --observe: folder of kubeconfigs, <namespace>/<name>.kubeconfig (env ${envName({ flag: 'credentials' })}, default ./credentials)`)
    .option('--timeout <duration>', 'with --observe: time each cluster has to answer a probe', `${PLAN_PROBE_TIMEOUT_MS / 1000}s`)
    .action(async (dir: string, opts: PlanOptions) => {
      io.exitCode = await plan(dir, opts, io);
    });
}

async function plan(dir: string, opts: PlanOptions, io: CliIO): Promise<number> {
  let format;
  let chartRepos;
  try {
    format = parseFormat(opts.format, ['text', 'markdown', 'json']);
    chartRepos = allowedChartRepos(opts.allowedChartRepos, io);
  } catch (err) {
    io.stderr.write(`gitset plan: ${(err as Error).message}\n`);
    return 2;
  }
  const timeoutMs = parseDuration(opts.timeout ?? '5s');
  if (timeoutMs === undefined || timeoutMs <= 0) {
    io.stderr.write(`gitset plan: --timeout "${opts.timeout}" is not a duration (use e.g. 500ms, 5s)\n`);
    return 2;
  }
  const statusBranch = opts.statusBranch ?? io.env[STATUS_BRANCH_ENV];
  if (statusBranch !== undefined && statusBranch.trim() === '') {
    io.stderr.write('gitset plan: --status-branch needs a branch or ref name\n');
    return 2;
  }
  const root = resolve(io.cwd, dir);
  const repo = await loadRepository(root, { statusDir: opts.statusDir, ...(chartRepos ? { chartRepos } : {}) });
  let previous: PreviousStatus;
  const where: MarkdownContext = { clusters: repo.clusters.length };
  try {
    ({ previous, statusFrom: where.statusFrom } = await readPrevious(root, opts.statusDir, statusBranch));
  } catch (err) {
    io.stderr.write(`gitset plan: cannot read the status from --status-branch: ${escapeControl((err as Error).message)}\n`);
    return 1;
  }
  const now = new Date();
  let seen: PlanObservation | undefined;
  if (opts.observe) {
    const credentialsDir = resolve(io.cwd, opts.credentials ?? io.env[envName({ flag: 'credentials' })] ?? 'credentials');
    const { observeForPlan } = await import('./plan-observe.ts');
    seen = await observeForPlan(repo, previous, { credentialsDir, timeoutMs, now: now.getTime() });
    for (const p of seen.problems) io.stderr.write(`gitset plan: cannot observe ${p}\n`);
  }
  const revision = prepareRevision(repo);
  const cycle = computeCycle({ revision, previous, now, ...(seen ? { probes: seen.probes, observed: seen.observed } : {}) });
  const diagnostics = [...repo.diagnostics, ...templateProblems(repo, (k) => previous.clusters.get(k)?.status, revision), ...patchProblems(repo, revision)];
  const report = planReport(cycle, previous, diagnostics);
  for (const p of previous.problems ?? []) io.stderr.write(`gitset plan: ignoring status file ${escapeControl(`${p.path}: ${p.message}`)}\n`);
  switch (format) {
    case 'json':
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      break;
    case 'markdown':
      io.stdout.write(planMarkdown(report, where));
      break;
    case 'text':
      io.stdout.write(text(report));
      break;
  }
  return hasErrors(diagnostics) ? 1 : 0;
}

/** The committed status: the work tree's status folder, or that folder in the commit `ref` names. */
async function readPrevious(root: string, statusDir: string, ref: string | undefined): Promise<{ previous: PreviousStatus; statusFrom?: { ref: string; revision: string } }> {
  if (ref === undefined) return { previous: await readStatusDir(resolve(root, statusDir)) };
  const { readStatusAtRef } = await import('../git/status-ref.ts');
  const found = await readStatusAtRef({ dir: root, statusDir, ref });
  return { previous: statusFromFolder(found), statusFrom: { ref, revision: found.revision } };
}

/** For a terminal: every value from the repository, the status or a cluster with its control characters escaped. */
function text(report: PlanReport): string {
  const r = mapStrings(report, escapeControl);
  let out = `Plan: ${counts(r)}\n\n`;
  if (r.changes.length > 0) out += `Changes against the committed status:\n${r.changes.map((c) => `  ${c}\n`).join('')}\n`;
  if (r.sets.length > 0) {
    out += 'Sets:\n';
    out += asciiTable(
      ['SET', 'MAX', 'SELECTED', 'MATCHING', 'NOT SELECTED'],
      r.sets.map((s) => [id(s), ...setCells(s)]),
    );
    out += '\n';
  }
  if (r.profiles.length > 0) {
    out += 'Profiles:\n';
    for (const p of r.profiles) {
      out += `  ${id(p)} matches ${list(p.matchingClusters)}\n`;
      if (p.paused) out += `    ${p.paused}: nothing is installed, upgraded or withdrawn for it\n`;
      for (const e of p.errors) out += `    error: ${e}\n`;
      for (const c of p.conflicts) out += `    conflict: ${c}\n`;
      if (p.unsupported.length > 0) out += `    not supported (validated, not acted on): ${p.unsupported.join(', ')}\n`;
    }
    out += '\n';
  }
  out += r.actions.length > 0 ? 'Actions:\n' : 'Actions: none, the fleet is in sync.\n';
  if (r.actions.length > 0) {
    out += asciiTable(
      ['ACTION', 'CLUSTER', 'RELEASE', 'CHART', 'VERSION', 'PROFILE', 'WHY'],
      r.actions.map((a) => [a.action, a.cluster, `${a.releaseNamespace}/${a.releaseName}`, a.chart, a.version, a.profile, a.reason]),
    );
  }
  if (r.held.length > 0) out += `\nHeld (make-before-break):\n${r.held.map((h) => `  ${h.message} (${h.profile})\n`).join('')}`;
  if (r.notRun.length > 0) {
    out += '\nNot run now:\n';
    for (const w of r.notRun) out += `  ${w.decision} ${w.release} on ${w.cluster} (${w.profile}): ${w.reason}\n`;
  }
  if (r.unhealthy.length > 0) {
    out += '\nNot healthy:\n';
    for (const u of r.unhealthy) out += `  ${u.release} on ${u.cluster} (${u.profile}): ${u.health}: ${u.message}\n`;
  }
  for (const p of r.promotions ?? []) {
    out += `\nPromotion ${p.id} (content ${p.contentHash}): ${p.done ? 'done' : `at stage ${p.currentStage}`}\n`;
    for (const s of p.starts) out += `  merging starts ${s}\n`;
    for (const s of p.stages) out += `  ${s}\n`;
  }
  if (r.diagnostics.length > 0) out += `\nDiagnostics:\n${r.diagnostics.map((d) => `  ${formatDiagnostic(d)}\n`).join('')}`;
  return out;
}
