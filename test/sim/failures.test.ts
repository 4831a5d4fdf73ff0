// Failure injection on the simulated API server, as the prober, helm runner and daemon tests
// use it: error answers, a server that never answers, slowness, stop/start on the same
// port with the same CA and the same objects, and a rebuild that comes back empty.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { resolveHelm } from '../../src/helm/binary.ts';
import { startSimCluster, type SimCluster } from '../../src/sim/index.ts';
import { call, type CallOptions } from './client.ts';

describe('failure injection', () => {
  let cluster: SimCluster;
  let work: string;
  const api = (path: string, opts: Partial<CallOptions> = {}) => call(cluster.url, path, { ca: cluster.caPem, token: cluster.token, ...opts });

  before(async () => {
    cluster = await startSimCluster({ namespace: 'civo', name: 'flaky' });
    work = await mkdtemp(join(tmpdir(), 'gitset-sim-fail-'));
  });
  after(async () => {
    await cluster?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('setFailing answers every request with that status until reset', async () => {
    cluster.setFailing(500);
    for (const path of ['/version', '/readyz', '/api/v1/namespaces']) {
      const r = await api(path);
      assert.deepEqual([r.status, r.json.kind, r.json.reason], [500, 'Status', 'InternalError'], path);
    }
    cluster.setFailing(503);
    assert.equal((await api('/readyz')).status, 503);
    cluster.setFailing(null);
    assert.equal((await api('/readyz')).status, 200);
  });

  test('helm reports an error against a failing cluster', async () => {
    const helmPath = (await resolveHelm({ env: process.env, projectRoot: fileURLToPath(new URL('../..', import.meta.url)) })).path;
    const kubeconfig = join(work, 'flaky.kubeconfig');
    await cluster.writeKubeconfig(kubeconfig);
    const env = { HELM_CACHE_HOME: join(work, 'cache'), HELM_CONFIG_HOME: join(work, 'config'), HELM_DATA_HOME: join(work, 'data') };
    cluster.setFailing(500);
    try {
      const r = await execa(helmPath, ['list', '-A', '--kubeconfig', kubeconfig], { env, reject: false, timeout: 60_000 });
      assert.notEqual(r.exitCode, 0);
    } finally {
      cluster.setFailing(null);
    }
    const ok = await execa(helmPath, ['list', '-A', '--kubeconfig', kubeconfig], { env, reject: false, timeout: 60_000 });
    assert.equal(ok.exitCode, 0, ok.stderr);
  });

  test('a hanging server accepts the request and never answers; the client times out', async () => {
    cluster.hang(true);
    try {
      await assert.rejects(api('/version', { timeoutMs: 200 }), (err: NodeJS.ErrnoException) => err.code === 'CLIENT_TIMEOUT');
      const last = cluster.requests().at(-1);
      assert.deepEqual([last?.path, last?.status], ['/version', 0], 'logged as never answered');
    } finally {
      cluster.hang(false);
    }
    assert.equal((await api('/version')).status, 200);
  });

  test('latency delays answers beyond a short client timeout', async () => {
    cluster.setLatency(1000);
    try {
      await assert.rejects(api('/version', { timeoutMs: 100 }), (err: NodeJS.ErrnoException) => err.code === 'CLIENT_TIMEOUT');
    } finally {
      cluster.setLatency(0);
    }
    assert.equal((await api('/version', { timeoutMs: 5000 })).status, 200);
  });

  test('stop refuses connections; start serves again on the same port, CA and objects', async () => {
    const created = await api('/api/v1/namespaces/default/configmaps', { method: 'POST', body: { metadata: { name: 'kept' }, data: { a: 'b' } } });
    assert.equal(created.status, 201);
    const url = cluster.url;
    await cluster.stop();
    await assert.rejects(api('/version'), (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED');
    await cluster.start();
    assert.equal(cluster.url, url);
    const kept = await api('/api/v1/namespaces/default/configmaps/kept');
    assert.deepEqual([kept.status, kept.json.data, kept.json.metadata.uid], [200, { a: 'b' }, created.json.metadata.uid]);
  });

  test('rebuild comes back empty on the same port, CA and token, and helm starts over', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const helmPath = (await resolveHelm({ env: process.env, projectRoot: root })).path;
    const kubeconfig = join(work, 'rebuilt.kubeconfig');
    await cluster.writeKubeconfig(kubeconfig);
    const env = { HELM_CACHE_HOME: join(work, 'cache'), HELM_CONFIG_HOME: join(work, 'config'), HELM_DATA_HOME: join(work, 'data') };
    const helm = (...args: string[]) => execa(helmPath, [...args, '--kubeconfig', kubeconfig], { env, reject: false, timeout: 60_000 });
    const install = () => helm('upgrade', '--install', 'greet', join(root, 'charts', 'hello'), '-n', 'apps', '--create-namespace', '--wait', '--timeout', '30s');
    const records = async () => (await api('/api/v1/secrets?labelSelector=owner%3Dhelm', { accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1' })).json.items;
    assert.equal((await install()).exitCode, 0);
    const crd = { metadata: { name: 'gadgets.example.com' }, spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'gadgets', kind: 'Gadget' }, versions: [{ name: 'v1', served: true, storage: true }] } };
    assert.equal((await api('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { method: 'POST', body: crd })).status, 201);
    assert.equal((await records()).length, 1);
    const url = cluster.url;

    await cluster.rebuild();
    assert.equal(cluster.url, url);
    assert.equal((await api('/version')).status, 200, 'same CA and token');
    assert.deepEqual(await records(), []);
    assert.equal((await api('/api/v1/namespaces/apps')).status, 404);
    assert.equal((await api('/api/v1/namespaces/default')).status, 200, "a new cluster's namespaces are there");
    assert.equal((await api('/apis/example.com/v1/namespaces/default/gadgets')).status, 404, 'types from CRDs are gone');
    assert.equal(cluster.get('/apis/apps/v1/namespaces/apps/deployments/greet-hello'), undefined);
    const list = await helm('list', '-A', '-o', 'json');
    assert.deepEqual([list.exitCode, JSON.parse(list.stdout)], [0, []]);

    const again = await install();
    assert.equal(again.exitCode, 0, again.stderr);
    assert.deepEqual((await records()).map((r: { metadata: { labels: Record<string, string> } }) => [r.metadata.labels.name, r.metadata.labels.version]), [['greet', '1']]);
  });

  test('the request log records method, path and answer', async () => {
    const count = cluster.requests().length;
    await api('/api/v1/namespaces/default/configmaps/absent');
    const [entry] = cluster.requests().slice(count);
    assert.deepEqual([entry?.method, entry?.path, entry?.status], ['GET', '/api/v1/namespaces/default/configmaps/absent', 404]);
    assert.ok(cluster.server.requestCount() >= cluster.requests().length);
  });
});
