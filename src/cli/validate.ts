// `gitset validate [dir]`: schema and cross-reference checks of a repository, for pull requests.
// Prints `file:line:col severity message` per finding and exits 1 when any is an error. The status
// folder is read too: what is wrong there is a warning, never an error (status files are reports).
import { relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../model/diagnostics.ts';
import { patchProblems } from '../plan/patch-check.ts';
import { templateProblems } from '../plan/template-check.ts';
import { DEFAULT_STATUS_DIR, loadRepository, type LoadedRepository } from '../load/index.ts';
import { luaScriptProblems } from '../load/validate-healths.ts';
import { escapeControl } from '../model/escape.ts';
import { objectId } from '../model/objects.ts';
import { statusFileDiagnostics } from '../status/check-files.ts';
import { LINK_MESSAGE, readStatusFolder } from '../status/status-dir.ts';
import { allowedChartRepos, ALLOWED_CHART_REPOS_ENV, parseFormat, type CliIO } from './io.ts';

interface ValidateOptions {
  statusDir: string;
  format: string;
  quiet?: boolean;
  allowedChartRepos?: string;
}

export function register(program: Command, io: CliIO): void {
  program
    .command('validate')
    .description('check the manifests of a repository (schemas, references, selectors); exit 1 on any error')
    .argument('[dir]', 'repository folder', '.')
    .option('--status-dir <dir>', 'status folder inside the repository, not read as manifests', DEFAULT_STATUS_DIR)
    .option('--format <format>', 'output format: text or json', 'text')
    .option('-q, --quiet', 'hide info diagnostics')
    .option('--allowed-chart-repos <patterns>', `chart sources allowed, as the daemon's option (default: $${ALLOWED_CHART_REPOS_ENV}, else any)`)
    .action(async (dir: string, opts: ValidateOptions) => {
      io.exitCode = await validate(dir, opts, io);
    });
}

async function validate(dir: string, opts: ValidateOptions, io: CliIO): Promise<number> {
  let format;
  let chartRepos;
  try {
    format = parseFormat(opts.format, ['text', 'json']);
    chartRepos = allowedChartRepos(opts.allowedChartRepos, io);
  } catch (err) {
    io.stderr.write(`gitset validate: ${(err as Error).message}\n`);
    return 2;
  }
  const root = resolve(io.cwd, dir);
  const repo = await loadRepository(root, { statusDir: opts.statusDir, ...(chartRepos ? { chartRepos } : {}) });
  const diagnostics = [...repo.diagnostics, ...templateProblems(repo), ...patchProblems(repo), ...(await luaScriptProblems(repo.profiles)), ...(await statusDiagnostics(root, opts.statusDir, repo))];
  const shown = diagnostics.filter((d) => !(opts.quiet && d.severity === 'info'));
  if (format === 'json') {
    io.stdout.write(`${JSON.stringify({ diagnostics: shown, objects: counts(repo) }, null, 2)}\n`);
  } else {
    // Paths are relative to the folder validated, as they are inside the repository.
    // A file name or value with a newline or an ESC must not forge a line or drive the terminal.
    for (const d of shown) io.stdout.write(`${escapeControl(formatDiagnostic(d))}\n`);
    io.stdout.write(`${summary(repo, diagnostics)}\n`);
  }
  return hasErrors(diagnostics) ? 1 : 0;
}

/** Status files that cannot be read or report on objects the repository does not have. */
async function statusDiagnostics(root: string, statusDir: string, repo: LoadedRepository): Promise<Diagnostic[]> {
  const folder = resolve(root, statusDir);
  const shown = relative(root, folder).split(sep).join('/');
  let found;
  try {
    found = await readStatusFolder(folder);
  } catch (err) {
    return [{ file: shown || '.', line: 1, col: 1, severity: 'warning', code: 'status-unreadable', message: `status folder not read: ${(err as Error).message}` }];
  }
  const known = new Set([...repo.clusters, ...repo.sets, ...repo.profiles, ...(repo.promotions ?? [])].map(objectId));
  const links = found.links.map((path): Diagnostic => {
    const file = path === '.' ? shown || '.' : shown ? `${shown}/${path}` : path;
    return { file, line: 1, col: 1, severity: 'warning', code: 'status-unreadable', message: `${file} is ${LINK_MESSAGE}` };
  });
  return [...links, ...statusFileDiagnostics(found.files, known, shown)];
}

function counts(repo: LoadedRepository): Record<string, number> {
  const out: Record<string, number> = { SveltosCluster: 0, ClusterSet: 0, Set: 0, ClusterProfile: 0, Profile: 0 };
  for (const o of [...repo.clusters, ...repo.sets, ...repo.profiles]) out[o.kind] = (out[o.kind] ?? 0) + 1;
  if (repo.promotions?.length) out.ClusterPromotion = repo.promotions.length;
  return out;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function summary(repo: LoadedRepository, diagnostics: readonly Diagnostic[]): string {
  const by = (s: Diagnostic['severity']): number => diagnostics.filter((d) => d.severity === s).length;
  const c = counts(repo);
  const objects = `${plural(c.SveltosCluster!, 'cluster')}, ${plural(c.ClusterSet! + c.Set!, 'set')}, ${plural(c.ClusterProfile! + c.Profile!, 'profile')}`;
  const verdict = hasErrors(diagnostics) ? 'invalid' : 'valid';
  return `${verdict}: ${plural(by('error'), 'error')}, ${plural(by('warning'), 'warning')}, ${by('info')} info (${objects} usable)`;
}
