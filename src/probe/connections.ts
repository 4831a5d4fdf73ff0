// The connection to each cluster's API server: its parsed kubeconfig (or why it is unusable) and
// a kept-alive agent, reused while the kubeconfig and the files it names are unchanged. A changed
// file, a rotated CA or token, is noticed on the next probe; clusters gone from the fleet for a
// few rounds have their connection closed. A connection also holds the kubeconfig's exec plugin
// credential (see exec-plugin.ts) for as long as the kubeconfig is unchanged, and goes through the
// kubeconfig's proxy-url or, without one, the environment's HTTPS_PROXY as helm does.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type http from 'node:http';
import type { ClusterKey, SveltosCluster } from '../model/objects.ts';
import { createAgent } from './apiserver.ts';
import { kubeconfigRelativePath, locateKubeconfig, type KubeconfigLocation } from './credentials.ts';
import { CredentialsError, KubeconfigError } from './errors.ts';
import type { ExecRuntime } from './exec-plugin.ts';
import { loadClusterEndpoint, type ClusterEndpoint } from './kubeconfig.ts';
import { proxyFromEnvironment } from './proxy.ts';

/** A probe failure whose message is already safe to commit. */
export class ProbeFailure extends Error {}

export interface Connection {
  kubeconfigPath: string;
  /** From `stat`: while it is unchanged the file is not even read. */
  kubeconfigStamp: string;
  contentHash: string;
  /** `mtime:size` of each file the kubeconfig refers to, to notice a rotated CA or token file. */
  referencedStamps: Map<string, string>;
  /** The last probe ran into the timeout: the next one goes to the suspect lane. */
  timedOut: boolean;
  target: { endpoint: ClusterEndpoint; agent: http.Agent } | { failure: string };
  lastUsedRound: number;
}

export interface Connections {
  /** The cluster's connection, reused or opened afresh; throws ProbeFailure when its kubeconfig cannot be read. */
  connectionFor(key: ClusterKey, cluster: SveltosCluster, round: number): Promise<Connection>;
  /** The cluster's open connection as the last probe left it, without touching its files; undefined when it has none. */
  current(key: ClusterKey): { endpoint: ClusterEndpoint; agent: http.Agent } | undefined;
  /** Whether the cluster's last probe timed out. */
  timedOut(key: ClusterKey): boolean;
  /** Closes the connections of clusters absent since this many rounds. */
  closeIdle(round: number, idleRounds: number): void;
  closeAll(): void;
}

/** What opening a connection needs besides the kubeconfig. */
export interface ConnectionEnvironment {
  /** Runs the exec credential plugins of one cluster's kubeconfig. */
  execFor(key: ClusterKey): ExecRuntime;
  /** HTTPS_PROXY, HTTP_PROXY, NO_PROXY: used for a kubeconfig without proxy-url, as by helm. */
  proxyEnv: Readonly<Record<string, string | undefined>>;
  onLoaded?(key: ClusterKey): void;
}

export function createConnections(credentialsDir: string, environment: ConnectionEnvironment): Connections {
  const connections = new Map<ClusterKey, Connection>();
  return {
    async connectionFor(key, cluster, round) {
      const location = locate(credentialsDir, cluster);
      const cached = connections.get(key);
      const sameFile = cached?.kubeconfigPath === location.path && cached.contentHash !== '';
      if (cached && sameFile && cached.kubeconfigStamp === location.stamp && (await stampsUnchanged(cached.referencedStamps))) {
        return cached;
      }
      const content = await readKubeconfig(location.path, cluster);
      const contentHash = createHash('sha256').update(content).digest('hex');
      if (cached && sameFile && cached.contentHash === contentHash && (await stampsUnchanged(cached.referencedStamps))) {
        // Touched or rewritten with the same content: keep the parsed kubeconfig and its connection.
        cached.kubeconfigStamp = location.stamp;
        return cached;
      }
      closeConnection(cached);
      const fresh = await openConnection(location, content, contentHash, environment, key, { timedOut: cached?.timedOut ?? false, round });
      connections.set(key, fresh);
      environment.onLoaded?.(key);
      return fresh;
    },
    current(key) {
      const target = connections.get(key)?.target;
      return target && 'agent' in target ? target : undefined;
    },
    timedOut: (key) => connections.get(key)?.timedOut === true,
    closeIdle(round, idleRounds) {
      for (const [key, connection] of connections) {
        if (round - connection.lastUsedRound >= idleRounds) {
          closeConnection(connection);
          connections.delete(key);
        }
      }
    },
    closeAll() {
      for (const connection of connections.values()) closeConnection(connection);
      connections.clear();
    },
  };
}

function locate(credentialsDir: string, cluster: SveltosCluster): KubeconfigLocation {
  try {
    return locateKubeconfig(credentialsDir, cluster);
  } catch (err) {
    if (err instanceof CredentialsError) throw new ProbeFailure(err.message);
    throw err;
  }
}

async function readKubeconfig(path: string, cluster: SveltosCluster): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch {
    throw new ProbeFailure(`kubeconfig unreadable: ${kubeconfigRelativePath(cluster)}`);
  }
}

/** Parses the kubeconfig and opens an agent; a broken kubeconfig is remembered like a good one. */
async function openConnection(
  location: KubeconfigLocation,
  content: Buffer,
  contentHash: string,
  environment: ConnectionEnvironment,
  key: ClusterKey,
  carried: { timedOut: boolean; round: number },
): Promise<Connection> {
  const fresh: Connection = {
    kubeconfigPath: location.path,
    kubeconfigStamp: location.stamp,
    contentHash,
    referencedStamps: new Map(),
    timedOut: carried.timedOut,
    target: { failure: '' },
    lastUsedRound: carried.round,
  };
  try {
    const endpoint = await loadClusterEndpoint(content.toString('utf8'), dirname(location.path), environment.execFor(key));
    if (endpoint.proxy === undefined) {
      const proxy = proxyFromEnvironment(endpoint.server, environment.proxyEnv);
      if (proxy) endpoint.proxy = proxy;
    }
    fresh.referencedStamps = await stampsOf(endpoint.files);
    fresh.target = { endpoint, agent: createAgent(endpoint) };
  } catch (err) {
    if (!(err instanceof KubeconfigError)) throw err;
    // A broken file is parsed again only once it changes. A missing CA or token file may
    // appear without the kubeconfig changing: look again next time.
    fresh.target = { failure: err.message };
    if (err.code === 'referenced-file-unreadable') fresh.contentHash = '';
  }
  return fresh;
}

function closeConnection(connection: Connection | undefined): void {
  if (connection && 'agent' in connection.target) connection.target.agent.destroy();
}

async function stampsOf(files: readonly string[]): Promise<Map<string, string>> {
  const stamps = new Map<string, string>();
  for (const file of files) {
    try {
      const s = await stat(file);
      stamps.set(file, `${s.mtimeMs}:${s.size}:${s.ino}`);
    } catch {
      stamps.set(file, 'missing');
    }
  }
  return stamps;
}

async function stampsUnchanged(stamps: Map<string, string>): Promise<boolean> {
  if (stamps.size === 0) return true;
  const now = await stampsOf([...stamps.keys()]);
  for (const [file, stamp] of stamps) if (now.get(file) !== stamp) return false;
  return true;
}
