// Decoding Kubernetes protobuf bodies: a Secret encoded by hand here the way client-go's
// generated marshallers lay it out (field numbers from k8s.io/api core/v1 generated.proto).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKubernetesProtobuf } from '../../src/sim/apiserver-protobuf.ts';

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}
const field = (no: number, value: Buffer | string): Buffer => {
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
  return Buffer.concat([varint((no << 3) | 2), varint(bytes.length), bytes]);
};
const bool = (no: number, v: boolean): Buffer => Buffer.concat([varint(no << 3), varint(v ? 1 : 0)]);
const entry = (no: number, k: string, v: Buffer | string): Buffer => field(no, Buffer.concat([field(1, k), field(2, v)]));
const envelope = (apiVersion: string, kind: string, raw: Buffer): Buffer =>
  Buffer.concat([
    Buffer.from('k8s\0', 'binary'),
    field(1, Buffer.concat([field(1, apiVersion), field(2, kind)])),
    field(2, raw),
    field(4, ''),
  ]);

test('decodes a Secret: metadata, labels, data, type, immutable', () => {
  const release = Buffer.alloc(300, 7); // long enough to need a two-byte length
  const meta = Buffer.concat([
    field(1, 'sh.helm.release.v1.web.v1'),
    field(3, 'apps'),
    entry(11, 'owner', 'helm'),
    entry(11, 'name', 'web'),
    entry(12, 'note', 'x'),
  ]);
  const secret = Buffer.concat([field(1, meta), entry(2, 'release', release), field(3, 'helm.sh/release.v1'), bool(5, true)]);
  const decoded = decodeKubernetesProtobuf(envelope('v1', 'Secret', secret));
  assert.deepEqual(decoded, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'sh.helm.release.v1.web.v1', namespace: 'apps', labels: { owner: 'helm', name: 'web' }, annotations: { note: 'x' } },
    data: { release: release.toString('base64') },
    type: 'helm.sh/release.v1',
    immutable: true,
  });
});

test('decodes a ConfigMap (HELM_DRIVER=configmap)', () => {
  const cm = Buffer.concat([field(1, field(1, 'c')), entry(2, 'k', 'v')]);
  assert.deepEqual(decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', cm)), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: 'v' } });
});

test('other kinds are refused as 415 so the client can send JSON; garbage as 400', () => {
  assert.throws(() => decodeKubernetesProtobuf(envelope('apps/v1', 'Deployment', Buffer.alloc(0))), (err: { code?: number; reason?: string }) => err.code === 415 && err.reason === 'UnsupportedMediaType');
  assert.throws(() => decodeKubernetesProtobuf(Buffer.from('{"kind":"Secret"}')), (err: { code?: number }) => err.code === 400);
  assert.throws(() => decodeKubernetesProtobuf(Buffer.concat([Buffer.from('k8s\0', 'binary'), Buffer.from([0x12, 0x50, 0x01])])), (err: { code?: number }) => err.code === 400);
});
