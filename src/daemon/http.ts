// The daemon's HTTP endpoint: liveness, readiness, Prometheus metrics, and the Git push webhook.
// Loopback by default; the webhook is the only route that changes anything, and all it can do
// is enqueue a cycle.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ListenAddress } from './config.ts';
import { readWebhook } from './webhook.ts';

/** Largest webhook body accepted; GitHub caps payloads at 25 MB, but a push we care about is small. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface Readiness {
  ready: boolean;
  reason: string;
}

export interface HttpOptions {
  listen: ListenAddress;
  registry: Registry;
  readiness: () => Readiness;
  webhook: { secret?: string; branches: readonly string[]; onPush: (info: { provider: string; branch: string; after?: string }) => void };
  logger: Logger;
}

export interface HttpEndpoint {
  /** Base URL, e.g. http://127.0.0.1:9090 (with the real port when 0 was asked for). */
  url: string;
  close(): Promise<void>;
}

export async function startHttpEndpoint(options: HttpOptions): Promise<HttpEndpoint> {
  const server = createServer((req, res) => {
    route(req, res, options).catch((err: unknown) => {
      options.logger.error({ err, path: req.url }, 'http handler failed');
      if (!res.headersSent) send(res, 500, 'internal error\n');
    });
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return { url: `http://${host}:${addr.port}`, close: () => closeServer(server) };
}

async function route(req: IncomingMessage, res: ServerResponse, options: HttpOptions): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  switch (path) {
    case '/healthz':
      return send(res, 200, 'ok\n');
    case '/readyz': {
      const r = options.readiness();
      return send(res, r.ready ? 200 : 503, `${r.reason}\n`);
    }
    case '/metrics':
      res.setHeader('content-type', options.registry.contentType);
      return send(res, 200, await options.registry.metrics());
    case '/hooks/git':
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        return send(res, 405, 'POST only\n');
      }
      return webhook(req, res, options);
    default:
      return send(res, 404, 'not found\n');
  }
}

async function webhook(req: IncomingMessage, res: ServerResponse, options: HttpOptions): Promise<void> {
  const body = await readBody(req, MAX_BODY_BYTES);
  if (body === 'too-large') {
    res.setHeader('connection', 'close');
    return send(res, 413, `body over ${MAX_BODY_BYTES} bytes\n`);
  }
  const verdict = readWebhook(req.headers, body, options.webhook.secret);
  switch (verdict.kind) {
    case 'unverified':
      options.logger.warn({ reason: verdict.reason, remote: req.socket.remoteAddress }, 'webhook rejected');
      return send(res, 401, 'unverified\n');
    case 'ignored':
      options.logger.debug({ provider: verdict.provider, reason: verdict.reason }, 'webhook ignored');
      return send(res, 202, `ignored: ${verdict.reason}\n`);
    case 'push': {
      const branch = verdict.branch;
      if (branch === undefined || !options.webhook.branches.includes(branch)) {
        return send(res, 202, `ignored: ${verdict.ref} is not a watched branch\n`);
      }
      options.logger.info({ provider: verdict.provider, branch, revision: verdict.after }, 'webhook push: cycle enqueued');
      options.webhook.onPush({ provider: verdict.provider, branch, after: verdict.after });
      return send(res, 202, 'cycle enqueued\n');
    }
    default: {
      const never: never = verdict;
      throw new Error(`unexpected verdict ${String(never)}`);
    }
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      resolve('too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  if (!res.hasHeader('content-type')) res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end(body);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
