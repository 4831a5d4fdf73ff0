// Everything `gitset demo` (and the end-to-end test) runs against, on loopback in one temp dir:
// simulated clusters with their kubeconfigs in a credentials folder, a chart repository serving
// charts/, and a Git smart-HTTP server holding a copy of the manifests. Nothing of the user's.
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { startChartRepo, type ChartRepo } from '../sim/chart-repo.ts';
import { createBareRepo, gitCliEnv, startGitServer, type GitServer } from '../sim/git-server.ts';
import { startSimCluster, type SimCluster } from '../sim/index.ts';
import { readStatusFiles, type StatusFile } from '../status/read.ts';
import type { StatusSnapshot } from '../status/snapshot.ts';
import { REVISION_STATUS_FILE } from '../daemon/revision-status.ts';
import { PROJECT_ROOT } from '../daemon/wiring.ts';

/** The chart repository URL example-repo/ names; used when the port is free, rewritten otherwise. */
export const EXAMPLE_CHART_URL = 'http://127.0.0.1:18080';

export interface SandboxOptions {
  /** `namespace/name` of each simulated cluster. */
  clusters: string[];
  /** Folder of manifests to serve (copied; its `.git` and status folder are left out) … */
  manifestsDir?: string;
  /** … or the manifests themselves, path → text. */
  manifests?: Record<string, string>;
  helmBinary: string;
  /** Port to serve charts on (EXAMPLE_CHART_URL's when free); any free port otherwise. */
  chartPort?: number;
  /** Basic auth for the Git server. */
  gitAuth?: { username: string; password: string };
}

export interface Sandbox {
  root: string;
  clusters: Map<string, SimCluster>;
  chartRepo: ChartRepo;
  gitServer: GitServer;
  /** Bare repository path and its URL on the Git server. */
  barePath: string;
  repoUrl: string;
  credentialsDir: string;
  /** Where a daemon's work dir may go. */
  workDir: string;
  /** A status file (relative to the status folder) as committed on main, read through the Git server. */
  readStatus(path: string): Promise<any>;
  /** Every status file on main (paths relative to the status folder). */
  readStatusFileList(): Promise<StatusFile[]>;
  /** Every status file on main, read back as a snapshot. */
  readSnapshot(): Promise<StatusSnapshot>;
  /** Commits on main, newest first, read through the Git server. */
  gitLog(): Promise<CommitInfo[]>;
  close(): Promise<void>;
}

export interface CommitInfo {
  oid: string;
  subject: string;
  body: string;
}

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), 'gitset-demo-'));
  const closers: Array<() => Promise<void>> = [async () => rm(root, { recursive: true, force: true })];
  const close = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    const clusters = new Map<string, SimCluster>();
    const credentialsDir = join(root, 'credentials');
    for (const key of opts.clusters) {
      const [namespace = '', name = ''] = key.split('/');
      const sim = await startSimCluster({ namespace, name });
      closers.push(() => sim.close());
      await sim.writeKubeconfig(join(credentialsDir, namespace, `${name}.kubeconfig`));
      clusters.set(key, sim);
    }

    const charts = [join(PROJECT_ROOT, 'charts', 'hello')];
    const chartRepo = await startChartRepo({ charts, helmBinary: opts.helmBinary, port: opts.chartPort ?? 0 }).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      return startChartRepo({ charts, helmBinary: opts.helmBinary, port: 0 });
    });
    closers.push(() => chartRepo.close());

    const seed = join(root, 'seed');
    await mkdir(seed, { recursive: true });
    if (opts.manifestsDir) {
      await cp(opts.manifestsDir, seed, { recursive: true, filter: (src) => !src.split('/').some((s) => s === '.git' || s === 'status') });
    }
    for (const [path, text] of Object.entries(opts.manifests ?? {})) {
      await mkdir(join(seed, path, '..'), { recursive: true });
      await writeFile(join(seed, path), text);
    }
    if (chartRepo.url !== EXAMPLE_CHART_URL) await rewriteChartUrl(seed, EXAMPLE_CHART_URL, chartRepo.url);

    const gitRoot = join(root, 'git');
    const barePath = await createBareRepo(gitRoot, 'fleet.git', seed, { message: 'Fleet manifests' });
    const gitServer = await startGitServer({ root: gitRoot, ...(opts.gitAuth ? { auth: opts.gitAuth } : {}) });
    closers.push(() => gitServer.close());

    const workDir = join(root, 'work');
    await mkdir(workDir, { recursive: true });
    const repoUrl = gitServer.url('fleet.git');
    const reader = await gitReader(repoUrl, join(root, 'reader'), opts.gitAuth);
    return { root, clusters, chartRepo, gitServer, barePath, repoUrl, credentialsDir, workDir, ...reader, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The demo's copy names the chart repository actually started (when 18080 was taken). */
async function rewriteChartUrl(dir: string, from: string, to: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.ya?ml$/.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    const text = await readFile(path, 'utf8');
    if (text.includes(from)) await writeFile(path, text.replaceAll(from, to));
  }
}

/** Reads main the way a user would: a clone fetched from the Git server before every look. */
async function gitReader(url: string, dir: string, auth?: { username: string; password: string }): Promise<Pick<Sandbox, 'readStatus' | 'readStatusFileList' | 'readSnapshot' | 'gitLog'>> {
  const env = gitCliEnv();
  const remote = auth ? url.replace('http://', `http://${encodeURIComponent(auth.username)}:${encodeURIComponent(auth.password)}@`) : url;
  await execa('git', ['clone', '--quiet', remote, dir], { env });
  const fetch = () => execa('git', ['fetch', '--quiet', 'origin'], { cwd: dir, env });
  const readStatusFileList = async (): Promise<StatusFile[]> => {
    await fetch();
    const ls = await execa('git', ['ls-tree', '-r', '--name-only', 'origin/main', 'status/'], { cwd: dir, env });
    const files: StatusFile[] = [];
    for (const path of ls.stdout.split('\n').filter((p) => p.endsWith('.yaml') && p !== `status/${REVISION_STATUS_FILE}`)) {
      const r = await execa('git', ['show', `origin/main:${path}`], { cwd: dir, env });
      files.push({ path: path.slice('status/'.length), text: r.stdout });
    }
    return files;
  };
  return {
    async readStatus(path) {
      await fetch();
      const r = await execa('git', ['show', `origin/main:status/${path}`], { cwd: dir, env, reject: false });
      return r.exitCode === 0 ? parse(r.stdout) : undefined;
    },
    readStatusFileList,
    readSnapshot: async () => readStatusFiles(await readStatusFileList()),
    async gitLog() {
      await fetch();
      const r = await execa('git', ['log', '--format=%H %s%n%b%x00', 'origin/main'], { cwd: dir, env });
      return r.stdout
        .split('\0')
        .map((c) => c.trim())
        .filter(Boolean)
        .map((c) => {
          const [head = '', ...body] = c.split('\n');
          return { oid: head.slice(0, 40), subject: head.slice(41), body: body.join('\n') };
        });
    },
  };
}
