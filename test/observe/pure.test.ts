import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { findDrift, objectKey, parsePointer } from '../../src/observe/drift.ts';
import { objectHealth, releaseHealth } from '../../src/observe/health.ts';
import { readInventory, InventoryError } from '../../src/observe/inventory.ts';
import { isGitsetMarked, profileLabelValue, releaseLabels } from '../../src/observe/ownership.ts';
import { decodeReleaseRecord, manifestObjects } from '../../src/observe/release-record.ts';

const LABEL = /^([a-z0-9]([-a-z0-9_.]*[a-z0-9])?)?$/;

test('a profile id becomes a valid, stable label value, hashed only when too long', () => {
  assert.equal(profileLabelValue('ClusterProfile/hello'), 'clusterprofile.hello');
  assert.equal(profileLabelValue('Profile/eng/hello'), 'profile.eng.hello');
  const long = `ClusterProfile/${'a'.repeat(240)}`;
  const v = profileLabelValue(long);
  assert.ok(v.length <= 63 && LABEL.test(v), v);
  assert.equal(profileLabelValue(long), v);
  assert.notEqual(profileLabelValue(`ClusterProfile/${'a'.repeat(239)}b`), v);
  assert.ok(isGitsetMarked(releaseLabels('ClusterProfile/x', 'ff')));
  const labels = releaseLabels('ClusterProfile/x', `sha256:${'0123456789abcdef'.repeat(4)}`);
  assert.equal(labels['gitset.dev/hash'], '0123456789abcdef'.repeat(2));
  for (const v of Object.values(labels)) assert.ok(v.length <= 63 && LABEL.test(v), v);
  assert.ok(!isGitsetMarked({ owner: 'helm' }));
});

const secret = (name: string, version: number, status: string, extra: Record<string, string> = {}, ns = 'hello') => ({
  metadata: { name: `sh.helm.release.v1.${name}.v${version}`, namespace: ns, labels: { owner: 'helm', name, version: String(version), status, ...extra } },
});

test('the inventory keeps the newest record of each release and tells gitset-marked ones apart', () => {
  const inv = readInventory({
    kind: 'PartialObjectMetadataList',
    items: [
      secret('hello', 1, 'superseded', releaseLabels('ClusterProfile/hello', 'ab'.repeat(32))),
      secret('hello', 2, 'deployed', releaseLabels('ClusterProfile/hello', 'ab'.repeat(32))),
      secret('victim', 4, 'deployed', {}, 'prod-db'),
      { metadata: { name: 'not-helm', namespace: 'x', labels: { owner: 'someone' } } },
    ],
  });
  assert.deepEqual([...inv.keys()].sort(), ['hello/hello', 'prod-db/victim']);
  assert.deepEqual(inv.get('hello/hello'), {
    releaseNamespace: 'hello', releaseName: 'hello', revision: 2, status: 'deployed',
    secretName: 'sh.helm.release.v1.hello.v2', marked: true, profileLabel: 'clusterprofile.hello', hashLabel: 'ab'.repeat(16),
  });
  assert.equal(inv.get('prod-db/victim')!.marked, false);
  assert.throws(() => readInventory({ kind: 'Status' }), InventoryError);
});

test("helm's createdAt and modifiedAt labels say when the newest record was written", () => {
  const inv = readInventory({
    items: [
      secret('a', 1, 'superseded', { createdAt: '1764900000', modifiedAt: '1764900600' }),
      secret('a', 2, 'deployed', { createdAt: '1764901000', modifiedAt: '1764901030' }),
      secret('b', 1, 'deployed', { createdAt: '1764902000' }),
      secret('c', 1, 'deployed', { createdAt: 'yesterday', modifiedAt: '-5' }),
    ],
  });
  assert.equal(inv.get('hello/a')!.deployedAt, new Date(1764901030 * 1000).toISOString(), 'the later of the newest record\'s two');
  assert.equal(inv.get('hello/b')!.deployedAt, new Date(1764902000 * 1000).toISOString());
  assert.equal(inv.get('hello/c')!.deployedAt, undefined, 'labels that are no time are ignored');
});

test('a release record decodes to the objects of its manifest', () => {
  const manifest = '---\n# Source: hello/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hello\nspec:\n  replicas: 1\n---\n\n';
  const body = gzipSync(JSON.stringify({ name: 'hello', namespace: 'hello', version: 3, info: { status: 'deployed' }, manifest }));
  const helmEncoded = body.toString('base64');
  const rec = decodeReleaseRecord({ data: { release: Buffer.from(helmEncoded).toString('base64') } });
  assert.equal(rec.revision, 3);
  assert.equal(rec.status, 'deployed');
  assert.deepEqual(rec.objects.map((o) => `${o.kind}/${o.metadata.name}`), ['Deployment/hello']);
  assert.throws(() => decodeReleaseRecord({ data: {} }), /no data.release/);
});

const deployment = manifestObjects(
  'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hello\n  labels: {app: hello}\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: hello\n        image: hello:1\n        resources: {}\n',
)[0]!;
const liveOf = (replicas: number, image = 'hello:1') => ({
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'hello', namespace: 'hello', labels: { app: 'hello', extra: 'x' }, uid: 'u', generation: 2 },
  spec: { replicas, strategy: { type: 'RollingUpdate' }, template: { spec: { containers: [{ name: 'hello', image, imagePullPolicy: 'IfNotPresent' }] } } },
  status: { replicas },
});

test('drift: fields the chart sets, changed by hand, are findings with evidence; defaults are not', () => {
  const key = objectKey(deployment, 'hello');
  assert.deepEqual(findDrift([deployment], new Map([[key, liveOf(1)]]), [], 'hello'), []);
  assert.deepEqual(
    findDrift([deployment], new Map([[key, liveOf(5, 'evil:2')]]), [], 'hello').map((f) => f.evidence),
    ['Deployment hello/hello spec.replicas 5 → 1', 'Deployment hello/hello spec.template.spec.containers[0].image evil:2 → hello:1'],
  );
  assert.deepEqual(findDrift([deployment], new Map([[key, null]]), [], 'hello').map((f) => f.evidence), ['Deployment hello/hello deleted']);
  assert.deepEqual(findDrift([deployment], new Map(), [], 'hello'), [], 'an object not read is not judged');
});

test('drift: driftExclusions paths stay as edited, only on the objects they target', () => {
  const key = objectKey(deployment, 'hello');
  const live = new Map([[key, liveOf(5)]]);
  assert.deepEqual(findDrift([deployment], live, [{ paths: ['/spec/replicas'], target: { kind: 'Deployment' } }], 'hello'), []);
  assert.deepEqual(findDrift([deployment], live, [{ paths: ['/spec/replicas'] }], 'hello'), []);
  assert.equal(findDrift([deployment], live, [{ paths: ['/spec/replicas'], target: { kind: 'StatefulSet' } }], 'hello').length, 1);
  assert.equal(findDrift([deployment], live, [{ paths: ['/spec/replicas'], target: { kind: 'Deployment', namespace: 'other' } }], 'hello').length, 1);
  assert.deepEqual(parsePointer('/metadata/annotations/a~1b'), ['metadata', 'annotations', 'a/b']);
});

test('drift: an object annotated projectsveltos.io/driftDetectionIgnore (by a patch, or by hand) is not judged', () => {
  const key = objectKey(deployment, 'hello');
  const ignored = { ...deployment, metadata: { ...deployment.metadata, annotations: { 'projectsveltos.io/driftDetectionIgnore': 'ok' } } };
  assert.deepEqual(findDrift([ignored], new Map([[key, liveOf(5)]]), [], 'hello'), []);
  assert.deepEqual(findDrift([ignored], new Map([[key, null]]), [], 'hello'), []);
  const live = liveOf(5);
  assert.deepEqual(findDrift([deployment], new Map([[key, { ...live, metadata: { ...live.metadata, annotations: { 'projectsveltos.io/driftDetectionIgnore': '' } } }]]), [], 'hello'), []);
  assert.equal(findDrift([deployment], new Map([[key, live]]), [], 'hello').length, 1);
});

test('health: workloads are judged as kstatus does', () => {
  const dep = (replicas: number, status: Record<string, unknown>, generation = 1) => ({
    kind: 'Deployment', metadata: { name: 'd', namespace: 'n', generation }, spec: { replicas }, status: { observedGeneration: 1, ...status },
  });
  assert.equal(objectHealth(dep(2, { updatedReplicas: 2, availableReplicas: 2 })).state, 'Healthy');
  assert.deepEqual(objectHealth(dep(2, { updatedReplicas: 2, availableReplicas: 1 })), { state: 'Progressing', message: 'Deployment n/d: 1 of 2 replicas available' });
  assert.equal(objectHealth(dep(2, { updatedReplicas: 2, availableReplicas: 2 }, 2)).state, 'Progressing');
  assert.equal(objectHealth(dep(1, { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] })).state, 'Degraded');
  assert.equal(objectHealth({ kind: 'Job', metadata: { name: 'j' }, status: { conditions: [{ type: 'Complete', status: 'True' }] } }).state, 'Healthy');
  assert.equal(objectHealth({ kind: 'Job', metadata: { name: 'j' }, status: {} }).state, 'Progressing');
  assert.equal(objectHealth({ kind: 'CustomResourceDefinition', metadata: { name: 'c' }, status: { conditions: [{ type: 'Established', status: 'True' }] } }).state, 'Healthy');
  assert.equal(objectHealth({ kind: 'StatefulSet', metadata: { name: 's' }, spec: { replicas: 3 }, status: { readyReplicas: 2 } }).state, 'Progressing');
  assert.equal(objectHealth({ kind: 'DaemonSet', metadata: { name: 'ds' }, status: { desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2 } }).state, 'Healthy');
  assert.equal(objectHealth({ kind: 'ConfigMap', metadata: { name: 'c' } }).state, 'Healthy');
  const h = releaseHealth([{ name: 'ConfigMap n/c', live: { kind: 'ConfigMap', metadata: { name: 'c' } } }, { name: 'Deployment n/d', live: null }]);
  assert.deepEqual(h, { state: 'Degraded', message: 'Deployment n/d: not found' });
});
