// Credentials and ways of reaching a simulated cluster: client certificates, proxies, the flat
// layout of a mounted Secret, kubeconfigs that appear while the prober runs.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ProbeResult } from '../../src/model/ports.ts';
import { createProber, type ClusterProber } from '../../src/probe/prober.ts';
import { createCertificateAuthority, issueServingCertificate } from '../../src/sim/certs.ts';
import { startSimCluster, type SimCluster } from '../../src/sim/index.ts';
import { kubeconfigYaml, sveltosCluster, writeCredential } from './kubeconfigs.ts';

const credentials = realpathSync(mkdtempSync(join(tmpdir(), 'gitset-credentials-sim-')));
const probers: ClusterProber[] = [];
let sim: SimCluster;

before(async () => {
  sim = await startSimCluster({ namespace: 'civo', name: 'cluster1' });
});

after(async () => {
  for (const p of probers) p.close();
  await sim?.close();
  rmSync(credentials, { recursive: true, force: true });
});

function prober(): ClusterProber {
  const p = createProber({ credentialsDir: credentials, timeoutMs: 3000 });
  probers.push(p);
  return p;
}

async function probe(p: ClusterProber, namespace: string, name: string): Promise<ProbeResult> {
  const r = (await p.probeAll([sveltosCluster(namespace, name)])).get(`${namespace}/${name}`);
  assert.ok(r);
  return r;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('client certificates', () => {
  test('a certificate signed by the cluster CA authenticates without a token; another CA\'s does not', async () => {
    const admin = sim.server.issueClientCertificate('admin');
    const user = (cert: { certPem: string; keyPem: string }) => ({ 'client-certificate-data': b64(cert.certPem), 'client-key-data': b64(cert.keyPem) });
    writeCredential(credentials, 'certs/good.kubeconfig', kubeconfigYaml({ server: sim.url, caPem: sim.caPem, user: user(admin) }));
    const stranger = issueServingCertificate(createCertificateAuthority('someone else'));
    writeCredential(credentials, 'certs/bad.kubeconfig', kubeconfigYaml({ server: sim.url, caPem: sim.caPem, user: user(stranger) }));
    const p = prober();
    assert.equal((await probe(p, 'certs', 'good')).ok, true);
    assert.equal((await probe(p, 'certs', 'bad')).message, '401 Unauthorized');
  });
});

/**
 * A forward proxy that only tunnels (CONNECT), as corporate proxies do; records what it was asked.
 * Every name resolves to 127.0.0.1 behind it, as names only the proxy's network knows do.
 */
async function startProxy(tls?: { certPem: string; keyPem: string }) {
  const seen: Array<{ target: string; auth?: string }> = [];
  let refuse = false;
  const server = tls ? https.createServer({ cert: tls.certPem, key: tls.keyPem }) : http.createServer();
  server.on('request', (_req, res) => res.writeHead(405).end());
  const tunnels = new Set<net.Socket>();
  server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    tunnels.add(socket);
    seen.push({ target: req.url ?? '', ...(req.headers['proxy-authorization'] ? { auth: req.headers['proxy-authorization'] } : {}) });
    if (refuse) return socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    const port = (req.url ?? '').split(':').pop();
    const upstream = net.connect(Number(port), '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    seen,
    refuse: (on: boolean) => (refuse = on),
    close: () =>
      new Promise<void>((r) => {
        // Tunnels leave the HTTP server's bookkeeping: closeAllConnections does not see them.
        for (const t of tunnels) t.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('proxy-url', () => {
  test('an http proxy tunnels the probe with CONNECT, with the credentials of its URL', async () => {
    const proxy = await startProxy();
    try {
      const proxyUrl = proxy.url.replace('http://', 'http://squid:s%40cret@');
      writeCredential(credentials, 'proxied/http.kubeconfig', kubeconfigYaml({ server: sim.url, caPem: sim.caPem, token: sim.token, cluster: { 'proxy-url': proxyUrl } }));
      const p = prober();
      assert.equal((await probe(p, 'proxied', 'http')).ok, true);
      const port = new URL(sim.url).port;
      assert.deepEqual(proxy.seen, [{ target: `127.0.0.1:${port}`, auth: `Basic ${b64('squid:s@cret')}` }]);
      proxy.refuse(true);
      p.close();
      assert.equal((await probe(p, 'proxied', 'http')).message, `proxy 127.0.0.1:${new URL(proxy.url).port}: answered CONNECT with 403`);
    } finally {
      await proxy.close();
    }
  });

  test('an https proxy is verified with the kubeconfig\'s CA bundle', async () => {
    const proxyCa = createCertificateAuthority('proxy CA');
    const proxy = await startProxy(issueServingCertificate(proxyCa));
    try {
      const bundle = sim.caPem + proxyCa.certPem;
      writeCredential(credentials, 'proxied/https.kubeconfig', kubeconfigYaml({ server: sim.url, caPem: bundle, token: sim.token, cluster: { 'proxy-url': proxy.url } }));
      writeCredential(credentials, 'proxied/untrusted.kubeconfig', kubeconfigYaml({ server: sim.url, caPem: sim.caPem, token: sim.token, cluster: { 'proxy-url': proxy.url } }));
      const p = prober();
      assert.equal((await probe(p, 'proxied', 'https')).ok, true);
      assert.equal(proxy.seen.length, 1);
      const untrusted = `proxy 127.0.0.1:${new URL(proxy.url).port}: x509: its certificate is not trusted by the kubeconfig's certificate authority`;
      assert.equal((await probe(p, 'proxied', 'untrusted')).message, untrusted);
    } finally {
      await proxy.close();
    }
  });

  test('without proxy-url, HTTPS_PROXY and NO_PROXY are honoured as by helm; loopback never goes through a proxy', async () => {
    const proxy = await startProxy();
    try {
      const port = new URL(sim.url).port;
      // A name only the proxy's network resolves; the certificate is checked against `localhost`.
      const server = `https://cluster1.internal.test:${port}`;
      writeCredential(credentials, 'envproxy/remote.kubeconfig', kubeconfigYaml({ server, caPem: sim.caPem, token: sim.token, cluster: { 'tls-server-name': 'localhost' } }));
      writeCredential(credentials, 'envproxy/loopback.kubeconfig', kubeconfigYaml({ server: sim.url, caPem: sim.caPem, token: sim.token }));
      const withEnv = (env: Record<string, string>) => {
        const p = createProber({ credentialsDir: credentials, timeoutMs: 3000, proxyEnv: env });
        probers.push(p);
        return p;
      };
      const proxied = withEnv({ HTTPS_PROXY: proxy.url.replace('http://', ''), NO_PROXY: 'other.test,10.0.0.0/8' });
      assert.equal((await probe(proxied, 'envproxy', 'remote')).ok, true);
      assert.equal((await probe(proxied, 'envproxy', 'loopback')).ok, true);
      assert.deepEqual(proxy.seen, [{ target: `cluster1.internal.test:${port}` }]);
      const bypassed = withEnv({ HTTPS_PROXY: proxy.url, NO_PROXY: '.internal.test' });
      assert.equal((await probe(bypassed, 'envproxy', 'remote')).message, 'cannot resolve host cluster1.internal.test');
      assert.equal(proxy.seen.length, 1);
    } finally {
      await proxy.close();
    }
  });

  test('a socks5 proxy is named as what the prober cannot use', async () => {
    writeCredential(credentials, 'proxied/socks.kubeconfig', kubeconfigYaml({ server: sim.url, caPem: sim.caPem, token: sim.token, cluster: { 'proxy-url': 'socks5://127.0.0.1:1080' } }));
    assert.equal((await probe(prober(), 'proxied', 'socks')).message, 'clusters[0].cluster.proxy-url: socks5 proxies are not supported (gitset speaks http:// and https:// proxies, with CONNECT)');
  });
});

describe('where kubeconfigs are found', () => {
  test('one Secret mounted as the credentials directory: flat keys, behind ..data symlinks', async () => {
    // What kubelet makes of a Secret volume: a timestamped folder, `..data` pointing at it, one symlink per key.
    const mount = join(credentials, 'mounted');
    const v1 = join(mount, '..2026_12_05_10_00_00.000000001');
    mkdirSync(v1, { recursive: true });
    writeFileSync(join(v1, 'civo.cluster1.kubeconfig'), sim.kubeconfig());
    symlinkSync('..2026_12_05_10_00_00.000000001', join(mount, '..data'));
    symlinkSync('..data/civo.cluster1.kubeconfig', join(mount, 'civo.cluster1.kubeconfig'));
    const p = createProber({ credentialsDir: mount, timeoutMs: 3000 });
    probers.push(p);
    assert.equal((await probe(p, 'civo', 'cluster1')).ok, true);
  });

  test('a kubeconfig added or fixed while the prober runs is used at the next probe', async () => {
    const p = prober();
    assert.equal((await probe(p, 'later', 'cluster1')).message, 'kubeconfig not found: later/cluster1.kubeconfig (nor later.cluster1.kubeconfig)');
    writeCredential(credentials, 'later.cluster1.kubeconfig', kubeconfigYaml({ server: sim.url, caPem: sim.caPem, token: 'wrong' }));
    assert.equal((await probe(p, 'later', 'cluster1')).message, '401 Unauthorized');
    writeCredential(credentials, 'later.cluster1.kubeconfig', kubeconfigYaml({ server: sim.url, caPem: sim.caPem, token: sim.token }));
    assert.equal((await probe(p, 'later', 'cluster1')).ok, true);
  });
});
