// The prober against simulated clusters: the health situations the daemon's failover depends on.
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SveltosCluster } from '../../src/model/objects.ts';
import type { ProbeResult } from '../../src/model/ports.ts';
import { createProber, type ClusterProber, type ProberOptions } from '../../src/probe/prober.ts';
import { startSimCluster, type SimCluster } from '../../src/sim/index.ts';
import { kubeconfigYaml, sveltosCluster, writeCredential } from './kubeconfigs.ts';

const credentials = realpathSync(mkdtempSync(join(tmpdir(), 'gitset-prober-sim-')));
const probers: ClusterProber[] = [];
let cluster1: SimCluster;
let cluster2: SimCluster;
let cluster3: SimCluster;

before(async () => {
  [cluster1, cluster2, cluster3] = await Promise.all([
    startSimCluster({ namespace: 'civo', name: 'cluster1', version: 'v1.29.2+k3s1' }),
    startSimCluster({ namespace: 'civo', name: 'cluster2', version: 'v1.28.7+k3s1' }),
    startSimCluster({ namespace: 'civo', name: 'cluster3' }),
  ]);
  for (const sim of [cluster1, cluster2, cluster3]) await sim.writeKubeconfig(join(credentials, `${sim.key}.kubeconfig`));
});

after(async () => {
  for (const p of probers) p.close();
  await Promise.all([cluster1, cluster2, cluster3].map((s) => s?.close()));
  rmSync(credentials, { recursive: true, force: true });
});

function prober(options: Partial<ProberOptions> = {}): ClusterProber {
  const p = createProber({ credentialsDir: credentials, timeoutMs: 2000, ...options });
  probers.push(p);
  return p;
}

function ref(sim: SimCluster): SveltosCluster {
  const [ns, name] = sim.key.split('/') as [string, string];
  return sveltosCluster(ns, name);
}

async function probe(p: ClusterProber, cluster: SveltosCluster): Promise<ProbeResult> {
  const r = (await p.probeAll([cluster])).get(`${cluster.metadata.namespace}/${cluster.metadata.name}`);
  assert.ok(r);
  return r;
}

const outcome = (r: ProbeResult) => ({ ok: r.ok, version: r.version, message: r.message });

describe('probing simulated clusters', () => {
  test('an answering cluster is ready with its version, after /version and /readyz', async () => {
    cluster1.server.clearRequests();
    const results = await prober().probeAll([ref(cluster1), ref(cluster2)]);
    assert.deepEqual(outcome(results.get('civo/cluster1')!), { ok: true, version: 'v1.29.2+k3s1', message: undefined });
    assert.deepEqual(outcome(results.get('civo/cluster2')!), { ok: true, version: 'v1.28.7+k3s1', message: undefined });
    assert.deepEqual(cluster1.requests().map((r) => `${r.method} ${r.path} ${r.status}`), ['GET /version 200', 'GET /readyz 200']);
  });

  test('a stopped cluster is connection refused, and ready again once it is back', async () => {
    const p = prober();
    await cluster2.stop();
    try {
      assert.deepEqual(outcome(await probe(p, ref(cluster2))), { ok: false, version: undefined, message: 'connection refused' });
    } finally {
      await cluster2.start();
    }
    assert.equal((await probe(p, ref(cluster2))).ok, true);
  });

  test('a hung cluster costs one timeout', async () => {
    cluster3.hang(true);
    try {
      const r = await probe(prober({ timeoutMs: 300 }), ref(cluster3));
      assert.deepEqual(outcome(r), { ok: false, version: undefined, message: 'timeout after 300ms' });
      assert.ok(r.durationMs >= 250 && r.durationMs < 2000, `took ${r.durationMs}ms`);
    } finally {
      cluster3.hang(false);
    }
  });

  test('a hung cluster does not hold up the others of the round', async () => {
    cluster3.hang(true);
    try {
      const results = await prober({ timeoutMs: 300, concurrency: 2 }).probeAll([ref(cluster3), ref(cluster1), ref(cluster2)]);
      assert.deepEqual([...results.values()].map((r) => r.ok), [false, true, true]);
    } finally {
      cluster3.hang(false);
    }
  });

  test('a cluster that timed out is probed beside the others next round, not ahead of them', async () => {
    // One slot for the regular lane: were the hung cluster in it, the others would wait for its timeout.
    const p = prober({ timeoutMs: 1000, concurrency: 1 });
    cluster3.hang(true);
    try {
      assert.equal((await probe(p, ref(cluster3))).message, 'timeout after 1s');
      for (const sim of [cluster1, cluster2]) sim.server.clearRequests();
      let settled = false;
      const round = p.probeAll([ref(cluster3), ref(cluster1), ref(cluster2)]).finally(() => (settled = true));
      const answered = (sim: SimCluster) => sim.requests().some((r) => r.path === '/readyz' && r.status === 200);
      for (let i = 0; i < 200 && !(answered(cluster1) && answered(cluster2)); i++) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(settled, false, 'the others were probed only after the hung cluster timed out');
      const results = await round;
      assert.deepEqual([...results.values()].map((r) => r.ok || r.message), ['timeout after 1s', true, true]);
    } finally {
      cluster3.hang(false);
    }
  });

  test('a flapping cluster is reported as it is at each probe', async () => {
    const p = prober();
    const seen: string[] = [];
    for (let round = 0; round < 4; round++) {
      cluster2.setFailing(round % 2 === 0 ? 503 : null);
      const r = await probe(p, ref(cluster2));
      seen.push(r.ok ? 'ok' : (r.message ?? ''));
    }
    cluster2.setFailing(null);
    assert.deepEqual(seen, ['HTTP 503 from /version', 'ok', 'HTTP 503 from /version', 'ok']);
  });

  test('a slow cluster that answers within the timeout is ready', async () => {
    cluster1.setLatency(150);
    try {
      assert.equal((await probe(prober({ timeoutMs: 2000 }), ref(cluster1))).ok, true);
    } finally {
      cluster1.setLatency(0);
    }
  });

  test('a cluster answering 500 fails with the status', async () => {
    cluster1.setFailing(500);
    try {
      assert.equal((await probe(prober(), ref(cluster1))).message, 'HTTP 500 from /version');
    } finally {
      cluster1.setFailing(null);
    }
  });

  test('a kubeconfig trusting the wrong CA is an x509 failure', async () => {
    writeCredential(credentials, 'wrong/ca.kubeconfig', kubeconfigYaml({ server: cluster1.url, caPem: cluster3.caPem, token: cluster1.token }));
    const r = await probe(prober(), sveltosCluster('wrong', 'ca'));
    assert.equal(r.message, 'x509: certificate signed by unknown authority');
  });

  test('a wrong token is 401 Unauthorized', async () => {
    writeCredential(credentials, 'wrong/token.kubeconfig', kubeconfigYaml({ server: cluster1.url, caPem: cluster1.caPem, token: cluster2.token }));
    assert.equal((await probe(prober(), sveltosCluster('wrong', 'token'))).message, '401 Unauthorized');
  });

  test('unusable kubeconfigs fail their own cluster with a clear message; the others carry on', async () => {
    writeCredential(credentials, 'civo/eks.kubeconfig', kubeconfigYaml({ server: cluster1.url, caPem: cluster1.caPem, user: { exec: { apiVersion: 'client.authentication.k8s.io/v1alpha1', command: 'aws' } } }));
    const clusters = [
      ref(cluster1),
      sveltosCluster('civo', 'eks'),
      sveltosCluster('civo', 'gone'),
      sveltosCluster('civo', 'sneaky', { kubeconfigName: '../../../etc/passwd' }),
      sveltosCluster('civo', 'absolute', { kubeconfigName: '/etc/passwd' }),
      ref(cluster2),
    ];
    const results = await prober().probeAll(clusters);
    assert.deepEqual(
      [...results.entries()].map(([key, r]) => `${key}: ${r.ok ? 'ok' : r.message}`),
      [
        'civo/cluster1: ok',
        'civo/eks: users[0].user.exec.apiVersion: client.authentication.k8s.io/v1alpha1 is not supported (gitset speaks client.authentication.k8s.io/v1 and client.authentication.k8s.io/v1beta1)',
        'civo/gone: kubeconfig not found: civo/gone.kubeconfig (nor civo.gone.kubeconfig)',
        'civo/sneaky: spec.kubeconfigName "../../../etc/passwd" must be a plain file name inside the credentials directory',
        'civo/absolute: spec.kubeconfigName "/etc/passwd" must be a plain file name inside the credentials directory',
        'civo/cluster2: ok',
      ],
    );
  });

  test('no result or log line carries a token, certificate material or the credentials path', async () => {
    writeCredential(credentials, 'leak/token.kubeconfig', kubeconfigYaml({ server: cluster1.url, caPem: cluster1.caPem, token: cluster2.token }));
    writeCredential(credentials, 'leak/ca.kubeconfig', kubeconfigYaml({ server: cluster1.url, caPem: cluster3.caPem, token: cluster1.token }));
    writeCredential(credentials, 'leak/yaml.kubeconfig', `users:\n- name: u\n  user: {token: ${cluster1.token}\n`);
    cluster3.hang(true);
    await cluster2.stop();
    try {
      const clusters = [ref(cluster1), ref(cluster2), ref(cluster3), ...['token', 'ca', 'yaml', 'none'].map((n) => sveltosCluster('leak', n))];
      const logged: unknown[] = [];
      const logger = { debug: (f: object, m: string) => logged.push(f, m), warn: (f: object, m: string) => logged.push(f, m) };
      const results = await prober({ timeoutMs: 300, logger }).probeAll(clusters);
      assert.ok(logged.length > 0);
      const text = JSON.stringify([...results.values(), ...logged]);
      for (const sim of [cluster1, cluster2, cluster3]) {
        assert.ok(!text.includes(sim.token), 'a token leaked');
        const caData = Buffer.from(sim.caPem).toString('base64');
        assert.ok(!text.includes(caData.slice(30, 70)), 'CA data leaked');
      }
      assert.ok(!text.includes('BEGIN'), 'PEM leaked');
      assert.ok(!text.includes(credentials), 'credentials path leaked');
      assert.equal([...results.values()].filter((r) => !r.ok).length, 6);
    } finally {
      cluster3.hang(false);
      await cluster2.start();
    }
  });
});
