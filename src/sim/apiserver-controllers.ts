// What the controllers of a real cluster would write into `status` right after an object is
// stored, so that waiting clients (helm --wait, kstatus) see workloads become ready at once
// (workloads: apiserver-workload-status.ts); the defaults the API server fills in itself; and
// the types a CustomResourceDefinition serves.
import type { ResourceType } from './apiserver-discovery.ts';
import type { KubeObject } from './apiserver-store.ts';

import { condition, daemonSetStatus, deploymentStatus, jobStatus, podStatus, replicaSetStatus, statefulSetStatus } from './apiserver-workload-status.ts';

type Status = Record<string, unknown>;

/** The status a cluster's controllers converge to, or undefined to leave the object alone. */
export function convergedStatus(rt: ResourceType, obj: KubeObject, now: string): Status | undefined {
  const old = (obj.status ?? {}) as Status;
  switch (rt.kind) {
    case 'Namespace':
      return { ...old, phase: 'Active' };
    case 'Deployment':
      return deploymentStatus(obj, now);
    case 'ReplicaSet':
    case 'ReplicationController':
      return replicaSetStatus(obj);
    case 'StatefulSet':
      return statefulSetStatus(obj);
    case 'DaemonSet':
      return daemonSetStatus(obj);
    case 'Job':
      return jobStatus(obj, now);
    case 'Pod':
      return podStatus(obj, now);
    case 'PersistentVolumeClaim':
    case 'PersistentVolume':
      return { phase: 'Bound' };
    case 'Service': {
      const type = (obj.spec as { type?: string } | undefined)?.type;
      return type === 'LoadBalancer' ? { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } } : { loadBalancer: {} };
    }
    case 'CustomResourceDefinition':
      return crdStatus(obj, now);
    default:
      return undefined;
  }
}

function crdStatus(crd: KubeObject, now: string): Status {
  const old = (crd.status ?? {}) as Status;
  const names = (crd.spec as { names?: unknown } | undefined)?.names;
  return {
    acceptedNames: names ?? {},
    storedVersions: storedVersions(crd),
    conditions: [
      condition(old, 'NamesAccepted', true, 'NoConflicts', 'no conflicts found', now),
      condition(old, 'Established', true, 'InitialNamesAccepted', 'the initial names have been accepted', now),
    ],
  };
}

function storedVersions(crd: KubeObject): string[] {
  const versions = (crd.spec as { versions?: Array<{ name: string; storage?: boolean }> } | undefined)?.versions ?? [];
  return versions.filter((v) => v.storage).map((v) => v.name);
}

/** Defaults the API server itself fills in, that clients compare against (e.g. Service clusterIP). */
export function serverDefaults(rt: ResourceType, obj: KubeObject, allocateIp: () => string): void {
  if (rt.kind === 'Service') {
    const spec = (obj.spec ??= {}) as { type?: string; clusterIP?: string; clusterIPs?: string[] };
    spec.type ??= 'ClusterIP';
    if (spec.clusterIP === undefined || spec.clusterIP === '') {
      spec.clusterIP = allocateIp();
      spec.clusterIPs = [spec.clusterIP];
    }
  }
  if (rt.kind === 'Secret') (obj as { type?: string }).type ??= 'Opaque';
}

/** The types one CustomResourceDefinition makes the server serve. */
export function crdTypes(crd: KubeObject): ResourceType[] {
  const spec = crd.spec as
    | {
        group?: string;
        scope?: string;
        names?: { plural?: string; kind?: string; shortNames?: string[]; categories?: string[] };
        versions?: Array<{ name: string; served?: boolean; subresources?: { status?: unknown; scale?: unknown } }>;
      }
    | undefined;
  if (!spec?.group || !spec.names?.plural || !spec.names.kind) return [];
  return (spec.versions ?? [])
    .filter((v) => v.served !== false)
    .map((v) => ({
      group: spec.group!,
      version: v.name,
      resource: spec.names!.plural!,
      kind: spec.names!.kind!,
      namespaced: spec.scope !== 'Cluster',
      shortNames: spec.names!.shortNames,
      categories: spec.names!.categories,
      subresources: [...(v.subresources?.status ? (['status'] as const) : []), ...(v.subresources?.scale ? (['scale'] as const) : [])],
    }));
}
