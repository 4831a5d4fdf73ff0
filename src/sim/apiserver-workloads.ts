// The Deployment controller, in miniature: every Deployment owns a ReplicaSet per pod
// template (named `<deployment>-<template hash>`, labelled `pod-template-hash`), the current
// one scaled to the Deployment's replicas and older ones to 0. helm's legacy readiness check
// (`--wait=legacy`) and kubectl rollout look for exactly that ReplicaSet.
import type { ResourceRegistry } from './apiserver-discovery.ts';
import type { KubeObject, ObjectStore, WatchEvent } from './apiserver-store.ts';
import { templateHash } from './apiserver-workload-status.ts';

type Template = { metadata?: { labels?: Record<string, string>; [k: string]: unknown }; [k: string]: unknown };

/** Subscribes the controller to `store`; returns the unsubscribe function. */
export function runDeploymentController(store: ObjectStore, registry: ResourceRegistry): () => void {
  const deployments = registry.find('apps', 'v1', 'deployments')!;
  const replicaSets = registry.find('apps', 'v1', 'replicasets')!;
  return store.watch(undefined, (e: WatchEvent) => {
    if (e.typeKey !== 'apps/deployments' || e.type === 'DELETED') return;
    const dep = store.get(deployments, e.object.metadata.namespace, e.object.metadata.name!);
    if (!dep || dep.metadata.resourceVersion !== e.object.metadata.resourceVersion) return; // a newer event follows
    reconcileDeployment(store, replicaSets, dep);
  });
}

function reconcileDeployment(store: ObjectStore, rsType: NonNullable<ReturnType<ResourceRegistry['find']>>, dep: KubeObject): void {
  const spec = (dep.spec ?? {}) as { replicas?: number; selector?: unknown; template?: Template };
  const template = spec.template ?? {};
  const hash = templateHash(template);
  const name = `${dep.metadata.name}-${hash}`;
  const namespace = dep.metadata.namespace;
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const owned = store
    .list(rsType, namespace)
    .filter((rs) => ((rs.metadata.ownerReferences ?? []) as Array<{ uid?: string }>).some((o) => o.uid === dep.metadata.uid));

  for (const old of owned) {
    const oldReplicas = (old.spec as { replicas?: number } | undefined)?.replicas;
    if (old.metadata.name !== name && oldReplicas !== 0) {
      store.update(rsType, { ...old, spec: { ...(old.spec as object), replicas: 0 } });
    }
  }

  const labels = { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash };
  const desiredSpec = {
    replicas,
    selector: addHashToSelector(spec.selector, hash),
    template: { ...template, metadata: { ...(template.metadata ?? {}), labels } },
  };
  const current = owned.find((rs) => rs.metadata.name === name);
  if (current) {
    if ((current.spec as { replicas?: number } | undefined)?.replicas !== replicas) {
      store.update(rsType, { ...current, spec: { ...(current.spec as object), replicas } });
    }
    return;
  }
  store.create(rsType, {
    metadata: {
      name,
      namespace,
      labels,
      annotations: { 'deployment.kubernetes.io/desired-replicas': String(replicas) },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: dep.metadata.name, uid: dep.metadata.uid, controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: desiredSpec,
  });
}

function addHashToSelector(selector: unknown, hash: string): unknown {
  const s = (selector ?? {}) as { matchLabels?: Record<string, string> };
  return { ...s, matchLabels: { ...(s.matchLabels ?? {}), 'pod-template-hash': hash } };
}
