// The columns `kubectl get` shows for the kinds people look at most, as the real server's
// printers define them; any other kind gets Name and Age, like a custom resource.
import type { ResourceType } from './apiserver-discovery.ts';
import type { KubeObject } from './apiserver-store.ts';

export interface Column {
  name: string;
  type: 'string' | 'integer';
  format?: 'name';
  /** 0: always shown; 1: only with `-o wide`. */
  priority?: number;
  cell(o: KubeObject, now: Date): string | number;
}

type Fields = Record<string, unknown>;

const spec = (o: KubeObject): Fields => (o.spec ?? {}) as Fields;
const status = (o: KubeObject): Fields => (o.status ?? {}) as Fields;
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const desired = (o: KubeObject): number => (typeof spec(o).replicas === 'number' ? (spec(o).replicas as number) : 1);

/** kubectl's short durations: 45s, 3m20s, 25m, 3h5m, 5h, 2d3h, 12d, 3y. */
export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const m = Math.floor(s / 60);
  const h = Math.floor(s / 3600);
  const d = Math.floor(s / 86400);
  if (s < 120) return `${s}s`;
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (h < 3) return `${m}m`;
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

const NAME: Column = { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata.name ?? '' };
const AGE: Column = {
  name: 'Age',
  type: 'string',
  cell: (o, now) => (o.metadata.creationTimestamp ? humanDuration((now.getTime() - Date.parse(o.metadata.creationTimestamp)) / 1000) : '<unknown>'),
};

const col = (name: string, cell: Column['cell'], type: Column['type'] = 'string'): Column => ({ name, type, cell });
const ratio = (name: string, have: (o: KubeObject) => number, want: (o: KubeObject) => number): Column => col(name, (o) => `${have(o)}/${want(o)}`);

/** By `group/kind`, so that a custom resource named like a built-in kind gets the default columns. */
const BY_KIND: Record<string, Column[]> = {
  'apps/Deployment': [
    ratio('Ready', (o) => num(status(o).readyReplicas), desired),
    col('Up-to-date', (o) => num(status(o).updatedReplicas), 'integer'),
    col('Available', (o) => num(status(o).availableReplicas), 'integer'),
  ],
  'apps/StatefulSet': [ratio('Ready', (o) => num(status(o).readyReplicas), desired)],
  'apps/ReplicaSet': [
    col('Desired', desired, 'integer'),
    col('Current', (o) => num(status(o).replicas), 'integer'),
    col('Ready', (o) => num(status(o).readyReplicas), 'integer'),
  ],
  'apps/DaemonSet': [
    col('Desired', (o) => num(status(o).desiredNumberScheduled), 'integer'),
    col('Current', (o) => num(status(o).currentNumberScheduled), 'integer'),
    col('Ready', (o) => num(status(o).numberReady), 'integer'),
    col('Up-to-date', (o) => num(status(o).updatedNumberScheduled), 'integer'),
    col('Available', (o) => num(status(o).numberAvailable), 'integer'),
  ],
  'batch/Job': [ratio('Completions', (o) => num(status(o).succeeded), (o) => (typeof spec(o).completions === 'number' ? (spec(o).completions as number) : 1))],
  '/Pod': [col('Status', (o) => String(status(o).phase ?? 'Pending'))],
  '/Secret': [col('Type', (o) => String(o.type ?? 'Opaque')), col('Data', (o) => Object.keys((o.data ?? {}) as object).length, 'integer')],
  '/ConfigMap': [col('Data', (o) => Object.keys((o.data ?? {}) as object).length + Object.keys((o.binaryData ?? {}) as object).length, 'integer')],
  '/Namespace': [col('Status', (o) => String(status(o).phase ?? 'Active'))],
  '/Service': [col('Type', (o) => String(spec(o).type ?? 'ClusterIP')), col('Cluster-IP', (o) => String(spec(o).clusterIP ?? '<none>'))],
};

export function tableColumns(rt: ResourceType): Column[] {
  return [NAME, ...(BY_KIND[`${rt.group}/${rt.kind}`] ?? []), AGE];
}
