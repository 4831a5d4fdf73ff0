// `gitset plan [dir]`: what a reconcile of this revision would do against the committed status
// (readiness, previous selections, applied releases), without probing or touching any cluster;
// with --observe, against what the clusters show (probe, release inventory, health), read only.
// Text for a terminal, Markdown for a pull-request comment, JSON for tools. Exit 1 on errors.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_STATUS_DIR, loadRepository } from '../load/index.ts';
import { formatDiagnostic, hasErrors } from '../model/diagnostics.ts';
import { computeCycle, prepareRevision } from '../plan/cycle.ts';
import { templateProblems } from '../plan/template-check.ts';
import { planReport, type PlanReport } from '../plan/report.ts';
import { readStatusDir } from '../status/status-dir.ts';
import { escapeControl, mapStrings, markdownCode, markdownText } from '../model/escape.ts';
import { envName } from '../daemon/options.ts';
import { parseDuration } from '../model/duration.ts';
import { DEFAULT_PROBE_TIMEOUT_MS } from '../probe/prober.ts';
import { allowedChartRepos, ALLOWED_CHART_REPOS_ENV, parseFormat, type CliIO } from './io.ts';
import { observeForPlan, type PlanObservation } from './plan-observe.ts';
import { asciiTable } from './tables.ts';

interface PlanOptions {
  statusDir: string;
  format: string;
  allowedChartRepos?: string;
  observe?: boolean;
  credentials?: string;
  timeout?: string;
}

export function register(program: Command, io: CliIO): void {
  program
    .command('plan')
    .description('show what a reconcile would change (selections, installs, upgrades, uninstalls) against the committed status')
    .argument('[dir]', 'repository folder', '.')
    .option('--status-dir <dir>', 'status folder inside the repository', DEFAULT_STATUS_DIR)
    .option('--format <format>', 'output format: text, markdown or json', 'text')
    .option('--allowed-chart-repos <patterns>', `chart sources allowed, as the daemon's option (default: $${ALLOWED_CHART_REPOS_ENV}, else any)`)
    .option('--observe', 'probe the clusters and read what they hold (releases, health), read only, as a daemon cycle would')
    .option('--credentials <DIR>', `with --observe: folder of kubeconfigs, <namespace>/<name>.kubeconfig (env ${envName({ flag: 'credentials' })}, default ./credentials)`)
    .option('--timeout <duration>', 'with --observe: time each cluster has to answer a probe', `${DEFAULT_PROBE_TIMEOUT_MS / 1000}s`)
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
  const root = resolve(io.cwd, dir);
  const repo = await loadRepository(root, { statusDir: opts.statusDir, ...(chartRepos ? { chartRepos } : {}) });
  const previous = await readStatusDir(resolve(root, opts.statusDir));
  const now = new Date();
  let seen: PlanObservation | undefined;
  if (opts.observe) {
    const credentialsDir = resolve(io.cwd, opts.credentials ?? io.env[envName({ flag: 'credentials' })] ?? 'credentials');
    seen = await observeForPlan(repo, previous, { credentialsDir, timeoutMs, now: now.getTime() });
    for (const p of seen.problems) io.stderr.write(`gitset plan: cannot observe ${p}\n`);
  }
  const cycle = computeCycle({ revision: prepareRevision(repo), previous, now, ...(seen ? { probes: seen.probes, observed: seen.observed } : {}) });
  const diagnostics = [...repo.diagnostics, ...templateProblems(repo)];
  const report = planReport(cycle, previous, diagnostics);
  for (const p of previous.problems ?? []) io.stderr.write(`gitset plan: ignoring status file ${escapeControl(`${p.path}: ${p.message}`)}\n`);
  switch (format) {
    case 'json':
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      break;
    case 'markdown':
      io.stdout.write(markdown(report));
      break;
    case 'text':
      io.stdout.write(text(report));
      break;
  }
  return hasErrors(diagnostics) ? 1 : 0;
}

function counts(r: PlanReport): string {
  const n = (a: string) => r.actions.filter((x) => x.action === a).length;
  const s = (k: number, w: string) => `${k} ${w}${k === 1 ? '' : 's'}`;
  const waiting = r.notRun.length > 0 ? `, ${r.notRun.length} not run now` : '';
  const held = r.held.length > 0 ? `, ${r.held.length} held until healthy` : '';
  return `${s(n('install'), 'install')}, ${s(n('upgrade'), 'upgrade')}, ${s(n('uninstall'), 'uninstall')}${waiting}${held}`;
}

const LISTED = 5;
function list(keys: readonly string[]): string {
  if (keys.length === 0) return '-';
  return keys.length <= LISTED ? keys.join(', ') : `${keys.slice(0, LISTED).join(', ')} (+${keys.length - LISTED} more)`;
}

/** One row of the sets table after the name: the same cells in text and Markdown, each a list of lines. */
function setCells(s: PlanReport['sets'][number]): string[][] {
  const notSelected = [
    ...(s.draining ?? []).map((k) => `${k}: draining (keeps its releases until the replacement's are deployed and healthy)`),
    ...(s.heldBack ?? []),
    ...s.notSelected.slice(0, LISTED).map((n) => `${n.cluster}: ${n.message}`),
    ...(s.message ? [s.message] : []),
  ];
  return [[String(s.maxReplicas)], [list(s.selected)], [list(s.matching)], notSelected.length > 0 ? notSelected : ['-']];
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
  if (r.diagnostics.length > 0) out += `\nDiagnostics:\n${r.diagnostics.map((d) => `  ${formatDiagnostic(d)}\n`).join('')}`;
  return out;
}

function id(o: { kind: string; namespace: string | null; name: string }): string {
  return o.namespace ? `${o.kind}/${o.namespace}/${o.name}` : `${o.kind}/${o.name}`;
}

/** Markdown table cells, already escaped; a multi-line cell's lines joined by <br>. */
function mdTable(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n') + '\n';
}

/** A code span in a table cell: GFM splits cells at `|` before reading code spans, so it is escaped there too. */
function codeCell(s: string): string {
  return code(s).replace(/\|/g, '\\|');
}

const code = markdownCode;
const md = markdownText;
const mdLines = (lines: readonly string[]): string => lines.map(md).join('<br>');

/**
 * For a pull-request comment: names in code spans, every other value from the repository, the
 * status or a cluster escaped, so none of it becomes HTML, a link or a forged line.
 */
function markdown(r: PlanReport): string {
  let out = `### gitset plan\n\n**${counts(r)}**\n\n`;
  if (r.changes.length > 0) out += `#### Changes\n\n${r.changes.map((c) => `- ${md(c)}`).join('\n')}\n\n`;
  if (r.sets.length > 0) {
    out += '#### Sets\n\n';
    out += mdTable(
      ['Set', 'Max', 'Selected', 'Matching', 'Not selected'],
      r.sets.map((s) => [codeCell(id(s)), ...setCells(s).map(mdLines)]),
    );
    out += '\n';
  }
  out += '#### Actions\n\n';
  out +=
    r.actions.length > 0
      ? mdTable(
          ['Action', 'Cluster', 'Release', 'Chart', 'Version', 'Profile', 'Why'],
          r.actions.map((a) => [`**${md(a.action)}**`, md(a.cluster), md(`${a.releaseNamespace}/${a.releaseName}`), md(a.chart), md(a.version), codeCell(a.profile), md(a.reason)]),
        )
      : 'None: the fleet is in sync.\n';
  if (r.held.length > 0) out += `\n#### Held (make-before-break)\n\n${r.held.map((h) => `- ${h.message} (${code(h.profile)})`).join('\n')}\n`;
  if (r.notRun.length > 0) {
    out += `\n#### Not run now\n\n${r.notRun.map((w) => `- ${md(w.decision)} ${code(w.release)} on ${md(w.cluster)} (${code(w.profile)}): ${md(w.reason)}`).join('\n')}\n`;
  }
  if (r.unhealthy.length > 0) {
    out += `\n#### Not healthy\n\n${r.unhealthy.map((u) => `- ${code(u.release)} on ${md(u.cluster)} (${code(u.profile)}): ${md(u.health)}: ${md(u.message)}`).join('\n')}\n`;
  }
  const problems = r.profiles.filter((p) => p.errors.length + p.conflicts.length + p.unsupported.length > 0);
  if (problems.length > 0) {
    out += '\n#### Profiles\n\n';
    for (const p of problems) {
      out += `- ${code(id(p))}\n`;
      for (const e of p.errors) out += `  - error: ${md(e)}\n`;
      for (const c of p.conflicts) out += `  - conflict: ${md(c)}\n`;
      if (p.unsupported.length > 0) out += `  - not supported (validated, not acted on): ${p.unsupported.map((u) => code(u)).join(', ')}\n`;
    }
  }
  if (r.diagnostics.length > 0) {
    out += `\n#### Diagnostics\n\n${r.diagnostics.map((d) => `- ${code(`${d.file}:${d.line}:${d.col}`)} ${md(d.severity)}: ${md(d.message)}`).join('\n')}\n`;
  }
  return out;
}
