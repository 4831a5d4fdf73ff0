// Simulated clusters for the demo and the tests: one in-memory API server per cluster, with
// the kubeconfig a user of that cluster would have.
import { randomBytes } from 'node:crypto';
import { startApiServer, type RequestRecord, type SimApiServer } from './apiserver.ts';
import type { KubeObject } from './apiserver-store.ts';
import { renderKubeconfig, writeKubeconfigFile } from './kubeconfig.ts';

export type { RequestRecord, SimApiServer } from './apiserver.ts';
export type { KubeObject } from './apiserver-store.ts';
export { NEVER_READY_IMAGE_MARKER } from './apiserver-workload-status.ts';
export { startChartRepo, type ChartRepo, type ChartRepoOptions, type ChartSource } from './chart-repo.ts';
export { renderKubeconfig, writeKubeconfigFile, type KubeconfigInput } from './kubeconfig.ts';

export interface SimClusterOptions {
  /** Namespace and name of the SveltosCluster this simulates (`civo`, `cluster1`). */
  namespace: string;
  name: string;
  /** gitVersion answered on /version; default `v1.29.2+k3s1`. */
  version?: string;
  /** Bearer token; a random one by default. */
  token?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** The server's clock, which granted tokens expire by (default: the system's). */
  clock?: () => Date;
}

export interface SimCluster {
  /** `civo/cluster1` */
  readonly key: string;
  readonly url: string;
  readonly caPem: string;
  readonly token: string;
  /**
   * The API server itself, for failure injection: setLatency, setFailing, hang, requests.
   * Workloads whose container image contains `never-ready` never become ready (see
   * apiserver-workload-status.ts).
   */
  readonly server: SimApiServer;
  kubeconfig(): string;
  /** Writes the kubeconfig with mode 0600 (folders 0700). */
  writeKubeconfig(path: string): Promise<void>;
  /** Stored objects, optionally of one kind (`ConfigMap`), in `apiVersion`/`kind` form. */
  objects(kind?: string): KubeObject[];
  /** GET on an API path (`/api/v1/namespaces/x/configmaps/y`) without the network; undefined when absent. */
  get(apiPath: string): KubeObject | undefined;
  /** Stops answering (connections refused); state is kept. */
  stop(): Promise<void>;
  /** Listens again on the same port with the same CA. */
  start(): Promise<void>;
  /**
   * The cluster rebuilt empty behind the same kubeconfig: stops, then serves again on the same
   * port, CA and token with nothing stored but a new cluster's namespaces (no releases, no
   * CRDs). Latency, failing and hang settings are kept.
   */
  rebuild(): Promise<void>;
  /** Stops for good. */
  close(): Promise<void>;
  setLatency(ms: number): void;
  setFailing(code: number | null): void;
  hang(on: boolean): void;
  /** Probes answered; every other request drip-fed, never ending (see SimApiServer.drip). */
  drip(on: boolean): void;
  requests(): readonly RequestRecord[];
}

export async function startSimCluster(opts: SimClusterOptions): Promise<SimCluster> {
  const key = `${opts.namespace}/${opts.name}`;
  const token = opts.token ?? randomBytes(24).toString('hex');
  const server = await startApiServer({ token, version: opts.version ?? 'v1.29.2+k3s1', port: opts.port, name: key, ...(opts.clock ? { clock: opts.clock } : {}) });
  const kubeconfig = (): string =>
    renderKubeconfig({ name: `${opts.namespace}-${opts.name}`, server: server.url, caPem: server.caPem, token });
  return {
    key,
    get url() {
      return server.url;
    },
    caPem: server.caPem,
    token,
    server,
    kubeconfig,
    writeKubeconfig: (path) => writeKubeconfigFile(path, kubeconfig()),
    objects: (kind) => objectsOf(server, kind),
    get: (apiPath) => getByPath(server, apiPath),
    stop: () => server.stop(),
    start: () => server.start(),
    rebuild: () => server.rebuild(),
    close: () => server.stop(),
    setLatency: (ms) => server.setLatency(ms),
    setFailing: (code) => server.setFailing(code),
    hang: (on) => server.hang(on),
    drip: (on) => server.drip(on),
    requests: () => server.requests(),
  };
}

function objectsOf(server: SimApiServer, kind?: string): KubeObject[] {
  const byKey = new Map(server.registry.all().map((rt) => [`${rt.group}/${rt.resource}`, rt]));
  return server.store
    .allObjects()
    .map(({ typeKey, object }) => {
      const rt = byKey.get(typeKey);
      return rt ? { apiVersion: rt.group ? `${rt.group}/${rt.version}` : rt.version, kind: rt.kind, ...object } : object;
    })
    .filter((o) => kind === undefined || o.kind === kind);
}

function getByPath(server: SimApiServer, apiPath: string): KubeObject | undefined {
  const parts = apiPath.split('/').filter((p) => p !== '');
  const [root, ...rest] = parts;
  const [group, version, segs] = root === 'api' ? ['', rest[0] ?? '', rest.slice(1)] : [rest[0] ?? '', rest[1] ?? '', rest.slice(2)];
  const namespaced = segs[0] === 'namespaces' && segs.length === 4;
  const [resource, name, namespace] = namespaced ? [segs[2]!, segs[3]!, segs[1]] : [segs[0] ?? '', segs[1] ?? '', undefined];
  const rt = server.registry.find(group, version, resource);
  if (!rt) return undefined;
  const o = server.store.get(rt, namespace, name);
  return o && { apiVersion: rt.group ? `${rt.group}/${rt.version}` : rt.version, kind: rt.kind, ...o };
}
