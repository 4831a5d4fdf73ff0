// The REST verbs on resource types: get, list, watch, create, update, patch, delete and
// deletecollection, with the status and scale subresources, answering in JSON as the real
// API server does (Status objects on errors, lists with a resourceVersion, metadata-only
// and Table answers when the Accept header asks for them).
import type { IncomingMessage, ServerResponse } from 'node:http';
import YAML from 'yaml';
import type { ResourceRegistry, ResourceType } from './apiserver-discovery.ts';
import { managedFieldsOf, previousApply, recordApply } from './apiserver-apply.ts';
import { deleteCollection, deleteObject } from './apiserver-delete.ts';
import { ApiError, asApiError, mediaType, readBody, sendJson } from './apiserver-http.ts';
import { decodeKubernetesProtobuf } from './apiserver-protobuf.ts';
import { jsonPatch, mergePatch, serverSideApply, strategicMergePatch } from './apiserver-patch.ts';
import type { ResourceRoute } from './apiserver-routes.ts';
import { validateObject } from './apiserver-validate.ts';
import { selectorFilter } from './apiserver-select.ts';
import type { KubeObject, ObjectStore } from './apiserver-store.ts';
import { serveWatch } from './apiserver-watch.ts';
import { contentTypeOf, partialMetadata, partialMetadataList, representationOf, scaleOf, table, watchRepresentation } from './apiserver-views.ts';

type Json = Parameters<typeof mergePatch>[0];

export function apiVersionOf(rt: ResourceType): string {
  return rt.group ? `${rt.group}/${rt.version}` : rt.version;
}

function qualified(rt: ResourceType): string {
  return rt.group ? `${rt.resource}.${rt.group}` : rt.resource;
}

const REPLICATED = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

export class ResourceApi {
  constructor(
    private readonly registry: ResourceRegistry,
    private readonly store: ObjectStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private typed(rt: ResourceType, o: KubeObject): KubeObject {
    return { apiVersion: apiVersionOf(rt), kind: rt.kind, ...o, metadata: o.metadata };
  }

  private list(rt: ResourceType, items: KubeObject[]): object {
    return { kind: `${rt.kind}List`, apiVersion: apiVersionOf(rt), metadata: { resourceVersion: this.store.resourceVersion() }, items: items.map((o) => this.typed(rt, o)) };
  }

  async handle(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, query: URLSearchParams): Promise<void> {
    const { rt, name, subresource } = route;
    const watch = route.watchPath || query.get('watch') === 'true' || query.get('watch') === '1';
    try {
      switch (req.method) {
        case 'GET':
          if (watch) {
            const typed = watchRepresentation(req.headers.accept) === 'metadata' ? partialMetadata : (o: KubeObject) => this.typed(rt, o);
            return serveWatch(req, res, { rt, namespace: route.namespace, name, query, store: this.store, typed });
          }
          return this.read(req, res, route, query);
        case 'POST':
          if (name !== undefined) throw new ApiError('MethodNotAllowed', `the server does not allow this method on the requested resource`, undefined, 405);
          return sendJson(res, 201, this.create(rt, route.namespace, await this.body(req), query));
        case 'PUT':
          if (name === undefined) throw new ApiError('MethodNotAllowed', 'the server does not allow this method on the requested resource', undefined, 405);
          return sendJson(res, 200, this.update(rt, route.namespace, name, subresource, await this.body(req), query));
        case 'PATCH': {
          if (name === undefined) throw new ApiError('MethodNotAllowed', 'the server does not allow this method on the requested resource', undefined, 405);
          const { code, object } = this.patch(rt, route.namespace, name, subresource, mediaType(req), await readBody(req), query);
          return sendJson(res, code, object);
        }
        case 'DELETE':
          if (name === undefined) return sendJson(res, 200, this.list(rt, deleteCollection(this.registry, this.store, rt, route.namespace, query)));
          return sendJson(res, 200, deleteObject(this.registry, this.store, rt, route.namespace, name, query));
        default:
          throw new ApiError('MethodNotAllowed', `method ${req.method} is not supported`, undefined, 405);
      }
    } catch (err) {
      throw asApiError(err, rt, name);
    }
  }

  private async body(req: IncomingMessage): Promise<KubeObject> {
    const raw = await readBody(req);
    const type = mediaType(req);
    let obj: unknown;
    if (type === 'application/vnd.kubernetes.protobuf') obj = decodeKubernetesProtobuf(raw);
    else if (type === 'application/json' || type === '') obj = JSON.parse(raw.toString('utf8'));
    else if (type === 'application/yaml') obj = YAML.parse(raw.toString('utf8'));
    else throw new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new ApiError('BadRequest', 'the request body must be an object');
    const o = obj as KubeObject;
    o.metadata ??= {};
    return o;
  }

  private mustGet(rt: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const o = this.store.get(rt, namespace, name);
    if (!o) throw new ApiError('NotFound', `${qualified(rt)} "${name}" not found`, { name, group: rt.group || undefined, kind: rt.resource });
    return o;
  }

  /** GET of one object or a list, in the representation the Accept header asks for. */
  private read(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, query: URLSearchParams): void {
    const { rt, name, subresource } = route;
    const list = name === undefined;
    const representation = subresource === 'scale' ? 'object' : representationOf(req.headers.accept, list);
    const found = list ? this.store.list(rt, route.namespace).filter(selectorFilter(query)) : [this.mustGet(rt, route.namespace, name)];
    const resourceVersion = this.store.resourceVersion();
    let body: object;
    switch (representation) {
      case 'object':
        body = list ? this.list(rt, found) : this.view(rt, found[0]!, subresource);
        break;
      case 'metadata':
        body = list ? partialMetadataList(found, resourceVersion) : partialMetadata(found[0]!);
        break;
      case 'table':
        body = table(rt, found, (o) => this.typed(rt, o), query, this.clock(), resourceVersion);
        break;
      default: {
        const never: never = representation;
        return never;
      }
    }
    sendJson(res, 200, body, contentTypeOf(representation, list));
  }

  private view(rt: ResourceType, o: KubeObject, subresource: string | undefined): KubeObject {
    if (subresource === 'scale' && rt.subresources?.includes('scale')) return scaleOf(o);
    if (subresource !== undefined && subresource !== 'status') throw new ApiError('NotFound', `the server could not find the requested resource`);
    return this.typed(rt, o);
  }

  private checkNamespace(rt: ResourceType, namespace: string | undefined, obj: KubeObject): void {
    if (!rt.namespaced) return;
    if (obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
      throw new ApiError('BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
    }
    obj.metadata.namespace = namespace ?? obj.metadata.namespace;
    const nsType = this.registry.find('', 'v1', 'namespaces')!;
    if (!obj.metadata.namespace || !this.store.get(nsType, undefined, obj.metadata.namespace)) {
      const ns = obj.metadata.namespace ?? '';
      throw new ApiError('NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
    }
  }

  private checkKind(rt: ResourceType, obj: KubeObject): void {
    if (obj.kind !== undefined && obj.kind !== rt.kind) {
      throw new ApiError('BadRequest', `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersionOf(rt)}) or kind ${String(obj.kind)} is not ${rt.kind}`);
    }
  }

  /** Drops the type fields the store keeps apart, and defaults `spec.replicas` to 1 as the real API server does. */
  private strip(obj: KubeObject, rt: ResourceType): KubeObject {
    const { apiVersion: _a, kind: _k, ...rest } = obj;
    const spec = rest.spec as { replicas?: unknown } | undefined;
    if (REPLICATED.has(rt.kind) && spec && typeof spec === 'object' && spec.replicas === undefined) rest.spec = { ...spec, replicas: 1 };
    return rest as KubeObject;
  }

  private create(rt: ResourceType, namespace: string | undefined, obj: KubeObject, query: URLSearchParams, managedFields?: unknown[]): KubeObject {
    this.checkKind(rt, obj);
    this.checkNamespace(rt, namespace, obj);
    const dryRun = query.get('dryRun') === 'All';
    if (obj.metadata.name !== undefined || !obj.metadata.generateName) validateObject(rt, obj);
    // The server keeps managedFields itself (apply passes them in): a client's own are dropped.
    if (managedFields === undefined) delete obj.metadata.managedFields;
    else obj.metadata.managedFields = managedFields;
    return this.typed(rt, this.store.create(rt, this.strip(obj, rt), { dryRun }));
  }

  private update(rt: ResourceType, namespace: string | undefined, name: string, subresource: string | undefined, obj: KubeObject, query: URLSearchParams): KubeObject {
    this.checkKind(rt, obj);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw new ApiError('BadRequest', `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    obj.metadata.name = name;
    if (rt.namespaced) this.checkNamespace(rt, namespace, obj);
    return this.write(rt, this.mustGet(rt, namespace, name), this.strip(obj, rt), subresource, query);
  }

  /** Stores `next` as the new state of `live`, honouring what a subresource may change. */
  private write(rt: ResourceType, live: KubeObject, next: KubeObject, subresource: string | undefined, query: URLSearchParams, managedFields = live.metadata.managedFields): KubeObject {
    const dryRun = query.get('dryRun') === 'All';
    if (subresource === 'status') {
      const updated = { ...live, status: next.status, metadata: { ...live.metadata, resourceVersion: next.metadata.resourceVersion } };
      return this.typed(rt, this.store.update(rt, updated, { dryRun, statusOnly: true }));
    }
    if (subresource === 'scale') {
      const replicas = (next.spec as { replicas?: number } | undefined)?.replicas;
      const updated = { ...live, spec: { ...(live.spec as object), replicas }, metadata: { ...live.metadata } };
      return scaleOf(this.store.update(rt, updated, { dryRun }));
    }
    if (subresource !== undefined) throw new ApiError('NotFound', 'the server could not find the requested resource');
    // Writes to the object itself never change its status: that is the controllers' part.
    const updated = { ...next, status: live.status, metadata: { ...next.metadata, namespace: live.metadata.namespace, managedFields } };
    if (updated.status === undefined) delete updated.status;
    if (managedFields === undefined) delete updated.metadata.managedFields;
    validateObject(rt, updated);
    return this.typed(rt, this.store.update(rt, updated, { dryRun }));
  }

  private patch(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    subresource: string | undefined,
    type: string,
    raw: Buffer,
    query: URLSearchParams,
  ): { code: number; object: KubeObject } {
    const text = raw.toString('utf8');
    const live = this.store.get(rt, namespace, name);
    if (type === 'application/apply-patch+yaml' || type === 'application/apply-patch+json') {
      return this.apply(rt, namespace, name, subresource, live, YAML.parse(text) as Json, query);
    }
    if (!live) throw new ApiError('NotFound', `${qualified(rt)} "${name}" not found`, { name, group: rt.group || undefined, kind: rt.resource });
    const current = (subresource === 'scale' ? scaleOf(live) : this.typed(rt, live)) as unknown as Json;
    let patched: Json;
    switch (type) {
      case 'application/merge-patch+json':
        patched = mergePatch(current, JSON.parse(text) as Json);
        break;
      case 'application/strategic-merge-patch+json':
        patched = strategicMergePatch(current, JSON.parse(text) as Json);
        break;
      case 'application/json-patch+json':
        patched = jsonPatch(current, JSON.parse(text));
        break;
      default:
        throw new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
    }
    const next = patched as unknown as KubeObject;
    if (next.metadata?.name !== name) throw new ApiError('BadRequest', 'metadata.name cannot be changed by a patch');
    return { code: 200, object: this.write(rt, live, this.strip(next, rt), subresource, query) };
  }

  private apply(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    subresource: string | undefined,
    live: KubeObject | undefined,
    applied: Json,
    query: URLSearchParams,
  ): { code: number; object: KubeObject } {
    const manager = query.get('fieldManager');
    if (!manager) throw new ApiError('BadRequest', 'PATCH with apply requires a fieldManager');
    const config = applied as unknown as KubeObject;
    if (typeof config !== 'object' || config === null) throw new ApiError('BadRequest', 'an applied configuration must be an object');
    config.metadata ??= {};
    if (config.metadata.name !== undefined && config.metadata.name !== name) throw new ApiError('BadRequest', 'the name of the applied configuration does not match the URL');
    config.metadata.name = name;
    this.checkKind(rt, config);
    if (rt.namespaced) config.metadata.namespace ??= namespace;
    const entries = managedFieldsOf(live?.metadata ?? {});
    const managedFields = recordApply(entries, manager, apiVersionOf(rt), config, this.clock());
    if (!live) {
      if (subresource !== undefined) throw new ApiError('NotFound', `${qualified(rt)} "${name}" not found`);
      return { code: 201, object: this.create(rt, namespace, structuredClone(config), query, managedFields) };
    }
    const merged = serverSideApply(this.typed(rt, live) as unknown as Json, config as unknown as Json, previousApply(entries, manager)) as unknown as KubeObject;
    delete merged.metadata.resourceVersion; // apply does not do optimistic concurrency unless the config says so
    if (config.metadata.resourceVersion) merged.metadata.resourceVersion = config.metadata.resourceVersion;
    return { code: 200, object: this.write(rt, live, this.strip(merged, rt), subresource, query, managedFields) };
  }
}
