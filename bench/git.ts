// Benchmark 5, Git: gitset's isomorphic-git adapter side by side with the `git` command line,
// on identical repositories (a generated fleet plus a status folder, seeded into two bare
// repositories) served by the real smart-HTTP server (git http-backend) on loopback.
//   - pull when nothing changed (what every poll does)
//   - pull a new upstream revision that changes one manifest (what a merged PR costs)
//   - commit + push N changed status files (what a fleet-wide status change costs)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import type { Benchmark, BenchContext } from './context.ts';
import { importPart } from './context.ts';
import { generateFleet, writeFleet, type GeneratedCluster } from './generate.ts';
import { single, summarize, timed, type Measure } from './report.ts';

const BENCH = 'git';

type GitServerModule = typeof import('../src/sim/git-server.ts');
type RemoteModule = typeof import('../src/git/remote.ts');

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A status file per cluster; `round` changes one line, so every file changes between rounds. */
export function clusterStatusFiles(clusters: readonly GeneratedCluster[], round: number): Map<string, string> {
  const files = new Map<string, string>();
  for (const c of clusters) {
    files.set(
      `clusters/${c.namespace}/${c.name}.yaml`,
      'apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata:\n' +
        `  name: ${c.name}\n  namespace: ${c.namespace}\nstatus:\n  ready: true\n  version: v1.30.${round}\n  connectionStatus: Healthy\n`,
    );
  }
  return files;
}

function writeStatus(dir: string, files: ReadonlyMap<string, string>): void {
  const made = new Set<string>();
  for (const [path, text] of files) {
    const p = join(dir, 'status', path);
    const d = dirname(p);
    if (!made.has(d)) {
      mkdirSync(d, { recursive: true });
      made.add(d);
    }
    writeFileSync(p, text);
  }
}

/**
 * git's automatic gc: off for every git process of this benchmark (createBareRepo's included,
 * through the inherited environment). With 10k+ loose objects a commit starts a detached
 * `git gc --auto`, which would run in the middle of the next measurement, and races with the
 * removal of createBareRepo's seed folder (ENOTEMPTY). isomorphic-git never collects garbage.
 */
const NO_AUTO_GC = { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'gc.auto', GIT_CONFIG_VALUE_0: '0' };

async function run(ctx: BenchContext): Promise<Measure[]> {
  const saved = Object.fromEntries(Object.keys(NO_AUTO_GC).map((k) => [k, process.env[k]]));
  Object.assign(process.env, NO_AUTO_GC);
  try {
    return await measure(ctx);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

async function measure(ctx: BenchContext): Promise<Measure[]> {
  const { startGitServer, createBareRepo, gitCliEnv } = await importPart<GitServerModule>(ctx.root, 'src/sim/git-server.ts');
  const { openRemoteRepo } = await importPart<RemoteModule>(ctx.root, 'src/git/remote.ts');
  const clusters = ctx.quick ? 2000 : 10000;
  const fleet = generateFleet({ clusters, sets: 1000, profiles: 1000, seed: 7 });
  const seed = join(ctx.workDir, 'seed');
  writeFleet(seed, fleet);
  writeStatus(seed, clusterStatusFiles(fleet.clusters, 0));
  const files = fleet.files.length + clusters;
  const serverRoot = join(ctx.workDir, 'server');
  const env = gitCliEnv(NO_AUTO_GC);
  const git = (args: string[], cwd: string) => execa('git', args, { cwd, env });
  for (const name of ['iso.git', 'cli.git']) {
    const bare = await createBareRepo(serverRoot, name, seed);
    // The server side too: no gc after a received push, in either repository.
    await git(['config', 'receive.autogc', 'false'], bare);
    await git(['config', 'gc.auto', '0'], bare);
  }
  const server = await startGitServer({ root: serverRoot });
  const measures: Measure[] = [];
  try {
    // Someone else's clone, to push "merged pull requests" to each bare repository.
    const pushOne = async (name: string, round: number) => {
      const other = join(ctx.workDir, `other-${name}`);
      if (round === 0) await git(['clone', '-q', server.url(name), other], ctx.workDir);
      else await git(['pull', '-q', '--ff-only'], other);
      writeFileSync(join(other, fleet.files[0]!.path), `${fleet.files[0]!.text}# edit ${round}\n`);
      await git(['commit', '-q', '-am', `edit ${round}`], other);
      await git(['push', '-q', 'origin', 'HEAD:main'], other);
    };

    const isoDir = join(ctx.workDir, 'iso');
    const repo = openRemoteRepo({ url: server.url('iso.git'), branch: 'main', rootSegs: [], statusSegs: ['status'], workDir: isoDir, logger: silent });
    const cliDir = join(ctx.workDir, 'cli');
    const isoClone = await timed(() => repo.pull());
    const cliClone = await timed(() => git(['clone', '-q', server.url('cli.git'), cliDir], ctx.workDir));
    measures.push(
      single(BENCH, `clone ${files} files: isomorphic-git`, 'ms', isoClone.ms, { note: 'first pull (clone + checkout), once' }),
      single(BENCH, `clone ${files} files: git CLI`, 'ms', cliClone.ms, { note: `ratio isomorphic-git/CLI ${(isoClone.ms / cliClone.ms).toFixed(1)}×` }),
    );
    ctx.log(`cloned: iso ${isoClone.ms.toFixed(0)} ms, cli ${cliClone.ms.toFixed(0)} ms`);

    const reps = ctx.reps(5, 3);
    const isoQuiet: number[] = [];
    const cliQuiet: number[] = [];
    for (let i = 0; i < reps; i++) {
      const r = await timed(() => repo.pull());
      if (r.value.changed) throw new Error('quiet pull reported a change');
      isoQuiet.push(r.ms);
      cliQuiet.push((await timed(() => git(['pull', '-q', '--ff-only'], cliDir))).ms);
    }
    const ratio = (a: number[], b: number[]) => summarize(BENCH, '', 'ms', a).median / summarize(BENCH, '', 'ms', b).median;
    measures.push(
      summarize(BENCH, 'pull, nothing changed: gitset (isomorphic-git)', 'ms', isoQuiet, { note: `${files}-file repository; one ref listing` }),
      summarize(BENCH, 'pull, nothing changed: git CLI', 'ms', cliQuiet, { note: '`git pull --ff-only`' }),
      single(BENCH, 'pull, nothing changed: ratio gitset/CLI', 'x', ratio(isoQuiet, cliQuiet)),
    );

    const changeReps = ctx.reps(2, 2);
    const isoNew: number[] = [];
    const cliNew: number[] = [];
    for (let i = 0; i < changeReps; i++) {
      await pushOne('iso.git', i);
      await pushOne('cli.git', i);
      const r = await timed(() => repo.pull());
      if (!r.value.changed) throw new Error('pull of a new revision reported no change');
      isoNew.push(r.ms);
      cliNew.push((await timed(() => git(['pull', '-q', '--ff-only'], cliDir))).ms);
    }
    measures.push(
      summarize(BENCH, 'pull, new revision (1 file changed): gitset', 'ms', isoNew, { note: 'fetch + fast-forward + work-tree checkout' }),
      summarize(BENCH, 'pull, new revision (1 file changed): git CLI', 'ms', cliNew),
      single(BENCH, 'pull, new revision: ratio gitset/CLI', 'x', ratio(isoNew, cliNew)),
    );
    ctx.log(`pulls: quiet ${isoQuiet.map((x) => x.toFixed(0)).join('/')} vs ${cliQuiet.map((x) => x.toFixed(0)).join('/')} ms`);

    const pushReps = ctx.reps(2, 2);
    const isoPush: number[] = [];
    const cliPush: number[] = [];
    for (let round = 1; round <= pushReps; round++) {
      const status = clusterStatusFiles(fleet.clusters, round);
      const r = await timed(() => repo.commitStatus(status, { subject: `status round ${round}` }));
      if (!r.value.committed || !r.value.pushed) throw new Error(`commitStatus did not commit and push: ${JSON.stringify(r.value)}`);
      isoPush.push(r.ms);
      const c = await timed(async () => {
        writeStatus(cliDir, status);
        await git(['add', '-A', 'status'], cliDir);
        await git(['commit', '-q', '-m', `status round ${round}`], cliDir);
        await git(['push', '-q', 'origin', 'HEAD:main'], cliDir);
      });
      cliPush.push(c.ms);
      ctx.log(`commit+push ${clusters} files: iso ${r.ms.toFixed(0)} ms, cli ${c.ms.toFixed(0)} ms`);
    }
    measures.push(
      summarize(BENCH, `commit+push ${clusters} changed status files: gitset`, 'ms', isoPush, { note: 'Repo.commitStatus (objects and one pack built directly, no index or checkout; the changed status files are then written into the clone)' }),
      summarize(BENCH, `commit+push ${clusters} changed status files: git CLI`, 'ms', cliPush, { note: 'write files + add + commit + push' }),
      single(BENCH, `commit+push ${clusters} files: ratio gitset/CLI`, 'x', ratio(isoPush, cliPush)),
    );
    await repo.close();
  } finally {
    await server.close();
  }
  return measures;
}

export const benchmark: Benchmark = { name: BENCH, title: 'Git: pull and status push, isomorphic-git vs git CLI', run };
