// Health of what a release deployed, computed from its live objects the way kstatus does:
// a workload is healthy when its controller has observed the latest spec and the wanted replicas
// are up; a Job when it completed; a CRD when it is established. Pure: live objects in.

export type HealthState = 'Healthy' | 'Progressing' | 'Degraded' | 'Unknown';

export interface Health {
  state: HealthState;
  /** Why it is not healthy: `Deployment hello/hello: 0 of 1 replicas available`. */
  message?: string;
  /** The validateHealths check that failed, when that is why (observe/validate-health.ts). */
  check?: string;
}

type Obj = Record<string, unknown> & { kind?: string; metadata?: { name?: string; namespace?: string; generation?: number } };
type Condition = { type?: string; status?: string; reason?: string; message?: string };

const HEALTHY: Health = Object.freeze({ state: 'Healthy' });

/** One live object's health; kinds without a notion of readiness are healthy once they exist. */
export function objectHealth(o: Obj): Health {
  const status = (o['status'] ?? {}) as Record<string, unknown>;
  const generation = o.metadata?.generation;
  const observed = status['observedGeneration'];
  const name = `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;
  const why = (state: HealthState, text: string): Health => ({ state, message: `${name}: ${text}` });
  if (typeof generation === 'number' && typeof observed === 'number' && observed < generation) {
    return why('Progressing', `generation ${generation} not yet observed (observed ${observed})`);
  }
  const verdict = kindHealth(o, status);
  return verdict === undefined ? HEALTHY : why(verdict.state, verdict.text);
}

function kindHealth(o: Obj, status: Record<string, unknown>): { state: HealthState; text: string } | undefined {
  const spec = (o['spec'] ?? {}) as Record<string, unknown>;
  const n = (k: string): number => (typeof status[k] === 'number' ? (status[k] as number) : 0);
  switch (o.kind) {
    case 'Deployment': {
      const failed = condition(status, 'Progressing');
      if (failed?.reason === 'ProgressDeadlineExceeded') return { state: 'Degraded', text: failed.message ?? 'progress deadline exceeded' };
      return replicas(specReplicas(spec), [
        ['updated', n('updatedReplicas')],
        ['available', n('availableReplicas')],
      ]);
    }
    case 'StatefulSet':
      return replicas(specReplicas(spec), [
        ['ready', n('readyReplicas')],
        ['updated', statefulSetUpdated(spec, status)],
      ]);
    case 'DaemonSet':
      return replicas(n('desiredNumberScheduled'), [
        ['updated', n('updatedNumberScheduled')],
        ['available', n('numberAvailable')],
      ]);
    case 'ReplicaSet':
      return replicas(specReplicas(spec), [['available', n('availableReplicas')]]);
    case 'Job':
      if (condition(status, 'Failed')?.status === 'True') return { state: 'Degraded', text: condition(status, 'Failed')?.message ?? 'failed' };
      return condition(status, 'Complete')?.status === 'True' ? undefined : { state: 'Progressing', text: 'not complete' };
    case 'CustomResourceDefinition':
      return condition(status, 'Established')?.status === 'True' ? undefined : { state: 'Progressing', text: 'not established' };
    case 'Pod':
      return podHealth(status);
    case 'PersistentVolumeClaim':
      return status['phase'] === 'Bound' ? undefined : { state: 'Progressing', text: `phase ${String(status['phase'] ?? 'Pending')}` };
    default:
      return undefined;
  }
}

function specReplicas(spec: Record<string, unknown>): number {
  return typeof spec['replicas'] === 'number' ? spec['replicas'] : 1;
}

/** StatefulSets with OnDelete update nothing by themselves: only RollingUpdate's progress counts. */
function statefulSetUpdated(spec: Record<string, unknown>, status: Record<string, unknown>): number {
  const strategy = (spec['updateStrategy'] as { type?: string } | undefined)?.type ?? 'RollingUpdate';
  if (strategy !== 'RollingUpdate') return Number.MAX_SAFE_INTEGER;
  if (status['updateRevision'] !== undefined && status['currentRevision'] !== status['updateRevision']) return typeof status['updatedReplicas'] === 'number' ? (status['updatedReplicas'] as number) : 0;
  return Number.MAX_SAFE_INTEGER;
}

function replicas(want: number, counts: Array<[string, number]>): { state: HealthState; text: string } | undefined {
  for (const [what, have] of counts) if (have < want) return { state: 'Progressing', text: `${have} of ${want} replicas ${what}` };
  return undefined;
}

function podHealth(status: Record<string, unknown>): { state: HealthState; text: string } | undefined {
  const phase = status['phase'];
  if (phase === 'Succeeded') return undefined;
  if (phase === 'Failed') return { state: 'Degraded', text: 'pod failed' };
  return condition(status, 'Ready')?.status === 'True' ? undefined : { state: 'Progressing', text: 'not ready' };
}

function condition(status: Record<string, unknown>, type: string): Condition | undefined {
  const list = status['conditions'];
  return Array.isArray(list) ? (list as Condition[]).find((c) => c?.type === type) : undefined;
}

const RANK: Record<HealthState, number> = { Healthy: 0, Unknown: 1, Progressing: 2, Degraded: 3 };

/**
 * A release's health: the worst of its objects', with that object's reason. An object that was
 * not found is Degraded (something deleted it); `null` entries stand for that.
 */
export function releaseHealth(objects: ReadonlyArray<{ name: string; live: Obj | null }>): Health {
  let worst: Health = HEALTHY;
  for (const { name, live } of objects) {
    const h = live === null ? { state: 'Degraded' as const, message: `${name}: not found` } : objectHealth(live);
    if (RANK[h.state] > RANK[worst.state]) worst = h;
  }
  return worst;
}
