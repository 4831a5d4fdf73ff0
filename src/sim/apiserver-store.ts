// In-memory object storage of the simulated API server: objects kept as JSON per resource
// type (group + plural, so every served version sees the same object), one cluster-wide
// resourceVersion counter, and a bounded event log so a watch can resume from a version.
import { randomUUID } from 'node:crypto';
import type { ResourceType } from './apiserver-discovery.ts';

export type KubeObject = Record<string, unknown> & { metadata: ObjectMetadata };

export interface ObjectMetadata {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  typeKey: string;
  object: KubeObject;
  rv: number;
}

export type StoreErrorCode = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Invalid' | 'Expired';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const EVENT_LOG_SIZE = 1000;

export interface WriteOptions {
  /** Validate and answer, store nothing (`?dryRun=All`). */
  dryRun?: boolean;
  /** A write through the `status` subresource: the controllers do not overwrite it. */
  statusOnly?: boolean;
}

export function typeKey(rt: Pick<ResourceType, 'group' | 'resource'>): string {
  return `${rt.group}/${rt.resource}`;
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** Kubernetes timestamps have second precision: `2024-01-02T03:04:05Z`. */
function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/**
 * Types whose objects carry no `metadata.generation` on a real server: plain data and
 * bookkeeping (ConfigMaps, Secrets, Services, RBAC, …), as opposed to specs that
 * controllers roll out (workloads, CRDs, custom resources), which do.
 */
const WITHOUT_GENERATION = new Set([
  ...['namespaces', 'nodes', 'pods', 'services', 'endpoints', 'configmaps', 'secrets', 'serviceaccounts'].map((r) => `/${r}`),
  ...['persistentvolumes', 'persistentvolumeclaims', 'events', 'limitranges', 'resourcequotas'].map((r) => `/${r}`),
  ...['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'].map((r) => `rbac.authorization.k8s.io/${r}`),
  'coordination.k8s.io/leases',
  'discovery.k8s.io/endpointslices',
]);

/** Everything but metadata and status: a change there bumps `metadata.generation`. */
function specPart(obj: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = obj;
  return JSON.stringify(rest);
}

export class ObjectStore {
  private rv = 1;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly events: WatchEvent[] = [];
  private readonly listeners = new Set<(e: WatchEvent) => void>();

  /**
   * `converge` runs on every write of an object itself (not of its status), after the server
   * set its metadata: the simulated controllers fill in `status` there.
   */
  constructor(
    private readonly clock: () => Date = () => new Date(),
    private readonly converge: (rt: ResourceType, obj: KubeObject) => void = () => {},
  ) {}

  resourceVersion(): string {
    return String(this.rv);
  }

  private bucket(rt: ResourceType): Map<string, KubeObject> {
    const key = typeKey(rt);
    let b = this.objects.get(key);
    if (!b) this.objects.set(key, (b = new Map()));
    return b;
  }

  get(rt: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.objects.get(typeKey(rt))?.get(objectKey(rt.namespaced ? namespace : undefined, name));
    return o && clone(o);
  }

  /** Objects of a type, of one namespace or all, sorted by namespace then name. */
  list(rt: ResourceType, namespace?: string): KubeObject[] {
    const all = [...(this.objects.get(typeKey(rt))?.values() ?? [])];
    return all
      .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
      .sort((a, b) => objectKey(a.metadata.namespace, a.metadata.name!).localeCompare(objectKey(b.metadata.namespace, b.metadata.name!)))
      .map(clone);
  }

  /** Every stored object of every type, for tests and inspection. */
  allObjects(): Array<{ typeKey: string; object: KubeObject }> {
    return [...this.objects].flatMap(([k, b]) => [...b.values()].map((o) => ({ typeKey: k, object: clone(o) })));
  }

  create(rt: ResourceType, input: KubeObject, { dryRun = false }: WriteOptions = {}): KubeObject {
    const obj = clone(input);
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomUUID().slice(0, 5);
    if (!meta.name) throw new StoreError('Invalid', `${rt.kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
    if (rt.namespaced) {
      if (!meta.namespace) throw new StoreError('Invalid', `${rt.kind} "${meta.name}": the namespace of the object must be set`);
    } else delete meta.namespace;
    const b = this.bucket(rt);
    const key = objectKey(meta.namespace, meta.name);
    if (b.has(key)) throw new StoreError('AlreadyExists', `${rt.resource}${rt.group ? '.' + rt.group : ''} "${meta.name}" already exists`);
    meta.uid = randomUUID();
    meta.creationTimestamp = timestamp(this.clock());
    if (WITHOUT_GENERATION.has(typeKey(rt))) delete meta.generation;
    else meta.generation = 1;
    delete meta.resourceVersion;
    this.converge(rt, obj);
    if (dryRun) return { ...obj, metadata: { ...meta, resourceVersion: String(this.rv) } };
    meta.resourceVersion = String(++this.rv);
    b.set(key, obj);
    this.emit('ADDED', rt, obj);
    return clone(obj);
  }

  /** Replaces an object; a resourceVersion in `input` must match the stored one (optimistic concurrency). */
  update(rt: ResourceType, input: KubeObject, { dryRun = false, statusOnly = false }: WriteOptions = {}): KubeObject {
    const obj = clone(input);
    const meta = obj.metadata;
    if (!rt.namespaced) delete meta.namespace;
    const b = this.bucket(rt);
    const key = objectKey(meta.namespace, meta.name ?? '');
    const old = b.get(key);
    if (!old) throw new StoreError('NotFound', `${rt.resource}${rt.group ? '.' + rt.group : ''} "${meta.name}" not found`);
    if (meta.resourceVersion && meta.resourceVersion !== old.metadata.resourceVersion) {
      throw new StoreError(
        'Conflict',
        `Operation cannot be fulfilled on ${rt.resource}${rt.group ? '.' + rt.group : ''} "${meta.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    meta.uid = old.metadata.uid;
    meta.creationTimestamp = old.metadata.creationTimestamp;
    if (WITHOUT_GENERATION.has(typeKey(rt))) delete meta.generation;
    else meta.generation = (old.metadata.generation ?? 1) + (specPart(obj) === specPart(old) ? 0 : 1);
    if (!statusOnly) this.converge(rt, obj);
    if (JSON.stringify({ ...obj, metadata: { ...meta, resourceVersion: undefined } }) === JSON.stringify({ ...old, metadata: { ...old.metadata, resourceVersion: undefined } })) {
      return clone(old); // a no-op write keeps the resourceVersion, as on a real server
    }
    if (dryRun) return { ...obj, metadata: { ...meta, resourceVersion: old.metadata.resourceVersion } };
    meta.resourceVersion = String(++this.rv);
    b.set(key, obj);
    this.emit('MODIFIED', rt, obj);
    return clone(obj);
  }

  delete(rt: ResourceType, namespace: string | undefined, name: string, { dryRun = false }: WriteOptions = {}): KubeObject {
    const b = this.bucket(rt);
    const key = objectKey(rt.namespaced ? namespace : undefined, name);
    const old = b.get(key);
    if (!old) throw new StoreError('NotFound', `${rt.resource}${rt.group ? '.' + rt.group : ''} "${name}" not found`);
    if (dryRun) return clone(old);
    b.delete(key);
    const gone = { ...old, metadata: { ...old.metadata, resourceVersion: String(++this.rv) } };
    this.emit('DELETED', rt, gone);
    return clone(gone);
  }

  /** Removes every namespaced object of `namespace` (what the namespace controller does). */
  deleteNamespaceContents(types: readonly ResourceType[], namespace: string): void {
    const seen = new Set<string>();
    for (const rt of types) {
      if (!rt.namespaced || seen.has(typeKey(rt))) continue;
      seen.add(typeKey(rt));
      for (const o of this.list(rt, namespace)) this.delete(rt, namespace, o.metadata.name!);
    }
  }

  private emit(type: WatchEventType, rt: ResourceType, obj: KubeObject): void {
    // Stored objects are never mutated in place (writes replace them), so events can share them.
    const event: WatchEvent = { type, typeKey: typeKey(rt), object: obj, rv: this.rv };
    this.events.push(event);
    if (this.events.length > EVENT_LOG_SIZE) this.events.shift();
    for (const l of this.listeners) l(event);
  }

  /**
   * Events after resourceVersion `since` (replayed from the log), then live ones.
   * Throws Expired when the log no longer reaches back that far (the client re-lists).
   */
  watch(since: number | undefined, listener: (e: WatchEvent) => void): () => void {
    if (since !== undefined && since < this.rv) {
      const oldest = this.events[0];
      if (oldest && oldest.rv > since + 1 && this.events.length >= EVENT_LOG_SIZE) {
        throw new StoreError('Expired', `too old resource version: ${since} (${oldest.rv - 1})`);
      }
      for (const e of this.events) if (e.rv > since) listener(e);
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
