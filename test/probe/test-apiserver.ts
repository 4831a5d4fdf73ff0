// A tiny HTTPS server answering /version and /readyz like a kube-apiserver, for failure injection
// the simulated cluster does not offer: counting simultaneous requests and TLS connections,
// requiring client certificates, answering 404 on /readyz. Real TLS, real sockets.
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, issueServingCertificate } from '../../src/sim/certs.ts';

export type TestServerMode = 'ok' | 'hang' | 'stall-body' | 'version-500' | 'readyz-500' | 'readyz-404';

export interface TestAPIServer {
  url: string;
  caPem: string;
  token: string;
  mode: TestServerMode;
  /** Added before every answer. */
  delayMs: number;
  readonly stats: { requests: number; inFlight: number; maxInFlight: number; tlsConnections: number };
  close(): Promise<void>;
}

export interface TestServerOptions {
  version?: string;
  token?: string;
  /** When set, clients must present a certificate signed by this CA instead of a token. */
  clientCA?: { caPem: string };
}

export async function startTestAPIServer(options: TestServerOptions = {}): Promise<TestAPIServer> {
  const ca = createCertificateAuthority('gitset-test apiserver');
  const serving = issueServingCertificate(ca);
  const token = options.token ?? 'test-token-0123456789abcdef';
  const version = options.version ?? 'v1.30.1+test';
  const sockets = new Set<Socket>();
  const server = https.createServer({
    cert: serving.certPem,
    key: serving.keyPem,
    ...(options.clientCA ? { requestCert: true, rejectUnauthorized: true, ca: options.clientCA.caPem } : {}),
  });
  const state: TestAPIServer = {
    url: '',
    caPem: ca.certPem,
    token,
    mode: 'ok',
    delayMs: 0,
    stats: { requests: 0, inFlight: 0, maxInFlight: 0, tlsConnections: 0 },
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', () => state.stats.tlsConnections++);
  server.on('request', (req, res) => {
    const stats = state.stats;
    stats.requests++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    res.on('close', () => stats.inFlight--);
    if (state.mode === 'hang') return; // accepted, never answered
    if (state.mode === 'stall-body') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"gitVersion":'); // headers and half a body, then nothing
      return;
    }
    const answer = () => {
      if (!options.clientCA && req.headers.authorization !== `Bearer ${token}`) return send(401, { kind: 'Status', code: 401 });
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      if (path === '/version') {
        if (state.mode === 'version-500') return send(500, { kind: 'Status', code: 500 });
        return send(200, { major: '1', minor: '30', gitVersion: version });
      }
      if (path === '/readyz') {
        if (state.mode === 'readyz-500') return send(500, '[-]etcd failed: reason withheld\nreadyz check failed');
        if (state.mode === 'readyz-404') return send(404, { kind: 'Status', code: 404 });
        return send(200, 'ok');
      }
      return send(404, { kind: 'Status', code: 404 });
    };
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (state.delayMs > 0) setTimeout(answer, state.delayMs);
    else answer();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  state.url = `https://127.0.0.1:${address.port}`;
  return state;
}

/** Whether the openssl CLI can be run (it makes the client certificates). */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * A client CA and a certificate it signed (extKeyUsage clientAuth), made by the openssl CLI so
 * the test does not depend on how the simulator builds its own certificates.
 */
export function createClientCertificate(): { caPem: string; certPem: string; keyPem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gitset-client-cert-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=gitset-test client CA', '-days', '1');
    openssl('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=gitset');
    writeFileSync(join(dir, 'ext'), 'extendedKeyUsage=clientAuth\n');
    openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', '1', '-days', '1', '-extfile', 'ext', '-out', 'client.crt');
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    return { caPem: read('ca.crt'), certPem: read('client.crt'), keyPem: read('client.key') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
