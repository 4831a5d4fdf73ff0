// A tiny HTTPS server answering /version and /readyz like a kube-apiserver, for failure injection
// the simulated cluster does not offer: counting simultaneous requests and TLS connections,
// requiring client certificates, answering 404 on /readyz. Real TLS, real sockets.
import { once } from 'node:events';
import { generateKeyPairSync } from 'node:crypto';
import https from 'node:https';
import type { Socket } from 'node:net';
import forge from 'node-forge';
import { createCertificateAuthority, issueServingCertificate, type CertificateAuthority } from '../../src/sim/certs.ts';

export type TestServerMode = 'ok' | 'hang' | 'version-500' | 'readyz-500' | 'readyz-404';

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
  clientCA?: CertificateAuthority;
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
    ...(options.clientCA ? { requestCert: true, rejectUnauthorized: true, ca: options.clientCA.certPem } : {}),
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

/** A client certificate (extKeyUsage clientAuth) signed by `ca`, for kubeconfigs' client-certificate-data. */
export function issueClientCertificate(ca: CertificateAuthority, commonName = 'gitset'): { certPem: string; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 3_600_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([{ name: 'extKeyUsage', clientAuth: true }]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: privateKey };
}
