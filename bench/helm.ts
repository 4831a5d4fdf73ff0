// Benchmark 6, Helm: the real helm binary through gitset's HelmRunner and per-cluster pool,
// installing a small chart from the local chart repository onto simulated clusters (hosted in
// another process). N releases over M clusters at parallelism 1 and 8, and the per-call
// overhead of the runner over a bare `helm upgrade --install` with the same arguments.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { upgradeInstallArgs, type HelmDialect } from '../src/helm/args.ts';
import { helmVersion, resolveHelm } from '../src/helm/binary.ts';
import { helmEnvironment } from '../src/helm/exec.ts';
import { runPerCluster } from '../src/helm/pool.ts';
import { createHelmRunner } from '../src/helm/runner.ts';
import type { ClusterTarget, ReleaseRequest } from '../src/model/ports.ts';
import { startChartRepo } from '../src/sim/chart-repo.ts';
import { renderKubeconfig, writeKubeconfigFile } from '../src/sim/kubeconfig.ts';
import type { Benchmark, BenchContext } from './context.ts';
import { startSimHost } from './sim-host.ts';
import { median, single, summarize, timed, type Measure } from './report.ts';

const BENCH = 'helm';

async function run(ctx: BenchContext): Promise<Measure[]> {
  const helmPath = (await resolveHelm({ env: process.env, projectRoot: ctx.root })).path;
  const version = await helmVersion(helmPath);
  const dialect: HelmDialect = /^v?4\./.test(version) ? 'v4' : 'v3';
  const clusters = 8;
  const perCluster = ctx.quick ? 2 : 4;
  const host = await startSimHost(ctx.root, clusters);
  const charts = await startChartRepo({ charts: [join(ctx.root, 'charts', 'hello')], helmBinary: helmPath });
  const measures: Measure[] = [];
  try {
    const targets: ClusterTarget[] = await Promise.all(
      host.endpoints.map(async (ep, i) => {
        const kubeconfigPath = join(ctx.workDir, 'credentials', 'bench', `sim-${i}.kubeconfig`);
        await writeKubeconfigFile(kubeconfigPath, renderKubeconfig({ name: `sim-${i}`, server: ep.url, caPem: ep.caPem, token: ep.token }));
        return { cluster: `bench/sim-${i}`, kubeconfigPath };
      }),
    );
    const request = (name: string): ReleaseRequest => ({
      releaseNamespace: 'apps',
      releaseName: name,
      repositoryURL: charts.url,
      repositoryName: 'local',
      chartName: 'local/hello',
      chartVersion: '0.1.0',
      values: 'message: hi\n',
    });
    const runner = createHelmRunner({ helmPath, workDir: join(ctx.workDir, 'runner'), timeoutMs: 120_000, dialect });
    let round = 0;
    const installAll = async (parallelism: number) => {
      round++;
      const tasks = targets.flatMap((target) =>
        Array.from({ length: perCluster }, (_, k) => ({
          cluster: target.cluster,
          run: (signal: AbortSignal) => runner.upgradeInstall(target, request(`r${round}-${k}`), signal),
        })),
      );
      const t = await timed(() => runPerCluster(tasks, { parallelism }));
      const failed = t.value.filter((s) => s.status === 'rejected');
      if (failed.length > 0) throw new Error(`${failed.length}/${tasks.length} installs failed: ${String((failed[0] as PromiseRejectedResult).reason)}`);
      return (tasks.length / t.ms) * 1000;
    };
    const n = clusters * perCluster;
    const reps = ctx.reps(2, 1);
    const p1: number[] = [];
    const p8: number[] = [];
    for (let i = 0; i < reps; i++) {
      p1.push(await installAll(1));
      p8.push(await installAll(8));
      ctx.log(`round ${i + 1}: ${p1.at(-1)!.toFixed(2)} releases/s at parallelism 1, ${p8.at(-1)!.toFixed(2)} at 8`);
    }
    measures.push(
      summarize(BENCH, `${n} installs over ${clusters} clusters, parallelism 1`, 'per s', p1, { note: `helm ${version}, chart hello from the local chart repository` }),
      summarize(BENCH, `${n} installs over ${clusters} clusters, parallelism 8`, 'per s', p8, { note: 'runPerCluster: clusters side by side, releases in order within one' }),
      single(BENCH, 'speed-up, parallelism 8 over 1', 'x', median(p8) / median(p1), { note: 'on 2 cores: helm and the simulated API servers share them' }),
    );

    // Per-call overhead: the runner vs the same helm command line run bare, alternating, one cluster.
    const target = targets[0]!;
    const env = helmEnvironment(join(ctx.workDir, 'bare'), process.env);
    const valuesDir = join(ctx.workDir, 'bare-values');
    mkdirSync(valuesDir, { recursive: true });
    const valuesFile = join(valuesDir, 'values.yaml');
    writeFileSync(valuesFile, 'message: hi\n');
    const viaRunner: number[] = [];
    const bare: number[] = [];
    // Warm both helm homes (repository index cache) before measuring.
    await runner.upgradeInstall(target, request('warm-runner'));
    // The runner's exact environment (extendEnv: false), so only gitset's wrapper differs.
    const bareCall = (name: string) => execa(helmPath, upgradeInstallArgs(target, request(name), valuesFile, dialect), { env, extendEnv: false });
    await bareCall('warm-bare');
    for (let i = 0; i < ctx.reps(9, 3); i++) {
      // Alternate which goes first, so neither always runs on the heels of the other.
      const r = () => timed(() => runner.upgradeInstall(target, request(`o-runner-${i}`)));
      const b = () => timed(() => bareCall(`o-bare-${i}`));
      if (i % 2 === 0) {
        viaRunner.push((await r()).ms);
        bare.push((await b()).ms);
      } else {
        bare.push((await b()).ms);
        viaRunner.push((await r()).ms);
      }
    }
    const overhead = median(viaRunner) - median(bare);
    measures.push(
      summarize(BENCH, 'one install through gitset HelmRunner', 'ms', viaRunner),
      summarize(BENCH, 'one install, bare helm upgrade --install', 'ms', bare, { note: 'same arguments, environment and helm homes; execa only' }),
      single(BENCH, 'gitset overhead per helm call', 'ms', overhead, {
        note: `${((overhead / median(bare)) * 100).toFixed(1)}% of a call: values temp file, env, JSON parsing, logging`,
      }),
    );
  } finally {
    await charts.close();
    await host.close();
  }
  return measures;
}

export const benchmark: Benchmark = { name: BENCH, title: 'helm installs at parallelism 1 and 8, runner overhead', run };
