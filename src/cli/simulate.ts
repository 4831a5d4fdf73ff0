// `gitset simulate --cluster NS/NAME … --credentials DIR`: runs simulated Kubernetes clusters
// (and optionally a local chart repository) in this process until SIGTERM/SIGINT, writing one
// kubeconfig per cluster where `gitset run --credentials DIR` looks for it. SIGSTOP on the
// process is how an outage of every cluster is simulated; SIGCONT ends it.
import { chmod, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { resolveHelm } from '../helm/binary.ts';
import { startChartRepo, type ChartRepo } from '../sim/chart-repo.ts';
import { startSimCluster, type SimCluster } from '../sim/index.ts';
import type { CliIO } from './io.ts';

interface SimulateFlags {
  cluster: string[];
  credentials?: string;
  version: string;
  portBase: string;
  chart: string[];
  helmBinary?: string;
}

export interface SimulateOptions {
  clusters: Array<{ namespace: string; name: string }>;
  credentialsDir: string;
  version: string;
  /** 0: every cluster on a free port; N: cluster i on port N + i. */
  portBase: number;
  /** Chart folders to serve from a local chart repository (none: no repository). */
  charts: string[];
  helmBinary?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function register(program: Command, io: CliIO): void {
  program
    .command('simulate')
    .description('run simulated Kubernetes clusters on 127.0.0.1 and write their kubeconfigs, until SIGTERM/SIGINT')
    .option('--cluster <NS/NAME>', 'a cluster to simulate (repeat the flag for more)', collect, [])
    .option('--credentials <DIR>', 'where to write <namespace>/<name>.kubeconfig for each cluster')
    .option('--version <gitVersion>', 'Kubernetes version the clusters report', 'v1.29.2+k3s1')
    .option('--port-base <n>', 'listen on consecutive ports from n (0: free ports)', '0')
    .option('--chart <DIR>', 'also serve this chart folder from a local chart repository (repeatable)', collect, [])
    .option('--helm-binary <PATH>', 'helm used to package --chart folders (default: as gitset run finds it)')
    .action(async (flags: SimulateFlags) => {
      const usage = (message: string): void => {
        io.stderr.write(`gitset simulate: ${message}\n`);
        io.exitCode = 2;
      };
      if (flags.cluster.length === 0) return usage('give at least one --cluster NS/NAME');
      if (!flags.credentials) return usage('--credentials DIR is required');
      const clusters = [];
      for (const c of flags.cluster) {
        const [namespace, name, ...rest] = c.split('/');
        if (!namespace || !name || rest.length > 0 || !NAME.test(namespace) || !NAME.test(name)) {
          return usage(`--cluster "${c}" is not NAMESPACE/NAME`);
        }
        clusters.push({ namespace, name });
      }
      const portBase = Number(flags.portBase);
      if (!Number.isInteger(portBase) || portBase < 0 || portBase + clusters.length > 65535) return usage(`--port-base "${flags.portBase}" is not a port`);
      const opts: SimulateOptions = {
        clusters,
        credentialsDir: resolve(io.cwd, flags.credentials),
        version: flags.version,
        portBase,
        charts: flags.chart.map((d) => resolve(io.cwd, d)),
        helmBinary: flags.helmBinary,
      };
      io.exitCode = await simulate(opts, io, untilSignal());
    });
}

/** Resolves on the first SIGTERM or SIGINT. */
function untilSignal(): Promise<void> {
  return new Promise((done) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      done();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/** Runs the simulation until `stopped` resolves; the exit code. */
export async function simulate(opts: SimulateOptions, io: CliIO, stopped: Promise<void>): Promise<number> {
  const running: SimCluster[] = [];
  let repo: ChartRepo | undefined;
  try {
    await mkdir(opts.credentialsDir, { recursive: true, mode: 0o700 });
    for (const [i, c] of opts.clusters.entries()) {
      const cluster = await startSimCluster({ ...c, version: opts.version, port: opts.portBase ? opts.portBase + i : 0 });
      running.push(cluster);
      const dir = join(opts.credentialsDir, c.namespace);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
      const path = join(dir, `${c.name}.kubeconfig`);
      await cluster.writeKubeconfig(path);
      io.stdout.write(`${cluster.key} listening on ${cluster.url} kubeconfig ${path}\n`);
    }
    if (opts.charts.length > 0) {
      const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
      const helm = await resolveHelm({ flag: opts.helmBinary, env: io.env, projectRoot });
      repo = await startChartRepo({ charts: opts.charts, helmBinary: helm.path });
      io.stdout.write(`chart repository listening on ${repo.url}\n`);
    }
  } catch (err) {
    io.stderr.write(`gitset simulate: ${err instanceof Error ? err.message : String(err)}\n`);
    await Promise.all(running.map((c) => c.close()));
    await repo?.close();
    return 1;
  }
  await stopped;
  await Promise.all(running.map((c) => c.close()));
  await repo?.close();
  return 0;
}
