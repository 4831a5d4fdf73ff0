// `gitset probe [dir]`: probe every cluster of a repository (paused ones too) once and report what each
// API server answered. A report, not a gate: clusters being down is not an error exit.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { plainTable } from './tables.ts';
import type { Command } from 'commander';
import { envName } from '../daemon/options.ts';
import { parseDuration } from '../model/duration.ts';
import { escapeControl } from '../model/escape.ts';
import { loadRepository } from '../load/index.ts';
import { formatDiagnostic } from '../model/diagnostics.ts';
import { clusterKey, compareClusterKeys, type SveltosCluster } from '../model/objects.ts';
import type { ProbeResult } from '../model/ports.ts';
import { createProber, DEFAULT_PROBE_CONCURRENCY } from '../probe/prober.ts';
import { parseFormat, type CliIO } from './io.ts';

interface ProbeFlags {
  credentials?: string;
  statusDir?: string;
  format: string;
  timeout: string;
  concurrency: string;
}

/** One line of the report, as `--format json` prints it. */
export interface ProbeReportRow {
  namespace: string;
  name: string;
  ready?: boolean;
  /** spec.paused: probed like the others, nothing is deployed on it until unpaused. */
  paused?: boolean;
  version?: string;
  message?: string;
  durationMs?: number;
}

export function register(program: Command, io: CliIO): void {
  program
    .command('probe')
    .description('probe the API server of every cluster once and print what each answered')
    .argument('[dir]', 'repository folder', '.')
    .option('--credentials <DIR>', `folder of kubeconfigs, <namespace>/<name>.kubeconfig (env ${envName({ flag: 'credentials' })}, default ./credentials)`)
    .option('--status-dir <path>', 'folder of status files inside the repository, not read as manifests (default status)')
    .option('--format <format>', 'text or json', 'text')
    .option('--timeout <duration>', 'time each cluster has to answer, e.g. 500ms, 5s', '5s')
    .option('--concurrency <n>', 'clusters probed at the same time', String(DEFAULT_PROBE_CONCURRENCY))
    .action(async (dir: string, flags: ProbeFlags) => {
      io.exitCode = await probeCommand(resolve(io.cwd, dir), flags, io);
    });
}

async function probeCommand(dir: string, flags: ProbeFlags, io: CliIO): Promise<number> {
  const usage = (message: string) => {
    io.stderr.write(`gitset probe: ${message}\n`);
    return 2;
  };
  let format;
  try {
    format = parseFormat(flags.format, ['text', 'json']);
  } catch (err) {
    return usage((err as Error).message);
  }
  const timeoutMs = parseDuration(flags.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0) return usage(`--timeout "${flags.timeout}" is not a duration (use e.g. 500ms, 5s)`);
  const concurrency = Number(flags.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) return usage(`--concurrency must be a positive integer (got "${flags.concurrency}")`);
  const credentialsDir = resolve(io.cwd, flags.credentials ?? io.env[envName({ flag: 'credentials' })] ?? 'credentials');
  const isDir = await stat(credentialsDir).then((s) => s.isDirectory(), () => false);
  if (!isDir) return usage(`credentials directory not found: ${credentialsDir}`);

  const isRepo = await stat(dir).then((s) => s.isDirectory(), () => false);
  if (!isRepo) {
    io.stderr.write(`gitset probe: cannot load repository: ${dir} is not a folder\n`);
    return 1;
  }
  let clusters: SveltosCluster[];
  try {
    const repository = await loadRepository(dir, flags.statusDir ? { statusDir: flags.statusDir } : {});
    // Problems elsewhere in the repository do not stop a health report; they are shown.
    for (const d of repository.diagnostics) if (d.severity === 'error') io.stderr.write(`${escapeControl(formatDiagnostic(d))}\n`);
    clusters = [...repository.clusters].sort((a, b) => compareClusterKeys(clusterKey(a.metadata), clusterKey(b.metadata)));
  } catch (err) {
    io.stderr.write(`gitset probe: cannot load repository ${dir}: ${(err as Error).message}\n`);
    return 1;
  }

  const prober = createProber({ credentialsDir, timeoutMs, concurrency });
  let results: Map<string, ProbeResult>;
  try {
    results = await prober.probeAll(clusters);
  } finally {
    prober.close();
  }
  const rows = clusters.map((c): ProbeReportRow => {
    const base = { namespace: c.metadata.namespace ?? '', name: c.metadata.name };
    const r = results.get(clusterKey(c.metadata));
    const paused = c.spec.paused === true ? { paused: true } : {};
    if (!r) return { ...base, ...paused, message: 'not probed' };
    const message = [c.spec.paused === true ? 'paused' : '', r.message ?? ''].filter(Boolean).join(': ');
    return { ...base, ...paused, ready: r.ok, ...(r.version ? { version: r.version } : {}), ...(message ? { message } : {}), durationMs: r.durationMs };
  });
  io.stdout.write(format === 'json' ? `${JSON.stringify(rows, null, 2)}\n` : renderTable(rows));
  return 0;
}

function renderTable(rows: readonly ProbeReportRow[]): string {
  if (rows.length === 0) return 'No SveltosCluster in this repository.\n';
  // A version or an error text comes from the API server (a certificate's names, a reason phrase): escaped.
  const cells = rows.map((r) => [r.namespace, r.name, r.ready === undefined ? '' : String(r.ready), r.version ?? '', r.message ?? ''].map(escapeControl));
  return plainTable(['NAMESPACE', 'NAME', 'READY', 'VERSION', 'MESSAGE'], cells);
}
