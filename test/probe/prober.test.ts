import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SveltosCluster } from '../../src/model/objects.ts';
import type { ProbeResult } from '../../src/model/ports.ts';
import { createProber, type ClusterProber, type ProberOptions } from '../../src/probe/prober.ts';
import { kubeconfigYaml, sveltosCluster, writeCredential } from './kubeconfigs.ts';
import { createClientCertificate, hasOpenssl, startTestAPIServer, type TestAPIServer } from './test-apiserver.ts';

const credentials = realpathSync(mkdtempSync(join(tmpdir(), 'gitset-prober-')));
const servers: TestAPIServer[] = [];
const probers: ClusterProber[] = [];
after(async () => {
  for (const p of probers) p.close();
  await Promise.all(servers.map((s) => s.close()));
  rmSync(credentials, { recursive: true, force: true });
});

async function server(options?: Parameters<typeof startTestAPIServer>[0]): Promise<TestAPIServer> {
  const s = await startTestAPIServer(options);
  servers.push(s);
  return s;
}

function prober(options: Partial<ProberOptions> = {}): ClusterProber {
  const p = createProber({ credentialsDir: credentials, timeoutMs: 2000, ...options });
  probers.push(p);
  return p;
}

/** Registers `ns/name` with a kubeconfig for `s` (token and CA overridable). */
function clusterFor(
  s: { url: string; caPem: string; token: string },
  ns: string,
  name: string,
  overrides: { caPem?: string; token?: string; user?: Record<string, unknown>; cluster?: Record<string, unknown>; server?: string } = {},
): SveltosCluster {
  writeCredential(
    credentials,
    `${ns}/${name}.kubeconfig`,
    kubeconfigYaml({
      server: overrides.server ?? s.url,
      caPem: overrides.caPem ?? s.caPem,
      token: overrides.token ?? s.token,
      ...(overrides.user ? { user: overrides.user } : {}),
      ...(overrides.cluster ? { cluster: overrides.cluster } : {}),
    }),
  );
  return sveltosCluster(ns, name);
}

async function probeOnce(p: ClusterProber, cluster: SveltosCluster): Promise<ProbeResult> {
  const results = await p.probeAll([cluster]);
  const r = results.get(`${cluster.metadata.namespace}/${cluster.metadata.name}`);
  assert.ok(r);
  return r;
}

describe('prober details, against a minimal TLS API server', () => {
  let api: TestAPIServer;
  before(async () => {
    api = await server({ version: 'v1.29.2+k3s1' });
  });

  test('a /readyz that is not served (404) does not fail the probe', async () => {
    api.mode = 'readyz-404';
    try {
      assert.equal((await probeOnce(prober(), clusterFor(api, 'civo', 'noreadyz'))).ok, true);
    } finally {
      api.mode = 'ok';
    }
  });

  test('HTTP errors name the status and the path', async () => {
    const p = prober();
    const cluster = clusterFor(api, 'civo', 'errors');
    try {
      api.mode = 'readyz-500';
      assert.equal((await probeOnce(p, cluster)).message, 'HTTP 500 from /readyz');
      api.mode = 'version-500';
      assert.equal((await probeOnce(p, cluster)).message, 'HTTP 500 from /version');
    } finally {
      api.mode = 'ok';
    }
  });

  test('a server that sends headers and then stalls costs one timeout', async () => {
    api.mode = 'stall-body';
    try {
      assert.equal((await probeOnce(prober({ timeoutMs: 300 }), clusterFor(api, 'civo', 'stall'))).message, 'timeout after 300ms');
    } finally {
      api.mode = 'ok';
    }
  });

  test('a server that accepts the connection but never starts TLS costs one timeout', async () => {
    const silent = net.createServer(() => {}); // holds every socket, says nothing
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const url = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const r = await probeOnce(prober({ timeoutMs: 300 }), clusterFor(api, 'civo', 'silent', { server: url }));
      assert.equal(r.message, 'timeout after 300ms');
    } finally {
      silent.close();
    }
  });

  test('tls-server-name is the name verified, and a mismatch says so', async () => {
    const r = await probeOnce(prober(), clusterFor(api, 'civo', 'sni', { cluster: { 'tls-server-name': 'api.example.com' } }));
    assert.equal(r.message, 'x509: certificate is not valid for api.example.com');
    const ok = await probeOnce(prober(), clusterFor(api, 'civo', 'sni-ok', { cluster: { 'tls-server-name': 'localhost' } }));
    assert.equal(ok.ok, true, ok.message);
  });

  test('something that is not a Kubernetes API server is named as such', async () => {
    const plain = http.createServer((_req, res) => res.end('<html>hello</html>'));
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    const port = (plain.address() as AddressInfo).port;
    try {
      const notTLS = await probeOnce(prober(), clusterFor(api, 'other', 'plain', { server: `https://127.0.0.1:${port}` }));
      assert.equal(notTLS.message, 'TLS handshake failed: the server does not speak TLS');
      const notK8s = await probeOnce(prober(), clusterFor(api, 'other', 'web', { server: `http://127.0.0.1:${port}` }));
      assert.equal(notK8s.message, '/version did not answer a Kubernetes version');
    } finally {
      plain.closeAllConnections();
      plain.close();
    }
  });

  test('keeps one TLS connection per cluster across rounds', async () => {
    const p = prober();
    const cluster = clusterFor(api, 'ka', 'one');
    const before = { ...api.stats };
    for (let i = 0; i < 3; i++) assert.equal((await probeOnce(p, cluster)).ok, true);
    assert.equal(api.stats.requests - before.requests, 6);
    assert.equal(api.stats.tlsConnections - before.tlsConnections, 1);
  });

  test('a changed kubeconfig is read again on the next round', async () => {
    const p = prober();
    const cluster = clusterFor(api, 'civo', 'rotated');
    assert.equal((await probeOnce(p, cluster)).ok, true);
    clusterFor(api, 'civo', 'rotated', { token: 'revoked' });
    assert.equal((await probeOnce(p, cluster)).message, '401 Unauthorized');
    clusterFor(api, 'civo', 'rotated');
    assert.equal((await probeOnce(p, cluster)).ok, true);
  });

  test('a rotated tokenFile is read again although the kubeconfig did not change', async () => {
    const p = prober();
    writeCredential(credentials, 'files/token', 'expired-token');
    writeCredential(credentials, 'files/ca.crt', api.caPem);
    writeCredential(
      credentials,
      'files/rotating.kubeconfig',
      kubeconfigYaml({ server: api.url, cluster: { 'certificate-authority': 'ca.crt' }, user: { tokenFile: 'token' } }),
    );
    const cluster = sveltosCluster('files', 'rotating');
    assert.equal((await probeOnce(p, cluster)).message, '401 Unauthorized');
    writeCredential(credentials, 'files/token', `${api.token}\n`);
    assert.equal((await probeOnce(p, cluster)).ok, true);
  });

  test('client certificates are presented when the kubeconfig has them', { skip: !hasOpenssl() && 'needs the openssl CLI' }, async () => {
    const cert = createClientCertificate();
    const mtls = await server({ clientCA: cert });
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const user = { 'client-certificate-data': b64(cert.certPem), 'client-key-data': b64(cert.keyPem) };
    const r = await probeOnce(prober(), clusterFor(mtls, 'mtls', 'cert', { token: '', user }));
    assert.equal(r.ok, true, r.message);
    const without = await probeOnce(prober(), clusterFor(mtls, 'mtls', 'nocert', { token: '' }));
    assert.equal(without.ok, false);
    assert.match(without.message ?? '', /^(TLS handshake failed|connection reset)/);
  });

  test('never more probes at once than the concurrency', async () => {
    const clusters = Array.from({ length: 16 }, (_, i) => clusterFor(api, 'many', `c${i}`));
    api.delayMs = 40;
    api.stats.maxInFlight = 0;
    try {
      const results = await prober({ concurrency: 4 }).probeAll(clusters);
      assert.equal([...results.values()].filter((r) => r.ok).length, 16);
    } finally {
      api.delayMs = 0;
    }
    assert.ok(api.stats.maxInFlight <= 4, `max in flight ${api.stats.maxInFlight}`);
    assert.ok(api.stats.maxInFlight >= 2, 'probes ran one at a time');
  });

  test('an aborted round reports cancelled probes instead of hanging', async () => {
    api.mode = 'hang';
    try {
      const controller = new AbortController();
      const round = prober({ timeoutMs: 60_000 }).probeAll([clusterFor(api, 'civo', 'cancel')], controller.signal);
      setTimeout(() => controller.abort(), 50);
      assert.equal((await round).get('civo/cancel')?.message, 'probe cancelled');
    } finally {
      api.mode = 'ok';
    }
  });
});
