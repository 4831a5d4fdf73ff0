// Deletions on the simulated API server: one object or a collection, and what the namespace
// controller and the garbage collector remove after them (a namespace's contents, a CRD's
// objects and type, objects whose owner is gone), all at once.
import type { ResourceRegistry, ResourceType } from './apiserver-discovery.ts';
import { crdTypes } from './apiserver-controllers.ts';
import { successStatus } from './apiserver-http.ts';
import { selectorFilter } from './apiserver-select.ts';
import { typeKey, type KubeObject, type ObjectStore } from './apiserver-store.ts';

/** Deletes one object; answers the Status a real API server sends. */
export function deleteObject(registry: ResourceRegistry, store: ObjectStore, rt: ResourceType, namespace: string | undefined, name: string, query: URLSearchParams): object {
  const dryRun = query.get('dryRun') === 'All';
  const gone = store.delete(rt, namespace, name, { dryRun });
  if (!dryRun) collectGarbage(registry, store, rt, gone);
  return successStatus({ name, group: rt.group || undefined, kind: rt.resource, uid: gone.metadata.uid });
}

/** Deletes the objects the query's selectors match; returns them as they were. */
export function deleteCollection(registry: ResourceRegistry, store: ObjectStore, rt: ResourceType, namespace: string | undefined, query: URLSearchParams): KubeObject[] {
  const keep = selectorFilter(query);
  const dryRun = query.get('dryRun') === 'All';
  const items = store.list(rt, namespace).filter(keep);
  for (const o of items) {
    const gone = store.delete(rt, o.metadata.namespace, o.metadata.name!, { dryRun });
    if (!dryRun) collectGarbage(registry, store, rt, gone);
  }
  return items;
}

/** What the namespace controller and the garbage collector do after a deletion, at once. */
function collectGarbage(registry: ResourceRegistry, store: ObjectStore, rt: ResourceType, gone: KubeObject): void {
  if (rt.kind === 'Namespace' && rt.group === '') store.deleteNamespaceContents(registry.all(), gone.metadata.name!);
  if (rt.kind === 'CustomResourceDefinition' && rt.group === 'apiextensions.k8s.io') {
    const custom = crdTypes(gone)[0];
    if (custom) {
      for (const o of store.list(custom)) store.delete(custom, o.metadata.namespace, o.metadata.name!);
      registry.removeCustom(custom.group, custom.resource);
    }
  }
  for (const { typeKey: k, object } of store.allObjects()) {
    const owners = (object.metadata.ownerReferences ?? []) as Array<{ uid?: string }>;
    if (!owners.some((ref) => ref.uid === gone.metadata.uid)) continue;
    const ownedType = registry.all().find((t) => typeKey(t) === k);
    if (!ownedType || !store.get(ownedType, object.metadata.namespace, object.metadata.name!)) continue;
    collectGarbage(registry, store, ownedType, store.delete(ownedType, object.metadata.namespace, object.metadata.name!));
  }
}
