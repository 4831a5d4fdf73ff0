// A local Helm chart repository on loopback, for tests and the demo: charts packaged with
// `helm package`, indexed with `helm repo index`, index.yaml and .tgz served over plain HTTP,
// so that `repositoryURL` goes through helm's real repository code.
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { listenOnLoopback } from './listen.ts';

/**
 * A chart source folder, optionally packaged under another version than its Chart.yaml says, and
 * signed (`helm package --sign`: a `.prov` file served beside the package) with a key of a keyring.
 */
export type ChartSource = string | { dir: string; version?: string; appVersion?: string; sign?: { key: string; keyring: string } };

export interface ChartRepoOptions {
  charts: ChartSource[];
  helmBinary: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface ChartRepo {
  /** `http://127.0.0.1:PORT`: what a ClusterProfile's `repositoryURL` names. */
  readonly url: string;
  /** Folder holding index.yaml and the packages. */
  readonly dir: string;
  /** Packages more charts (e.g. a new version) and re-indexes. */
  add(...charts: ChartSource[]): Promise<void>;
  /** Paths requested so far (`/index.yaml`, `/hello-0.1.0.tgz`), oldest first. */
  requests(): readonly string[];
  close(): Promise<void>;
}

export class ChartRepoError extends Error {
  readonly code = 'CHART_REPO_FAILED';
}

async function helm(binary: string, args: string[], home: string): Promise<void> {
  // A private helm home: packaging must not read or write the user's repositories or cache.
  const env = { HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };
  const result = await execa(binary, args, { env, reject: false, timeout: 60_000 });
  if (result.exitCode !== 0) {
    throw new ChartRepoError(`helm ${args[0]} ${args[1] ?? ''} failed: ${String(result.stderr).trim() || String(result.stdout).trim()}`);
  }
}

export async function startChartRepo(opts: ChartRepoOptions): Promise<ChartRepo> {
  const dir = await mkdtemp(join(tmpdir(), 'gitset-charts-'));
  const home = await mkdtemp(join(tmpdir(), 'gitset-helm-home-'));
  const requested: string[] = [];
  const server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname.slice(1));
    requested.push(`/${name}`);
    const servable = name === 'index.yaml' || ((name.endsWith('.tgz') || name.endsWith('.tgz.prov')) && basename(name) === name);
    if (req.method !== 'GET' || !servable) {
      res.writeHead(404).end('not found\n');
      return;
    }
    const path = join(dir, name);
    stat(path).then(
      (s) => {
        res.writeHead(200, { 'Content-Type': name.endsWith('.yaml') ? 'application/x-yaml' : name.endsWith('.prov') ? 'text/plain' : 'application/gzip', 'Content-Length': s.size });
        createReadStream(path).pipe(res);
      },
      () => res.writeHead(404).end('not found\n'),
    );
  });
  const port = await listenOnLoopback(server, opts.port ?? 0);
  const url = `http://127.0.0.1:${port}`;

  const add = async (...charts: ChartSource[]): Promise<void> => {
    for (const chart of charts) {
      const source = typeof chart === 'string' ? { dir: chart } : chart;
      const args = ['package', source.dir, '--destination', dir];
      if (source.version) args.push('--version', source.version);
      if (source.appVersion) args.push('--app-version', source.appVersion);
      if (source.sign) args.push('--sign', '--key', source.sign.key, '--keyring', source.sign.keyring);
      await helm(opts.helmBinary, args, home);
    }
    await helm(opts.helmBinary, ['repo', 'index', dir, '--url', url], home);
  };

  const close = async (): Promise<void> => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await rm(dir, { recursive: true, force: true });
    await rm(home, { recursive: true, force: true });
  };

  try {
    await add(...opts.charts);
  } catch (err) {
    await close();
    throw err;
  }
  return { url, dir, add, requests: () => [...requested], close };
}
