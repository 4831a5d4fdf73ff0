// A simulated Kubernetes API server on loopback: HTTPS with its own CA, bearer-token auth,
// health and version endpoints, discovery and generic CRUD over in-memory objects. Real
// clients (helm, kubectl, gitset's prober) talk to it as to any cluster. Failure injection
// (latency, error answers, hanging, stop/start on the same port, a rebuild that comes back
// empty) serves the failure tests.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { SimAuthenticator } from './apiserver-auth.ts';
import { createCertificateAuthority, issueClientCertificate, issueServingCertificate, type CertificateAuthority, type ServingCertificate } from './certs.ts';
import { listenOnLoopback } from './listen.ts';
import { ResourceRegistry } from './apiserver-discovery.ts';
import { ApiError, reasonForCode, sendJson, sendStatus } from './apiserver-http.ts';
import { crdTypes, convergedStatus, serverDefaults } from './apiserver-controllers.ts';
import { ResourceApi } from './apiserver-resources.ts';
import { routeOf } from './apiserver-routes.ts';
import { ObjectStore, type KubeObject } from './apiserver-store.ts';
import { runDeploymentController } from './apiserver-workloads.ts';
import { RequestLog, type RequestRecord } from './apiserver-requests.ts';
import { serveDiscovery, serveOpenApi, versionInfo } from './apiserver-info.ts';

export type { RequestRecord };

export interface ApiServerOptions {
  /** Bearer token clients may present (more with `grantToken`, or a client certificate). */
  token: string;
  /** gitVersion answered on /version, e.g. `v1.29.2+k3s1`. */
  version?: string;
  /** 0 (default) picks a free port; a restart keeps the port chosen first. */
  port?: number;
  /** Names the CA in certificate dumps, e.g. `civo/cluster1`. */
  name?: string;
  clock?: () => Date;
}

export class SimApiServer {
  readonly caPem: string;
  private readonly ca: CertificateAuthority;
  private readonly auth: SimAuthenticator;
  private readonly cert: { certPem: string; keyPem: string };
  private readonly now: () => Date;
  private contents!: { store: ObjectStore; registry: ResourceRegistry; resources: ResourceApi };
  private server: Server | undefined;
  private port: number;
  private latencyMs = 0;
  private failingCode: number | null = null;
  private hanging = false;
  /** Answers probes (health, version) but sends everything else a byte at a time, never ending. */
  private dripping = false;
  private readonly hung = new Set<ServerResponse>();
  private readonly log = new RequestLog();
  private nextServiceIp = 10;

  constructor(private readonly opts: ApiServerOptions) {
    const ca = createCertificateAuthority(`gitset-sim ${opts.name ?? 'cluster'} CA`);
    this.ca = ca;
    this.caPem = ca.certPem;
    this.cert = issueServingCertificate(ca);
    this.port = opts.port ?? 0;
    this.now = opts.clock ?? (() => new Date());
    this.auth = new SimAuthenticator(opts.token, this.now);
    this.contents = this.emptyCluster();
  }

  /** A fresh store with only what every cluster has from the start (its namespaces), and its controllers. */
  private emptyCluster(): { store: ObjectStore; registry: ResourceRegistry; resources: ResourceApi } {
    const registry = new ResourceRegistry();
    const store = new ObjectStore(this.now, (rt, obj) => this.converge(rt, obj));
    runDeploymentController(store, registry);
    const ns = registry.find('', 'v1', 'namespaces')!;
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      store.create(ns, { metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } });
    }
    this.nextServiceIp = 10;
    return { store, registry, resources: new ResourceApi(registry, store, this.now) };
  }

  /** The objects stored; replaced by `rebuild()`. */
  get store(): ObjectStore {
    return this.contents.store;
  }

  /** The served types (built-in and from CRDs); replaced by `rebuild()`. */
  get registry(): ResourceRegistry {
    return this.contents.registry;
  }

  private converge(rt: Parameters<typeof convergedStatus>[0], obj: KubeObject): void {
    serverDefaults(rt, obj, () => `10.43.${Math.floor(this.nextServiceIp / 250)}.${(this.nextServiceIp++ % 250) + 1}`);
    const status = convergedStatus(rt, obj, this.now().toISOString().replace(/\.\d{3}Z$/, 'Z'));
    if (status) obj.status = status;
    if (rt.kind === 'CustomResourceDefinition' && rt.group === 'apiextensions.k8s.io') {
      const types = crdTypes(obj);
      const first = types[0];
      if (first) this.registry.setCustom(first.group, first.resource, types);
    }
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get token(): string {
    return this.opts.token;
  }

  /** Accepts `token` too, until `expiresAt` by the server's clock when given. */
  grantToken(token: string, expiresAt?: Date): void {
    this.auth.grant(token, expiresAt);
  }

  /** Refuses `token` from now on (401), as a revoked or rotated credential. */
  revokeToken(token: string): void {
    this.auth.revoke(token);
  }

  /** A client certificate and key for `user`, signed by the cluster's CA, which the server accepts. */
  issueClientCertificate(user: string): ServingCertificate {
    return issueClientCertificate(this.ca, user);
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  async start(): Promise<void> {
    if (this.server?.listening) return;
    // Go clients keep idle connections for 90 s; closing them sooner (Node's default is 5 s)
    // makes a reused connection fail mid-request now and then, which a real server does not do.
    // Like kube-apiserver: a client certificate is asked for (verified against the CA) but not required.
    const tls = { cert: this.cert.certPem, key: this.cert.keyPem, ca: this.caPem, requestCert: true, rejectUnauthorized: false };
    const server = createServer(tls, (req, res) => {
      this.serve(req, res).catch((err) => this.fail(res, err));
    });
    server.keepAliveTimeout = 120_000;
    this.port = await listenOnLoopback(server, this.port);
    this.server = server;
  }

  /** Stops listening and drops every open connection; state and port survive for `start()`. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.hung.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /**
   * A cluster rebuilt behind the same kubeconfig: stops (dropping every connection and watch),
   * then listens again on the same port with the same CA and token, and nothing stored but
   * the namespaces a new cluster has. Failure injection settings and the request log are kept.
   */
  async rebuild(): Promise<void> {
    await this.stop();
    this.contents = this.emptyCluster();
    await this.start();
  }

  /** Delay before each answer, in ms (0 = none). */
  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  /** Answer every request with this status code (e.g. 500), or null to answer normally again. */
  setFailing(code: number | null): void {
    this.failingCode = code;
  }

  /** Accept connections and requests but never answer; turning it off drops the held ones. */
  hang(on: boolean): void {
    this.hanging = on;
    if (!on) this.dropHeld();
  }

  /**
   * Answer the probe endpoints (/livez, /readyz, /healthz, /version) as usual, and every other
   * request with headers then a byte every 200 ms, never ending: a server that passes its probe and
   * then holds a reader as long as it lets itself be held. Turning it off drops the held ones.
   */
  drip(on: boolean): void {
    this.dripping = on;
    if (!on) this.dropHeld();
  }

  private dropHeld(): void {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
  }

  /** The last requests (up to 5000), oldest first. */
  requests(): readonly RequestRecord[] {
    return this.log.list();
  }

  /** How many requests arrived since start-up (or the last `clearRequests`). */
  requestCount(): number {
    return this.log.count();
  }

  clearRequests(): void {
    this.log.clear();
  }

  private dripTo(res: ServerResponse): void {
    this.hung.add(res);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{');
    const timer = setInterval(() => res.write(' '), 200);
    timer.unref();
    res.on('close', () => {
      clearInterval(timer);
      this.hung.delete(res);
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.log.record(req, res);
    if (this.hanging) {
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return;
    }
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs).unref()); // never keeps a test process alive
    if (this.failingCode !== null) {
      const code = this.failingCode;
      throw new ApiError(reasonForCode(code), `simulated failure: the server answers ${code}`, undefined, code);
    }
    if (!this.auth.authenticated(req)) throw new ApiError('Unauthorized', 'Unauthorized');
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const route = routeOf(url.pathname, this.registry);
    if (this.dripping && route.kind !== 'health' && route.kind !== 'version') return this.dripTo(res);
    switch (route.kind) {
      case 'health':
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
        res.end(url.searchParams.has('verbose') ? `[+]ping ok\n[+]etcd ok\n${route.check} check passed\n` : 'ok');
        return;
      case 'version':
        return sendJson(res, 200, versionInfo(this.opts.version ?? 'v1.29.2'));
      case 'resource':
        return this.contents.resources.handle(req, res, route.route, url.searchParams);
      case 'openapi':
        return serveOpenApi(res, route.path);
      case 'coreVersions':
      case 'groupList':
      case 'group':
      case 'resourceList':
        return serveDiscovery(req, res, route, this.registry);
      case 'unknown':
        throw new ApiError('NotFound', 'the server could not find the requested resource');
      default: {
        const never: never = route;
        return never;
      }
    }
  }

  private fail(res: ServerResponse, err: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const apiErr = err instanceof ApiError ? err : new ApiError('InternalError', `internal error: ${err instanceof Error ? err.message : String(err)}`);
    sendStatus(res, apiErr);
  }
}

/** Creates and starts a simulated API server. */
export async function startApiServer(opts: ApiServerOptions): Promise<SimApiServer> {
  const server = new SimApiServer(opts);
  await server.start();
  return server;
}
