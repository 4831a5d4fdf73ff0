// What the controllers of a real cluster would write into `status` right after an object is
// stored, so that waiting clients (helm --wait, kstatus) see workloads become ready at once.
// There are no pods and no scheduler: every workload is instantly healthy.
import type { ResourceType } from './apiserver-discovery.ts';
import type { KubeObject } from './apiserver-store.ts';

type Status = Record<string, unknown>;

function condition(type: string, reason: string, now: string): object {
  return { type, status: 'True', lastTransitionTime: now, lastUpdateTime: now, reason, message: reason };
}

function replicas(obj: KubeObject): number {
  const spec = obj.spec as { replicas?: number } | undefined;
  return typeof spec?.replicas === 'number' ? spec.replicas : 1;
}

function isHook(obj: KubeObject): boolean {
  return obj.metadata.annotations?.['helm.sh/hook'] !== undefined;
}

/** The status a healthy cluster would converge to, or undefined to leave the object alone. */
export function convergedStatus(rt: ResourceType, obj: KubeObject, now: string): Status | undefined {
  const generation = obj.metadata.generation ?? 1;
  const old = (obj.status ?? {}) as Status;
  switch (rt.kind) {
    case 'Namespace':
      return { ...old, phase: 'Active' };
    case 'Deployment': {
      const n = replicas(obj);
      return {
        observedGeneration: generation,
        replicas: n,
        updatedReplicas: n,
        readyReplicas: n,
        availableReplicas: n,
        conditions: [condition('Available', 'MinimumReplicasAvailable', now), condition('Progressing', 'NewReplicaSetAvailable', now)],
      };
    }
    case 'ReplicaSet':
    case 'ReplicationController': {
      const n = replicas(obj);
      return { observedGeneration: generation, replicas: n, fullyLabeledReplicas: n, readyReplicas: n, availableReplicas: n };
    }
    case 'StatefulSet': {
      const n = replicas(obj);
      const revision = `${obj.metadata.name}-${generation}`;
      return {
        observedGeneration: generation,
        replicas: n,
        readyReplicas: n,
        currentReplicas: n,
        updatedReplicas: n,
        availableReplicas: n,
        currentRevision: revision,
        updateRevision: revision,
        collisionCount: 0,
      };
    }
    case 'DaemonSet':
      return {
        observedGeneration: generation,
        desiredNumberScheduled: 1,
        currentNumberScheduled: 1,
        numberReady: 1,
        numberAvailable: 1,
        updatedNumberScheduled: 1,
        numberMisscheduled: 0,
      };
    case 'Job':
      return {
        startTime: now,
        completionTime: now,
        succeeded: 1,
        ready: 0,
        active: 0,
        conditions: [condition('SuccessCriteriaMet', 'CompletionsReached', now), condition('Complete', 'CompletionsReached', now)],
      };
    case 'Pod':
      return isHook(obj)
        ? { phase: 'Succeeded', startTime: now }
        : { phase: 'Running', startTime: now, conditions: [condition('Ready', 'Ready', now), condition('ContainersReady', 'Ready', now)] };
    case 'PersistentVolumeClaim':
      return { phase: 'Bound' };
    case 'PersistentVolume':
      return { phase: 'Bound' };
    case 'Service': {
      const type = (obj.spec as { type?: string } | undefined)?.type;
      return type === 'LoadBalancer' ? { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } } : { loadBalancer: {} };
    }
    case 'CustomResourceDefinition': {
      const names = (obj.spec as { names?: unknown } | undefined)?.names;
      return {
        acceptedNames: names ?? {},
        storedVersions: storedVersions(obj),
        conditions: [condition('NamesAccepted', 'NoConflicts', now), condition('Established', 'InitialNamesAccepted', now)],
      };
    }
    default:
      return undefined;
  }
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
