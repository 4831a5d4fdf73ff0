// The shapes a GET may be answered in, chosen by the Accept header as the real API server
// does: the objects themselves, metadata only (`as=PartialObjectMetadata[List]`, how a
// client reads helm's release records without their payload), or a `Table` (`as=Table`,
// what `kubectl get` prints), and the autoscaling/v1 `Scale` view of a workload.
import type { ResourceType } from './apiserver-discovery.ts';
import { ApiError } from './apiserver-http.ts';
import type { KubeObject } from './apiserver-store.ts';
import { tableColumns } from './apiserver-table.ts';

export type Representation = 'object' | 'metadata' | 'table';

const META_GROUP_VERSIONS = new Set(['v1', 'v1beta1']);

function offerOf(text: string): { type: string; params: Map<string, string> } {
  const [type = '', ...rest] = text.split(';').map((s) => s.trim());
  const params = new Map(rest.map((p) => p.split('=', 2).map((s) => s.trim()) as [string, string]));
  return { type: type.toLowerCase(), params };
}

/**
 * The first offer of the Accept header this server can answer, in the client's order.
 * Other offers (protobuf, YAML) are passed over and, when nothing else is offered, answered
 * with the objects in JSON, as before content negotiation; a client that asked only for
 * representations this server does not know (`as=Unknown`) gets 406, as on a real server.
 */
export function representationOf(accept: string | undefined, list: boolean): Representation {
  let askedAs = false;
  for (const text of (accept ?? '').split(',')) {
    const { type, params } = offerOf(text);
    const as = params.get('as');
    askedAs ||= as !== undefined;
    if (type !== 'application/json' && type !== '*/*' && type !== 'application/*') continue;
    if (as === undefined) return 'object';
    if (params.get('g') !== 'meta.k8s.io' || !META_GROUP_VERSIONS.has(params.get('v') ?? '')) continue;
    if (as === 'Table') return 'table';
    if (as === (list ? 'PartialObjectMetadataList' : 'PartialObjectMetadata')) return 'metadata';
  }
  if (!askedAs) return 'object';
  throw new ApiError('NotAcceptable', `only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io, application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io`);
}

/**
 * Watch events carry single objects: metadata-only when asked for (a metadata informer),
 * otherwise whole objects; a Table watch (`kubectl get -w`) is answered with objects too.
 */
export function watchRepresentation(accept: string | undefined): 'object' | 'metadata' {
  for (const list of [false, true]) {
    try {
      if (representationOf(accept, list) === 'metadata') return 'metadata';
    } catch {
      // nothing acceptable in this form; the other may be
    }
  }
  return 'object';
}

/** The Content-Type of an answer in that representation. */
export function contentTypeOf(representation: Representation, list: boolean): string {
  switch (representation) {
    case 'object':
      return 'application/json';
    case 'metadata':
      return `application/json;as=${list ? 'PartialObjectMetadataList' : 'PartialObjectMetadata'};g=meta.k8s.io;v=v1`;
    case 'table':
      return 'application/json;as=Table;g=meta.k8s.io;v=v1';
    default: {
      const never: never = representation;
      return never;
    }
  }
}

export function partialMetadata(o: KubeObject): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function partialMetadataList(items: readonly KubeObject[], resourceVersion: string): object {
  return { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion }, items: items.map(partialMetadata) };
}

/** `includeObject`: what each row carries besides its cells (PartialObjectMetadata by default). */
function rowObject(o: KubeObject, typed: KubeObject, include: string | null): object {
  switch (include ?? 'PartialObjectMetadata') {
    case 'None':
      return {};
    case 'Object':
      return { object: typed };
    case 'PartialObjectMetadata':
      return { object: partialMetadata(o) };
    default:
      throw new ApiError('BadRequest', `includeObject must be None, Object or PartialObjectMetadata, not ${JSON.stringify(include)}`);
  }
}

export function table(rt: ResourceType, objects: readonly KubeObject[], typed: (o: KubeObject) => KubeObject, query: URLSearchParams, now: Date, resourceVersion: string): object {
  const columns = tableColumns(rt);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map(({ name, type, format, priority }) => ({ name, type, format: format ?? '', description: name, priority: priority ?? 0 })),
    rows: objects.map((o) => ({ cells: columns.map((c) => c.cell(o, now)), ...rowObject(o, typed(o), query.get('includeObject')) })),
  };
}

/** The autoscaling/v1 Scale view of a workload (the `scale` subresource). */
export function scaleOf(o: KubeObject): KubeObject {
  const replicas = (o.spec as { replicas?: number } | undefined)?.replicas ?? 1;
  const status = (o.status ?? {}) as { replicas?: number };
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: o.metadata.name, namespace: o.metadata.namespace, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, creationTimestamp: o.metadata.creationTimestamp },
    spec: { replicas },
    status: { replicas: status.replicas ?? replicas },
  };
}
