// The status the workload controllers of a real cluster write, computed from the spec each
// time it is written (a `kubectl scale` shows at once in replicas and readyReplicas). There
// are no pods and no scheduler: every workload is ready at once, unless failure injection
// says otherwise. Failure injection: a pod template with a container image containing
// `never-ready` (e.g. `helm install --set image.tag=never-ready`, `kubectl set image`) never
// becomes ready, so helm --wait and kstatus see it in progress until they time out; setting
// a ready image again makes it ready.
import { createHash } from 'node:crypto';
import type { KubeObject } from './apiserver-store.ts';

type Status = Record<string, unknown>;
type Fields = Record<string, unknown>;

/** The image marker of failure injection. */
export const NEVER_READY_IMAGE_MARKER = 'never-ready';

export interface Condition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime: string;
  lastUpdateTime?: string;
}

/**
 * A condition as controllers write it: its lastTransitionTime moves only when its status
 * flips, so writing the same spec again leaves the status (and resourceVersion) unchanged.
 */
export function condition(old: Status, type: string, ready: boolean, reason: string, message: string, now: string, withUpdateTime = false): Condition {
  const previous = ((old.conditions ?? []) as Condition[]).find((c) => c.type === type);
  const status = ready ? 'True' : 'False';
  const since = previous?.status === status && previous.reason === reason ? previous.lastTransitionTime : now;
  return { type, status, reason, message, lastTransitionTime: since, ...(withUpdateTime ? { lastUpdateTime: since } : {}) };
}

export function templateHash(template: unknown): string {
  return createHash('sha256').update(JSON.stringify(template ?? {})).digest('hex').slice(0, 10);
}

function specOf(obj: KubeObject): Fields {
  return (obj.spec ?? {}) as Fields;
}

function replicas(obj: KubeObject): number {
  const n = specOf(obj).replicas;
  return typeof n === 'number' ? n : 1;
}

/** Whether a pod spec's containers can ever become ready (failure injection). */
function podSpecReady(podSpec: unknown): boolean {
  const spec = (podSpec ?? {}) as { containers?: Array<{ image?: string }>; initContainers?: Array<{ image?: string }> };
  return ![...(spec.containers ?? []), ...(spec.initContainers ?? [])].some((c) => (c.image ?? '').includes(NEVER_READY_IMAGE_MARKER));
}

function templateReady(obj: KubeObject): boolean {
  return podSpecReady((specOf(obj).template as { spec?: unknown } | undefined)?.spec);
}

/** Zero counts are left out, as the controllers' omitempty fields are. */
function counts(c: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== 0));
}

export function deploymentStatus(obj: KubeObject, now: string): Status {
  const old = (obj.status ?? {}) as Status;
  const n = replicas(obj);
  const ready = templateReady(obj) || n === 0;
  const rs = `${obj.metadata.name}-${templateHash(specOf(obj).template)}`;
  const available = ready ? n : 0;
  return {
    observedGeneration: obj.metadata.generation ?? 1,
    ...counts({ replicas: n, updatedReplicas: n, readyReplicas: available, availableReplicas: available, unavailableReplicas: n - available }),
    conditions: [
      ready
        ? condition(old, 'Available', true, 'MinimumReplicasAvailable', 'Deployment has minimum availability.', now, true)
        : condition(old, 'Available', false, 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', now, true),
      ready
        ? condition(old, 'Progressing', true, 'NewReplicaSetAvailable', `ReplicaSet "${rs}" has successfully progressed.`, now, true)
        : condition(old, 'Progressing', true, 'ReplicaSetUpdated', `ReplicaSet "${rs}" is progressing.`, now, true),
    ],
  };
}

export function replicaSetStatus(obj: KubeObject): Status {
  const n = replicas(obj);
  const ready = templateReady(obj) ? n : 0;
  return { observedGeneration: obj.metadata.generation ?? 1, ...counts({ replicas: n, fullyLabeledReplicas: n, readyReplicas: ready, availableReplicas: ready }) };
}

/** Revisions are named by template, so scaling keeps them; a stuck rollout keeps the old current one. */
export function statefulSetStatus(obj: KubeObject): Status {
  const old = (obj.status ?? {}) as Status;
  const n = replicas(obj);
  const ready = templateReady(obj) || n === 0;
  const revision = `${obj.metadata.name}-${templateHash(specOf(obj).template)}`;
  const current = ready ? revision : String(old.currentRevision ?? revision);
  return {
    observedGeneration: obj.metadata.generation ?? 1,
    ...counts({ replicas: n, readyReplicas: ready ? n : 0, currentReplicas: ready || current === revision ? n : 0, updatedReplicas: n, availableReplicas: ready ? n : 0 }),
    currentRevision: current,
    updateRevision: revision,
    collisionCount: 0,
  };
}

/** One simulated node: a DaemonSet schedules one pod. */
export function daemonSetStatus(obj: KubeObject): Status {
  const ready = templateReady(obj) ? 1 : 0;
  return {
    observedGeneration: obj.metadata.generation ?? 1,
    desiredNumberScheduled: 1,
    currentNumberScheduled: 1,
    numberMisscheduled: 0,
    numberReady: ready,
    updatedNumberScheduled: 1,
    ...counts({ numberAvailable: ready, numberUnavailable: 1 - ready }),
  };
}

/** A Job completes at once (all its completions), or runs forever when it can never be ready. */
export function jobStatus(obj: KubeObject, now: string): Status {
  const old = (obj.status ?? {}) as Status;
  const startTime = String(old.startTime ?? now);
  if (!templateReady(obj)) {
    return { startTime, active: typeof specOf(obj).parallelism === 'number' ? specOf(obj).parallelism : 1, ready: 0 };
  }
  const completions = typeof specOf(obj).completions === 'number' ? (specOf(obj).completions as number) : 1;
  return {
    startTime,
    completionTime: String(old.completionTime ?? now),
    succeeded: completions,
    ready: 0,
    active: 0,
    conditions: [
      condition(old, 'SuccessCriteriaMet', true, 'CompletionsReached', 'Reached expected number of succeeded pods', now),
      condition(old, 'Complete', true, 'CompletionsReached', 'Reached expected number of succeeded pods', now),
    ],
  };
}

/** Hook pods (helm tests) run to completion; others keep running, ready unless injected not to be. */
export function podStatus(obj: KubeObject, now: string): Status {
  const old = (obj.status ?? {}) as Status;
  const startTime = String(old.startTime ?? now);
  const ready = podSpecReady(obj.spec);
  if (obj.metadata.annotations?.['helm.sh/hook'] !== undefined && ready) return { phase: 'Succeeded', startTime };
  const reason = ready ? 'PodReady' : 'ContainersNotReady';
  return {
    phase: 'Running',
    startTime,
    conditions: [condition(old, 'Ready', ready, reason, reason, now), condition(old, 'ContainersReady', ready, reason, reason, now)],
  };
}
