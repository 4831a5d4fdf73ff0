// The daemon's HTTP endpoint: liveness, readiness, Prometheus metrics, and the Git push webhook.
// Loopback by default; the webhook is the only route that changes anything, and all it can do
// is enqueue a cycle.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ListenAddress } from './config.ts';
import { readWebhook } from './webhook.ts';
import { FORWARDED_HEADER } from './webhook-peers.ts';

/** Largest webhook body accepted; GitHub caps payloads at 25 MB, but a push we care about is small. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** How long a client has to send a whole request, headers and body. */
export const REQUEST_TIMEOUT_MS = 10_000;

export interface Readiness {
  ready: boolean;
  reason: string;
}

export interface HttpOptions {
  listen: ListenAddress;
  registry: Registry;
  readiness: () => Readiness;
  webhook: {
    secret?: string;
    branches: readonly string[];
    onPush: (info: { provider: string; branch: string; after?: string }) => void;
    /** Passes an accepted push on to the other replicas (webhook-peers.ts); not for a push passed on to us. */
    passOn?: (headers: IncomingMessage['headers'], body: Buffer) => void;
  };
  logger: Logger;
  /** Default REQUEST_TIMEOUT_MS. */
  requestTimeoutMs?: number;
}

export interface HttpEndpoint {
  /** Base URL, e.g. http://127.0.0.1:9090 (with the real port when 0 was asked for). */
  url: string;
  close(): Promise<void>;
}

export async function startHttpEndpoint(options: HttpOptions): Promise<HttpEndpoint> {
  const timeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  // Node enforces requestTimeout only when it checks its connections (every 30 s by default).
  const limits = { requestTimeout: timeoutMs, headersTimeout: timeoutMs, connectionsCheckingInterval: Math.min(1000, timeoutMs) };
  const server = createServer(limits, (req, res) => {
    // A response sent before the body is read (every route but the webhook) would otherwise have
    // Node drain whatever the client still sends, for as long as it sends it.
    res.once('finish', () => {
      if (!req.complete) req.socket.destroy();
    });
    route(req, res, options, timeoutMs).catch((err: unknown) => {
      options.logger.error({ err, path: req.url }, 'http handler failed');
      if (!res.headersSent) send(res, 500, 'internal error\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return { url: `http://${host}:${addr.port}`, close: () => closeServer(server) };
}

async function route(req: IncomingMessage, res: ServerResponse, options: HttpOptions, timeoutMs: number): Promise<void> {
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
      return webhook(req, res, options, timeoutMs);
    default:
      return send(res, 404, 'not found\n');
  }
}

async function webhook(req: IncomingMessage, res: ServerResponse, options: HttpOptions, timeoutMs: number): Promise<void> {
  const body = await readBody(req, MAX_BODY_BYTES, timeoutMs);
  if (body === 'too-large') {
    res.setHeader('connection', 'close');
    return send(res, 413, `body over ${MAX_BODY_BYTES} bytes\n`);
  }
  if (body === 'too-slow') {
    options.logger.warn({ remote: req.socket.remoteAddress }, 'webhook body not received in time');
    res.setHeader('connection', 'close');
    return send(res, 408, `body not received within ${timeoutMs} ms\n`);
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
      const forwarded = req.headers[FORWARDED_HEADER] !== undefined;
      options.logger.info({ provider: verdict.provider, branch, revision: verdict.after, forwarded }, 'webhook push: cycle enqueued');
      options.webhook.onPush({ provider: verdict.provider, branch, after: verdict.after });
      if (!forwarded) options.webhook.passOn?.(req.headers, body);
      return send(res, 202, 'cycle enqueued\n');
    }
    default: {
      const never: never = verdict;
      throw new Error(`unexpected verdict ${String(never)}`);
    }
  }
}

/** The body, unless it is over `limit` bytes or has not all arrived `deadlineMs` after the headers. */
function readBody(req: IncomingMessage, limit: number, deadlineMs: number): Promise<Buffer | 'too-large' | 'too-slow'> {
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
    const deadline = setTimeout(() => resolve('too-slow'), deadlineMs);
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      clearTimeout(deadline);
      resolve(over ? 'too-large' : Buffer.concat(chunks));
    });
    req.on('close', () => clearTimeout(deadline));
    req.on('error', (err) => {
      clearTimeout(deadline);
      reject(err);
    });
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
