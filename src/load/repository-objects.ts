// The repository's other Kubernetes objects (every kind but gitset's five): what Sveltos would
// find on its management cluster when a profile's `templateResourceRefs` name an object. Each is
// kept as the API server would return it (a Secret's `stringData` folded into base64 `data`, a
// namespaced object without a namespace in `default`), frozen, and found by group, kind,
// namespace and name. A Secret's content is kept here and never quoted by anything that finds it.

/** One object of the repository as a template sees it: apiVersion, kind, metadata, the rest as written. */
export type RepositoryObject = Readonly<Record<string, unknown>> & {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: Readonly<Record<string, unknown>> & { readonly name: string; readonly namespace?: string };
};

/** What a reference names: apiVersion (the version is not compared: the API server serves every version of a group), kind, namespace, name. */
export interface ObjectLookup {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/**
 * Kinds of the core and common groups that have no namespace. An object of another kind written
 * without `metadata.namespace` lives in `default`, as `kubectl apply` would put it.
 */
const CLUSTER_SCOPED = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'storage.k8s.io/StorageClass',
  'scheduling.k8s.io/PriorityClass',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'networking.k8s.io/IngressClass',
  'cluster.x-k8s.io/ClusterClass',
]);

/** The API group of an apiVersion: `apps` of `apps/v1`, `` of `v1`. */
export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
}

export function isClusterScoped(apiVersion: string, kind: string): boolean {
  return CLUSTER_SCOPED.has(`${groupOf(apiVersion)}/${kind}`);
}

/** The document as a repository object, or undefined when it is not a Kubernetes object with a name. */
export function repositoryObjectOf(raw: unknown): RepositoryObject | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const doc = raw as Record<string, unknown>;
  const meta = doc.metadata;
  if (typeof doc.apiVersion !== 'string' || doc.apiVersion === '' || typeof doc.kind !== 'string' || doc.kind === '') return undefined;
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) return undefined;
  const m = meta as Record<string, unknown>;
  if (typeof m.name !== 'string' || m.name === '') return undefined;
  const namespaced = !isClusterScoped(doc.apiVersion, doc.kind);
  const namespace = typeof m.namespace === 'string' && m.namespace !== '' ? m.namespace : 'default';
  const { namespace: _n, ...restMeta } = m;
  const metadata = { ...restMeta, name: m.name, ...(namespaced ? { namespace } : {}) };
  const object = { ...doc, metadata } as Record<string, unknown>;
  if (doc.apiVersion === 'v1' && doc.kind === 'Secret') foldStringData(object);
  return object as RepositoryObject;
}

/** The API server stores a Secret's `stringData` base64-encoded in `data`, and never returns `stringData`. */
function foldStringData(secret: Record<string, unknown>): void {
  const data = { ...(isRecord(secret.data) ? secret.data : {}) };
  if (isRecord(secret.stringData)) {
    for (const [k, v] of Object.entries(secret.stringData)) if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
  }
  delete secret.stringData;
  if (Object.keys(data).length > 0) secret.data = data;
  if (secret.type === undefined) secret.type = 'Opaque';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** `group/Kind/namespace/name`: what two objects of the repository must not share. */
export function repositoryObjectKey(o: { apiVersion: string; kind: string; namespace?: string; name: string }): string {
  return `${groupOf(o.apiVersion)}/${o.kind}/${isClusterScoped(o.apiVersion, o.kind) ? '' : (o.namespace ?? 'default')}/${o.name}`;
}

export interface RepositoryObjectIndex {
  find(ref: ObjectLookup): RepositoryObject | undefined;
  /** Whether some namespace holds an object of this group, kind and name (for references whose namespace is each cluster's). */
  inSomeNamespace(ref: Omit<ObjectLookup, 'namespace'>): boolean;
}

/** Indexes a repository's objects; the first of two with the same key counts (the loader reports the duplicate). */
export function indexRepositoryObjects(objects: readonly RepositoryObject[]): RepositoryObjectIndex {
  const byKey = new Map<string, RepositoryObject>();
  const names = new Set<string>();
  for (const o of objects) {
    const key = repositoryObjectKey({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });
    if (!byKey.has(key)) byKey.set(key, o);
    names.add(`${groupOf(o.apiVersion)}/${o.kind}/${o.metadata.name}`);
  }
  return {
    find: (ref) => byKey.get(repositoryObjectKey(ref)),
    inSomeNamespace: (ref) => names.has(`${groupOf(ref.apiVersion)}/${ref.kind}/${ref.name}`),
  };
}
