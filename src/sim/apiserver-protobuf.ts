// Decodes the Kubernetes protobuf wire format for the kinds clients send that way. helm 4
// stores its releases as Secrets (or ConfigMaps with HELM_DRIVER=configmap) and client-go
// sends built-in kinds as `application/vnd.kubernetes.protobuf`: the magic `k8s\0`, then a
// runtime.Unknown{typeMeta{apiVersion, kind}, raw, contentEncoding, contentType} whose raw
// bytes are the object's own message. Field numbers are those of k8s.io/api generated.proto.
import { ApiError } from './apiserver-http.ts';
import type { KubeObject } from './apiserver-store.ts';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Field = { no: number; wire: number; value: bigint | Buffer };

/** Splits one protobuf message into its fields (varint and length-delimited; fixed ones skipped). */
export function readFields(buf: Buffer): Field[] {
  const fields: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new ApiError('BadRequest', 'truncated protobuf varint');
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new ApiError('BadRequest', 'protobuf varint too long');
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const no = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    switch (wire) {
      case 0:
        fields.push({ no, wire, value: varint() });
        break;
      case 1:
        pos += 8;
        break;
      case 2: {
        const len = Number(varint());
        if (pos + len > buf.length) throw new ApiError('BadRequest', 'truncated protobuf field');
        fields.push({ no, wire, value: buf.subarray(pos, pos + len) });
        pos += len;
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        throw new ApiError('BadRequest', `unsupported protobuf wire type ${wire}`);
    }
  }
  return fields;
}

function str(f: Field): string {
  return (f.value as Buffer).toString('utf8');
}

function bytes(f: Field): Buffer {
  return f.value as Buffer;
}

function num(f: Field): number {
  return Number(f.value as bigint);
}

/** map<string, V> entries: a message with key = 1 and value = 2. */
function mapEntry<V>(f: Field, value: (f: Field) => V): [string, V | undefined] {
  const entry = readFields(bytes(f));
  const k = entry.find((e) => e.no === 1);
  const v = entry.find((e) => e.no === 2);
  return [k ? str(k) : '', v ? value(v) : undefined];
}

function time(f: Field): string {
  const seconds = readFields(bytes(f)).find((e) => e.no === 1);
  return new Date((seconds ? num(seconds) : 0) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function ownerReference(f: Field): object {
  const ref: Record<string, unknown> = {};
  for (const e of readFields(bytes(f))) {
    if (e.no === 5) ref.apiVersion = str(e);
    if (e.no === 1) ref.kind = str(e);
    if (e.no === 3) ref.name = str(e);
    if (e.no === 4) ref.uid = str(e);
    if (e.no === 6) ref.controller = num(e) !== 0;
    if (e.no === 7) ref.blockOwnerDeletion = num(e) !== 0;
  }
  return ref;
}

export function decodeObjectMeta(buf: Buffer): KubeObject['metadata'] {
  const meta: KubeObject['metadata'] = {};
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  const owners: object[] = [];
  const finalizers: string[] = [];
  for (const f of readFields(buf)) {
    switch (f.no) {
      case 1: meta.name = str(f); break;
      case 2: meta.generateName = str(f); break;
      case 3: meta.namespace = str(f); break;
      case 5: meta.uid = str(f); break;
      case 6: meta.resourceVersion = str(f); break;
      case 7: meta.generation = num(f); break;
      case 8: meta.creationTimestamp = time(f); break;
      case 11: { const [k, v] = mapEntry(f, str); labels[k] = v ?? ''; break; }
      case 12: { const [k, v] = mapEntry(f, str); annotations[k] = v ?? ''; break; }
      case 13: owners.push(ownerReference(f)); break;
      case 14: finalizers.push(str(f)); break;
      default: break; // selfLink, deletion fields, managedFields: not needed for a new object
    }
  }
  if (Object.keys(labels).length > 0) meta.labels = labels;
  if (Object.keys(annotations).length > 0) meta.annotations = annotations;
  if (owners.length > 0) meta.ownerReferences = owners;
  if (finalizers.length > 0) meta.finalizers = finalizers;
  for (const k of Object.keys(meta)) if (meta[k] === '') delete meta[k];
  return meta;
}

function decodeSecret(raw: Buffer): KubeObject {
  const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: {} };
  const data: Record<string, string> = {};
  const stringData: Record<string, string> = {};
  for (const f of readFields(raw)) {
    if (f.no === 1) secret.metadata = decodeObjectMeta(bytes(f));
    if (f.no === 2) { const [k, v] = mapEntry(f, bytes); data[k] = (v ?? Buffer.alloc(0)).toString('base64'); }
    if (f.no === 3) secret.type = str(f);
    if (f.no === 4) { const [k, v] = mapEntry(f, str); stringData[k] = v ?? ''; }
    if (f.no === 5) secret.immutable = num(f) !== 0;
  }
  // stringData is write-only: the server folds it into data, as the real one does.
  for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(v, 'utf8').toString('base64');
  if (Object.keys(data).length > 0) secret.data = data;
  return secret;
}

function decodeConfigMap(raw: Buffer): KubeObject {
  const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} };
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  for (const f of readFields(raw)) {
    if (f.no === 1) cm.metadata = decodeObjectMeta(bytes(f));
    if (f.no === 2) { const [k, v] = mapEntry(f, str); data[k] = v ?? ''; }
    if (f.no === 3) { const [k, v] = mapEntry(f, bytes); binaryData[k] = (v ?? Buffer.alloc(0)).toString('base64'); }
    if (f.no === 4) cm.immutable = num(f) !== 0;
  }
  if (Object.keys(data).length > 0) cm.data = data;
  if (Object.keys(binaryData).length > 0) cm.binaryData = binaryData;
  return cm;
}

/** The object in a `application/vnd.kubernetes.protobuf` body, or 415 for kinds we do not decode. */
export function decodeKubernetesProtobuf(body: Buffer): KubeObject {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new ApiError('BadRequest', 'protobuf body does not start with the Kubernetes magic prefix');
  }
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  for (const f of readFields(body.subarray(MAGIC.length))) {
    if (f.no === 1) {
      for (const t of readFields(bytes(f))) {
        if (t.no === 1) apiVersion = str(t);
        if (t.no === 2) kind = str(t);
      }
    }
    if (f.no === 2) raw = bytes(f);
  }
  if (apiVersion === 'v1' && kind === 'Secret') return decodeSecret(raw);
  if (apiVersion === 'v1' && kind === 'ConfigMap') return decodeConfigMap(raw);
  throw new ApiError('UnsupportedMediaType', `the simulated API server does not decode ${apiVersion} ${kind} from protobuf; send JSON`);
}
