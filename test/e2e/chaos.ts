// Failure injection for the chaos tests, for what the real parts cannot be made to do on cue:
// a Git server that takes requests and does not answer, a TLS endpoint that never handshakes,
// a helm that hangs on one release. Plus `gitset run` as a real process with its JSON log.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { PROJECT_ROOT } from '../../src/daemon/wiring.ts';
import type { Sandbox } from '../../src/demo/sandbox.ts';
import { seedManifests } from '../../src/demo/seed.ts';

/** The simulated clusters of the chaos world (the black hole is no simulated cluster). */
export const CHAOS_CLUSTERS = ['civo/cluster1', 'civo/cluster2', 'civo/cluster3', 'civo/cluster4'];

const cluster = (name: string, env: string) =>
  `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata:\n  name: ${name}\n  namespace: civo\n  labels:\n    env: ${env}\nspec: {}\n`;
const profile = (name: string, env: string, release: string, chartUrl: string) => `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: ${name}
spec:
  clusterSelector: {matchLabels: {env: ${env}}}
  helmCharts:
  - {repositoryURL: "${chartUrl}", repositoryName: hello, chartName: hello/hello, chartVersion: 0.1.0, releaseName: ${release}, releaseNamespace: ${release}}
`;

/**
 * The seed (cluster1 and cluster2 in ClusterSet prod, kyverno on it) plus cluster3 and a black
 * hole (profile edge: helm must never go there) and cluster4 (profile stuck, release
 * `stuck-hello`, for a helm that hangs on it).
 */
export function chaosManifests(chartUrl = 'http://127.0.0.1:18080'): Record<string, string> {
  return {
    ...seedManifests(chartUrl),
    'clusters/cluster3.yaml': cluster('cluster3', 'edge'),
    'clusters/blackhole.yaml': cluster('blackhole', 'edge'),
    'clusters/cluster4.yaml': cluster('cluster4', 'misc'),
    'profiles/edge.yaml': profile('edge', 'edge', 'edge-hello', chartUrl),
    'profiles/stuck.yaml': profile('stuck', 'misc', 'stuck-hello', chartUrl),
  };
}

/** cluster3 completes TLS and never answers HTTP; civo/blackhole's kubeconfig points at a black hole. Returns the closer. */
export async function hangClusters(sandbox: Sandbox): Promise<() => Promise<void>> {
  sandbox.clusters.get('civo/cluster3')!.hang(true);
  const hole = await startBlackHole();
  const kubeconfig = await readFile(join(sandbox.credentialsDir, 'civo', 'cluster4.kubeconfig'), 'utf8');
  await writeFile(join(sandbox.credentialsDir, 'civo', 'blackhole.kubeconfig'), kubeconfig.replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${hole.port}`), { mode: 0o600 });
  return () => hole.close();
}

/** A helm that hangs on `upgrade` of a release whose name contains `match` (its `sleep` child's pid in `pidFile`), real helm otherwise. */
export async function hangingHelm(dir: string, realHelm: string, match = ''): Promise<{ path: string; pidFile: string }> {
  const path = join(dir, 'hanging-helm');
  const pidFile = join(dir, 'hanging-helm.pid');
  const script = [
    '#!/bin/sh',
    `if [ "$1" = upgrade ]; then case "$*" in *'${match}'*)`,
    `  sleep 300 & echo $! > '${pidFile}'; wait $!; exit 1 ;;`,
    'esac; fi',
    `exec '${realHelm}' "$@"`,
    '',
  ].join('\n');
  await writeFile(path, script);
  await chmod(path, 0o755);
  return { path, pidFile };
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A TCP endpoint that accepts connections and never says a word: a TLS handshake never completes. */
export async function startBlackHole(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined).on('close', () => sockets.delete(s));
  });
  const port = await listen(server);
  return {
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A proxy in front of the Git server. While hung it takes connections and requests and answers
 * nothing (what it was sent is held); `release()` forwards the held requests, and the server
 * answers late, as a stalled server that recovers.
 */
export interface GitProxy {
  url: string;
  hang(): void;
  release(): void;
  close(): Promise<void>;
}

export async function startGitProxy(upstreamUrl: string): Promise<GitProxy> {
  const upstream = new URL(upstreamUrl);
  let hung = false;
  const held: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const server = connect(Number(upstream.port), upstream.hostname);
    for (const s of [client, server]) {
      sockets.add(s);
      s.on('error', () => undefined).on('close', () => {
        sockets.delete(s);
        client.destroy();
        server.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => (hung ? held.push(() => server.write(chunk)) : server.write(chunk)));
    server.pipe(client);
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    hang: () => void (hung = true),
    release() {
      hung = false;
      for (const send of held.splice(0)) send();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface GitsetProcess {
  child: ResultPromise;
  /** Every JSON line logged so far. */
  lines: Array<Record<string, unknown>>;
  logged(msg: string, where?: (line: Record<string, unknown>) => boolean): boolean;
}

/** The JSON log lines a gitset process writes to stdout, kept as they arrive (`{ unparsed }` for others). */
export function jsonLines(child: ResultPromise): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  let rest = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (rest + String(chunk)).split('\n');
    rest = parts.pop() ?? '';
    for (const l of parts.filter(Boolean)) {
      try {
        lines.push(JSON.parse(l));
      } catch {
        lines.push({ unparsed: l });
      }
    }
  });
  return lines;
}

/** `gitset run` as a real process (JSON logs on stdout). */
export function startGitset(cwd: string, args: string[]): GitsetProcess {
  const child = execa(process.execPath, [join(PROJECT_ROOT, 'bin', 'gitset.js'), 'run', '--listen', '127.0.0.1:0', '--log-format', 'json', ...args], { cwd, reject: false, stdin: 'ignore', forceKillAfterDelay: false });
  const lines = jsonLines(child);
  return { child, lines, logged: (msg, where = () => true) => lines.some((l) => l.msg === msg && where(l)) };
}
