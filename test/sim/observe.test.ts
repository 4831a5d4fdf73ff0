// What observing a cluster reads from the simulated API server, over HTTPS: helm's release
// records as label-selected metadata-only lists (one cheap request), the representations a
// client negotiates with Accept, and workload status as the controllers write it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimCluster, type SimCluster } from '../../src/sim/index.ts';
import { call, type CallOptions } from './client.ts';

const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

/** A release record as helm 4 stores it: labels owner, name, status, version; the payload in data. */
function releaseSecret(namespace: string, name: string, version: number, status: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `sh.helm.release.v1.${name}.v${version}`, namespace, labels: { owner: 'helm', name, status, version: String(version) } },
    type: 'helm.sh/release.v1',
    data: { release: Buffer.from('x'.repeat(4096)).toString('base64') },
  };
}

describe('observing a simulated cluster', () => {
  let cluster: SimCluster;
  const api = (path: string, opts: Partial<CallOptions> = {}) => call(cluster.url, path, { ca: cluster.caPem, token: cluster.token, ...opts });
  const post = async (path: string, body: object) => {
    const r = await api(path, { method: 'POST', body });
    assert.equal(r.status, 201, r.text);
    return r.json;
  };
  const names = (list: { items: Array<{ metadata: { namespace?: string; name: string } }> }) => list.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);

  before(async () => {
    cluster = await startSimCluster({ namespace: 'civo', name: 'observed' });
    for (const ns of ['apps', 'web']) await post('/api/v1/namespaces', { metadata: { name: ns } });
    await post('/api/v1/namespaces/apps/secrets', releaseSecret('apps', 'greet', 1, 'superseded'));
    await post('/api/v1/namespaces/apps/secrets', releaseSecret('apps', 'greet', 2, 'deployed'));
    await post('/api/v1/namespaces/web/secrets', releaseSecret('web', 'site', 1, 'failed'));
    await post('/api/v1/namespaces/web/secrets', { metadata: { name: 'token', labels: { owner: 'someone' } }, data: { t: 'eA==' } });
  });
  after(async () => {
    await cluster?.close();
  });

  test("helm's release records across all namespaces, metadata only, in one request", async () => {
    const r = await api('/api/v1/secrets?labelSelector=owner%3Dhelm', { accept: METADATA_LIST });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], METADATA_LIST);
    assert.deepEqual([r.json.kind, r.json.apiVersion], ['PartialObjectMetadataList', 'meta.k8s.io/v1']);
    assert.ok(r.json.metadata.resourceVersion);
    assert.deepEqual(names(r.json), ['apps/sh.helm.release.v1.greet.v1', 'apps/sh.helm.release.v1.greet.v2', 'web/sh.helm.release.v1.site.v1']);
    for (const item of r.json.items) {
      assert.deepEqual(Object.keys(item).sort(), ['apiVersion', 'kind', 'metadata']);
      assert.deepEqual([item.kind, item.apiVersion], ['PartialObjectMetadata', 'meta.k8s.io/v1']);
      assert.ok(item.metadata.uid && item.metadata.resourceVersion && item.metadata.labels.status);
      assert.equal(item.metadata.generation, undefined, 'Secrets carry no generation, as on a real server');
    }
    assert.ok(r.text.length < 2000, `no release payloads in the answer (${r.text.length} bytes)`);
  });

  test('namespaced, and with every label selector operator', async () => {
    const select = async (path: string, selector: string) => names((await api(`${path}?labelSelector=${encodeURIComponent(selector)}`, { accept: METADATA_LIST })).json);
    assert.deepEqual(await select('/api/v1/namespaces/apps/secrets', 'owner=helm'), ['apps/sh.helm.release.v1.greet.v1', 'apps/sh.helm.release.v1.greet.v2']);
    assert.deepEqual(await select('/api/v1/secrets', 'owner=helm,status!=superseded'), ['apps/sh.helm.release.v1.greet.v2', 'web/sh.helm.release.v1.site.v1']);
    assert.deepEqual(await select('/api/v1/secrets', 'owner==helm,status in (deployed, failed)'), ['apps/sh.helm.release.v1.greet.v2', 'web/sh.helm.release.v1.site.v1']);
    assert.deepEqual(await select('/api/v1/secrets', 'owner=helm,name notin (greet)'), ['web/sh.helm.release.v1.site.v1']);
    assert.deepEqual(await select('/api/v1/secrets', 'owner,!version'), ['web/token']);
    assert.deepEqual(await select('/api/v1/secrets', 'version'), ['apps/sh.helm.release.v1.greet.v1', 'apps/sh.helm.release.v1.greet.v2', 'web/sh.helm.release.v1.site.v1']);
    const bad = await api('/api/v1/secrets?labelSelector=owner%20in%20helm', { accept: METADATA_LIST });
    assert.deepEqual([bad.status, bad.json.reason], [400, 'BadRequest']);
  });

  test("Accept negotiation: client-go's offers, one object's metadata, Table, fallbacks and 406", async () => {
    const clientGo = `application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,${METADATA_LIST},application/json`;
    assert.equal((await api('/api/v1/secrets?labelSelector=owner%3Dhelm', { accept: clientGo })).json.kind, 'PartialObjectMetadataList');
    const one = await api('/api/v1/namespaces/apps/secrets/sh.helm.release.v1.greet.v2', { accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1' });
    assert.deepEqual([one.json.kind, one.json.metadata.labels.status, one.json.data], ['PartialObjectMetadata', 'deployed', undefined]);
    assert.equal((await api('/api/v1/secrets', { accept: 'application/json' })).json.kind, 'SecretList');
    const table = await api('/api/v1/namespaces/apps/secrets?includeObject=None', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    assert.deepEqual([table.json.kind, table.json.columnDefinitions.map((c: { name: string }) => c.name)], ['Table', ['Name', 'Type', 'Data', 'Age']]);
    assert.deepEqual(table.json.rows.map((r: { cells: unknown[] }) => r.cells.slice(0, 3)), [
      ['sh.helm.release.v1.greet.v1', 'helm.sh/release.v1', 1],
      ['sh.helm.release.v1.greet.v2', 'helm.sh/release.v1', 1],
    ]);
    assert.equal((await api('/api/v1/secrets', { accept: 'application/vnd.kubernetes.protobuf' })).json.kind, 'SecretList', 'protobuf alone: JSON objects');
    const refused = await api('/api/v1/secrets', { accept: 'application/json;as=Unknown;g=meta.k8s.io;v=v1' });
    assert.deepEqual([refused.status, refused.json.reason], [406, 'NotAcceptable']);
  });

  test('a metadata-only watch of the release records', async () => {
    const r = await api('/api/v1/namespaces/apps/secrets?watch=true&labelSelector=owner%3Dhelm&timeoutSeconds=1', {
      accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json',
    });
    const events = r.text.trim().split('\n').map((line) => JSON.parse(line) as { type: string; object: { kind: string; metadata: { name: string }; data?: unknown } });
    assert.deepEqual(
      events.map((e) => [e.type, e.object.kind, e.object.metadata.name, e.object.data]),
      [
        ['ADDED', 'PartialObjectMetadata', 'sh.helm.release.v1.greet.v1', undefined],
        ['ADDED', 'PartialObjectMetadata', 'sh.helm.release.v1.greet.v2', undefined],
      ],
    );
  });

  test('workload status as controllers write it, recomputed when the spec changes', async () => {
    const template = (image: string) => ({ metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image }] } });
    const sts = await post('/apis/apps/v1/namespaces/apps/statefulsets', { metadata: { name: 'db' }, spec: { replicas: 3, selector: { matchLabels: { app: 'x' } }, template: template('pg:16') } });
    assert.deepEqual(
      [sts.status.observedGeneration, sts.status.replicas, sts.status.readyReplicas, sts.status.currentReplicas, sts.status.updatedReplicas],
      [1, 3, 3, 3, 3],
    );
    assert.equal(sts.status.currentRevision, sts.status.updateRevision);
    const scaled = await api('/apis/apps/v1/namespaces/apps/statefulsets/db', { method: 'PATCH', contentType: 'application/merge-patch+json', body: { spec: { replicas: 5 } } });
    assert.deepEqual([scaled.json.status.observedGeneration, scaled.json.status.readyReplicas, scaled.json.status.updateRevision], [2, 5, sts.status.updateRevision], 'scaling keeps the revision');
    const stuck = await api('/apis/apps/v1/namespaces/apps/statefulsets/db', { method: 'PATCH', contentType: 'application/merge-patch+json', body: { spec: { template: template('pg:never-ready') } } });
    assert.equal(stuck.json.status.readyReplicas, undefined);
    assert.equal(stuck.json.status.currentRevision, sts.status.currentRevision, 'a stuck rollout keeps the current revision');
    assert.notEqual(stuck.json.status.updateRevision, sts.status.updateRevision);

    const ds = await post('/apis/apps/v1/namespaces/apps/daemonsets', { metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'x' } }, template: template('agent:1') } });
    assert.deepEqual([ds.status.desiredNumberScheduled, ds.status.numberReady, ds.status.numberAvailable, ds.status.updatedNumberScheduled], [1, 1, 1, 1]);
    const badDs = await post('/apis/apps/v1/namespaces/apps/daemonsets', { metadata: { name: 'bad-agent' }, spec: { selector: { matchLabels: { app: 'x' } }, template: template('never-ready') } });
    assert.deepEqual([badDs.status.numberReady, badDs.status.numberAvailable, badDs.status.numberUnavailable], [0, undefined, 1]);

    const job = await post('/apis/batch/v1/namespaces/apps/jobs', { metadata: { name: 'migrate' }, spec: { completions: 2, template: template('migrate:1') } });
    assert.equal(job.status.succeeded, 2);
    assert.ok(job.status.conditions.some((c: { type: string; status: string }) => c.type === 'Complete' && c.status === 'True'));
    const badJob = await post('/apis/batch/v1/namespaces/apps/jobs', { metadata: { name: 'hang' }, spec: { template: template('never-ready') } });
    assert.deepEqual([badJob.status.succeeded, badJob.status.active, badJob.status.conditions], [undefined, 1, undefined]);
  });

  test('a Deployment write that changes nothing keeps its status and resourceVersion', async () => {
    const body = { metadata: { name: 'web' }, spec: { replicas: 2, selector: { matchLabels: { app: 'w' } }, template: { metadata: { labels: { app: 'w' } }, spec: { containers: [{ name: 'w', image: 'nginx' }] } } } };
    const created = await post('/apis/apps/v1/namespaces/apps/deployments', body);
    await new Promise((r) => setTimeout(r, 1100)); // a new second: changed condition times would show
    const again = await api('/apis/apps/v1/namespaces/apps/deployments/web', { method: 'PUT', body: { ...body, metadata: { name: 'web' } } });
    assert.equal(again.status, 200);
    assert.equal(again.json.metadata.resourceVersion, created.metadata.resourceVersion);
    assert.deepEqual(again.json.status, created.status);
  });

  test('a CRD reports Established and NamesAccepted', async () => {
    const crd = await post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget' }, versions: [{ name: 'v1', served: true, storage: true }] },
    });
    const conditions = crd.status.conditions.map((c: { type: string; status: string }) => [c.type, c.status]);
    assert.deepEqual(conditions, [['NamesAccepted', 'True'], ['Established', 'True']]);
  });
});
