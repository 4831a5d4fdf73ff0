// The simulated API server over real HTTPS: authentication, TLS trust, the informational
// endpoints, and the REST semantics clients depend on (Status errors, optimistic concurrency,
// selectors, patches, server-side apply, watch, protobuf bodies).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { createCertificateAuthority } from '../../src/sim/certs.ts';
import { startSimCluster, type SimCluster } from '../../src/sim/index.ts';
import { call, type CallOptions } from './client.ts';

describe('simulated API server', () => {
  let cluster: SimCluster;
  const api = (path: string, opts: Partial<CallOptions> = {}) => call(cluster.url, path, { ca: cluster.caPem, token: cluster.token, ...opts });

  before(async () => {
    cluster = await startSimCluster({ namespace: 'civo', name: 'cluster1', version: 'v1.30.1+k3s2', token: 'secret-token' });
  });
  after(async () => {
    await cluster?.close();
  });

  test('answers 401 Unauthorized without a token or with a wrong one', async () => {
    for (const token of [null, 'wrong-token']) {
      const r = await api('/version', { token });
      assert.equal(r.status, 401);
      assert.equal(r.json.kind, 'Status');
      assert.equal(r.json.reason, 'Unauthorized');
    }
  });

  test('a client trusting another CA fails the TLS handshake', async () => {
    const other = createCertificateAuthority('someone else');
    await assert.rejects(api('/version', { ca: other.certPem }), (err: NodeJS.ErrnoException) => /UNABLE_TO_VERIFY|SELF_SIGNED|CERT/.test(err.code ?? ''));
  });

  test('/version, /readyz, /livez and /healthz', async () => {
    const v = await api('/version');
    assert.equal(v.status, 200);
    assert.deepEqual([v.json.gitVersion, v.json.major, v.json.minor], ['v1.30.1+k3s2', '1', '30']);
    for (const path of ['/readyz', '/livez', '/healthz']) {
      const r = await api(path);
      assert.deepEqual([r.status, r.text], [200, 'ok'], path);
    }
  });

  test('legacy and aggregated discovery list the groups a chart uses', async () => {
    const groups = await api('/apis');
    const names = groups.json.groups.map((g: { name: string }) => g.name);
    for (const g of ['apps', 'batch', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'policy', 'autoscaling', 'apiextensions.k8s.io']) {
      assert.ok(names.includes(g), g);
    }
    const apps = await api('/apis/apps/v1');
    const deployments = apps.json.resources.find((r: { name: string }) => r.name === 'deployments');
    assert.deepEqual([deployments.kind, deployments.namespaced], ['Deployment', true]);
    const core = await api('/api/v1');
    assert.equal(core.json.resources.find((r: { name: string }) => r.name === 'namespaces').namespaced, false);
    const aggregated = await api('/apis', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
    assert.match(String(aggregated.headers['content-type']), /as=APIGroupDiscoveryList/);
    assert.equal(aggregated.json.kind, 'APIGroupDiscoveryList');
    assert.equal((await api('/apis/nothing.example.com/v1')).status, 404);
  });

  test('create, get, conflict on a stale resourceVersion, update, and Status errors', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one', labels: { app: 'a' } }, data: { k: 'v' } };
    const created = await api('/api/v1/namespaces/default/configmaps', { method: 'POST', body: cm });
    assert.equal(created.status, 201);
    assert.ok(created.json.metadata.uid && created.json.metadata.resourceVersion && created.json.metadata.creationTimestamp);
    const again = await api('/api/v1/namespaces/default/configmaps', { method: 'POST', body: cm });
    assert.deepEqual([again.status, again.json.kind, again.json.reason], [409, 'Status', 'AlreadyExists']);
    const missing = await api('/api/v1/namespaces/default/configmaps/none');
    assert.deepEqual([missing.status, missing.json.reason, missing.json.details.name], [404, 'NotFound', 'none']);
    const noNamespace = await api('/api/v1/namespaces/nowhere/configmaps', { method: 'POST', body: cm });
    assert.deepEqual([noNamespace.status, noNamespace.json.reason], [404, 'NotFound']);

    const updated = await api('/api/v1/namespaces/default/configmaps/one', { method: 'PUT', body: { ...created.json, data: { k: 'w' } } });
    assert.equal(updated.status, 200);
    assert.notEqual(updated.json.metadata.resourceVersion, created.json.metadata.resourceVersion);
    assert.equal(updated.json.metadata.uid, created.json.metadata.uid);
    const stale = await api('/api/v1/namespaces/default/configmaps/one', { method: 'PUT', body: { ...created.json, data: { k: 'x' } } });
    assert.deepEqual([stale.status, stale.json.reason], [409, 'Conflict']);
    assert.equal((await api('/api/v1/namespaces/default/configmaps/one')).json.data.k, 'w');
  });

  test('invalid names and label values are refused with 422 Invalid, as a real cluster does', async () => {
    const upper = await api('/api/v1/namespaces/default/configmaps', { method: 'POST', body: { metadata: { name: 'Upper' } } });
    assert.deepEqual([upper.status, upper.json.reason], [422, 'Invalid']);
    const longLabel = await api('/api/v1/namespaces/default/configmaps', { method: 'POST', body: { metadata: { name: 'ok', labels: { v: 'x'.repeat(64) } } } });
    assert.deepEqual([longLabel.status, longLabel.json.reason], [422, 'Invalid']);
    const svc = await api('/api/v1/namespaces/default/services', { method: 'POST', body: { metadata: { name: '1svc' }, spec: { ports: [{ port: 80 }] } } });
    assert.equal(svc.status, 422);
  });

  test('lists filter by label and field selectors and carry a resourceVersion', async () => {
    for (const [name, tier] of [['s1', 'web'], ['s2', 'db'], ['s3', 'web']]) {
      await api('/api/v1/namespaces/kube-public/configmaps', { method: 'POST', body: { metadata: { name, labels: { tier } } } });
    }
    const names = async (query: string) => (await api(`/api/v1/namespaces/kube-public/configmaps?${query}`)).json.items.map((i: { metadata: { name: string } }) => i.metadata.name);
    assert.deepEqual(await names('labelSelector=tier%3Dweb'), ['s1', 's3']);
    assert.deepEqual(await names('labelSelector=tier%20in%20(db)'), ['s2']);
    assert.deepEqual(await names('labelSelector=tier!%3Dweb'), ['s2']);
    assert.deepEqual(await names('fieldSelector=metadata.name%3Ds3'), ['s3']);
    const all = await api('/api/v1/configmaps?labelSelector=tier');
    assert.equal(all.json.kind, 'ConfigMapList');
    assert.match(all.json.metadata.resourceVersion, /^\d+$/);
    assert.equal(all.json.items.length, 3);
    const bad = await api('/api/v1/configmaps?labelSelector=%3D%3D');
    assert.equal(bad.status, 400);
  });

  test('merge patch, JSON patch and strategic merge patch', async () => {
    const path = '/apis/apps/v1/namespaces/default/deployments';
    const dep = {
      metadata: { name: 'web' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'y:1' }] } } },
    };
    assert.equal((await api(path, { method: 'POST', body: dep })).status, 201);
    const merge = await api(`${path}/web`, { method: 'PATCH', contentType: 'application/merge-patch+json', body: { spec: { replicas: 2 }, metadata: { labels: { l: '1' } } } });
    assert.deepEqual([merge.status, merge.json.spec.replicas, merge.json.metadata.labels.l], [200, 2, '1']);
    assert.equal(merge.json.metadata.generation, 2);
    const json = await api(`${path}/web`, { method: 'PATCH', contentType: 'application/json-patch+json', body: [{ op: 'replace', path: '/spec/replicas', value: 4 }, { op: 'remove', path: '/metadata/labels/l' }] });
    assert.deepEqual([json.json.spec.replicas, json.json.metadata.labels], [4, {}]);
    const strategic = await api(`${path}/web`, {
      method: 'PATCH',
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { spec: { containers: [{ name: 'b', image: 'y:2' }], $setElementOrder: 1 } } } },
    });
    assert.deepEqual(strategic.json.spec.template.spec.containers, [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'y:2' }]);
    assert.equal(strategic.json.status.readyReplicas, 4, 'the simulated controller reports the workload ready');
    const scaled = await api(`${path}/web/scale`, { method: 'PATCH', contentType: 'application/merge-patch+json', body: { spec: { replicas: 5 } } });
    assert.deepEqual([scaled.status, scaled.json.kind, scaled.json.spec.replicas], [200, 'Scale', 5]);
    assert.equal((await api(`${path}/web`)).json.spec.replicas, 5);
  });

  test('server-side apply creates, then removes what the same manager stops applying', async () => {
    const path = '/api/v1/namespaces/default/configmaps/applied?fieldManager=helm';
    const yaml1 = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "1"\n  b: "2"\n';
    const first = await api(path, { method: 'PATCH', contentType: 'application/apply-patch+yaml', body: yaml1 });
    assert.deepEqual([first.status, first.json.data], [201, { a: '1', b: '2' }]);
    await api('/api/v1/namespaces/default/configmaps/applied', { method: 'PATCH', contentType: 'application/merge-patch+json', body: { data: { other: 'x' } } });
    const yaml2 = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "3"\n';
    const second = await api(path, { method: 'PATCH', contentType: 'application/apply-patch+yaml', body: yaml2 });
    assert.deepEqual([second.status, second.json.data], [200, { a: '3', other: 'x' }]);
    const noManager = await api('/api/v1/namespaces/default/configmaps/applied', { method: 'PATCH', contentType: 'application/apply-patch+yaml', body: yaml2 });
    assert.equal(noManager.status, 400);
  });

  test('a watch streams changes as JSON lines', async () => {
    const before = (await api('/api/v1/namespaces/default/secrets')).json.metadata.resourceVersion;
    const events: Array<{ type: string; object: { metadata: { name: string } } }> = [];
    const done = new Promise<void>((resolve, reject) => {
      const req = request(new URL(`/api/v1/namespaces/default/secrets?watch=true&resourceVersion=${before}&timeoutSeconds=5`, cluster.url), {
        ca: cluster.caPem,
        headers: { Authorization: `Bearer ${cluster.token}` },
        agent: false,
      });
      req.on('response', (res) => {
        let buffer = '';
        res.on('data', (chunk: Buffer) => {
          buffer += chunk.toString('utf8');
          for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
            events.push(JSON.parse(buffer.slice(0, i)));
            buffer = buffer.slice(i + 1);
            if (events.length === 2) {
              req.destroy();
              resolve();
            }
          }
        });
      });
      req.on('error', (err) => (events.length === 2 ? resolve() : reject(err)));
      req.end();
    });
    await api('/api/v1/namespaces/default/secrets', { method: 'POST', body: { metadata: { name: 'w1' }, stringData: {} } });
    await api('/api/v1/namespaces/default/secrets/w1', { method: 'DELETE' });
    await done;
    assert.deepEqual(events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'w1'], ['DELETED', 'w1']]);
  });

  test('deleting a namespace deletes what is in it', async () => {
    await api('/api/v1/namespaces', { method: 'POST', body: { metadata: { name: 'gone' } } });
    await api('/api/v1/namespaces/gone/configmaps', { method: 'POST', body: { metadata: { name: 'c' } } });
    const del = await api('/api/v1/namespaces/gone', { method: 'DELETE' });
    assert.equal(del.status, 200);
    assert.equal((await api('/api/v1/namespaces/gone/configmaps/c')).status, 404);
  });

  test('a CustomResourceDefinition makes its kind served', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget', singular: 'widget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] },
    };
    const created = await api('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { method: 'POST', body: crd });
    assert.ok(created.json.status.conditions.some((c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True'));
    const w = await api('/apis/example.com/v1/namespaces/default/widgets', { method: 'POST', body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 3 } } });
    assert.equal(w.status, 201);
    assert.equal((await api('/apis/example.com/v1')).json.resources[0].kind, 'Widget');
    await api('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com', { method: 'DELETE' });
    assert.equal((await api('/apis/example.com/v1/namespaces/default/widgets/w')).status, 404);
  });
});
