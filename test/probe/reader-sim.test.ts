// The prober's observation reads against a simulated cluster: over the probe's connection, a
// metadata-only inventory of a release the real helm installed, and big answers taken whole.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClusterReadError, readReleaseInventory } from '../../src/observe/cluster-reader.ts';
import { createProber, type ClusterProber } from '../../src/probe/prober.ts';
import { HELLO_CHART, simWithTools, type SimWithTools } from '../observe/sim-tools.ts';

const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

describe("observation reads over the prober's connections", () => {
  let c: SimWithTools;
  let prober: ClusterProber;

  before(async () => {
    c = await simWithTools('civo', 'reader');
    await c.helm('upgrade', '--install', 'hello', HELLO_CHART, '-n', 'hello', '--create-namespace', '--labels', 'gitset.dev/managed-by=gitset');
    const big = join(c.credentials, '..', 'big.txt');
    await writeFile(big, 'x'.repeat(200 * 1024));
    await c.kubectl('create', 'configmap', 'big', '-n', 'hello', `--from-file=big=${big}`);
    prober = createProber({ credentialsDir: c.credentials, timeoutMs: 2000 });
  });
  after(async () => {
    prober?.close();
    await c?.close();
  });

  test('no reader before a probe opened the connection, one after', async () => {
    const fresh = createProber({ credentialsDir: c.credentials, timeoutMs: 2000 });
    try {
      assert.equal(fresh.reader(c.ref), undefined);
      assert.equal((await fresh.probeAll([c.ref])).get('civo/reader')?.ok, true);
      assert.ok(fresh.reader(c.ref));
    } finally {
      fresh.close();
    }
  });

  test("helm's release inventory, metadata only, on the probe's kept-alive connection", async () => {
    await prober.probeAll([c.ref]);
    c.sim.server.clearRequests();
    const get = prober.reader(c.ref)!;
    const list = await get('/api/v1/secrets?labelSelector=owner%3Dhelm', METADATA_LIST);
    assert.equal(list.status, 200);
    assert.equal(JSON.parse(list.body).kind, 'PartialObjectMetadataList');
    const inventory = await readReleaseInventory(get);
    assert.deepEqual([...inventory.values()].map((r) => [r.releaseNamespace, r.releaseName, r.revision, r.status, r.marked]), [['hello', 'hello', 1, 'deployed', true]]);
    assert.deepEqual(c.sim.requests().map((r) => `${r.method} ${r.path} ${r.status}`), [
      'GET /api/v1/secrets?labelSelector=owner%3Dhelm 200',
      'GET /api/v1/secrets?labelSelector=owner%3Dhelm 200',
    ]);
  });

  test('an answer over 64 KiB is read whole', async () => {
    await prober.probeAll([c.ref]);
    const answer = await prober.reader(c.ref)!('/api/v1/namespaces/hello/configmaps/big');
    assert.equal(answer.status, 200);
    assert.ok(answer.body.length > 200 * 1024, `${answer.body.length} bytes`);
    assert.equal((JSON.parse(answer.body) as { data: { big: string } }).data.big.length, 200 * 1024);
  });

  test('a server that hangs after its probe fails the read within the probe timeout, not the read timeout', async () => {
    const quick = createProber({ credentialsDir: c.credentials, timeoutMs: 300 });
    try {
      assert.equal((await quick.probeAll([c.ref])).get('civo/reader')?.ok, true);
      const get = quick.reader(c.ref)!;
      c.sim.hang(true);
      try {
        await assert.rejects(get('/api/v1/secrets?labelSelector=owner%3Dhelm'), (err: unknown) => err instanceof ClusterReadError && err.message === 'GET /api/v1/secrets: no answer within 300ms');
      } finally {
        c.sim.hang(false);
      }
      assert.equal((await get('/api/v1/namespaces/hello/services/hello')).status, 200, 'and reads again once it answers');
    } finally {
      quick.close();
    }
  });

  test('an answer over the read limit fails the read, a stopped cluster says connection refused', async () => {
    const small = createProber({ credentialsDir: c.credentials, timeoutMs: 2000, readBodyBytes: 100 * 1024 });
    try {
      await small.probeAll([c.ref]);
      const get = small.reader(c.ref)!;
      await assert.rejects(get('/api/v1/namespaces/hello/configmaps/big'), (err: unknown) => err instanceof ClusterReadError && /larger than 102400 bytes/.test(err.message));
      assert.equal((await get('/api/v1/namespaces/hello/services/hello')).status, 200, 'the connection is still usable');
      await c.sim.stop();
      try {
        await assert.rejects(get('/api/v1/namespaces'), (err: unknown) => err instanceof ClusterReadError && /connection refused/.test(err.message));
      } finally {
        await c.sim.start();
      }
    } finally {
      small.close();
    }
  });
});
