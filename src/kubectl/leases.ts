// Leases through the real kubectl, in the cluster gitset runs in: its service account when no
// kubeconfig is given (kubectl finds the in-cluster configuration itself), else the kubeconfig's
// current context. Objects go through stdin; argv holds our own flags with values attached by
// `=`, and the only names are gitset's own (`gitset-shard-<n>`) and a checked namespace.
import { execa } from 'execa';
import type { Lease } from '../model/lease.ts';
import type { LeaseStore } from '../model/ports.ts';
import { kubectlHome } from './runner.ts';

export interface KubectlLeaseOptions {
  kubectlPath: string;
  namespace: string;
  /** Absent: the in-cluster service account. */
  kubeconfig?: string;
  /** kubectl's HOME and cache live here. */
  workDir: string;
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
}

/** A kubectl call that failed for another reason than the race it expects. */
export class LeaseError extends Error {
  override readonly name = 'LeaseError';
}

interface KubeLease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string; labels?: Record<string, string> };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

export function kubectlLeaseStore(opts: KubectlLeaseOptions): LeaseStore {
  const { env, cacheDir } = kubectlHome(opts.workDir, opts.env);
  // In a pod, kubectl finds the API server from these (and the service account's files).
  for (const k of ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT']) if (opts.env[k]) env[k] = opts.env[k];
  const common = [`--namespace=${opts.namespace}`, `--cache-dir=${cacheDir}`, ...(opts.kubeconfig ? [`--kubeconfig=${opts.kubeconfig}`] : []), '-o', 'json'];
  const run = async (args: string[], input?: string): Promise<{ ok: true; out: string } | { ok: false; err: string }> => {
    const r = await execa(opts.kubectlPath, [...args, ...common], { env, extendEnv: false, reject: false, timeout: opts.timeoutMs, ...(input !== undefined ? { input } : { stdin: 'ignore' }) });
    if (r.exitCode === 0) return { ok: true, out: r.stdout };
    return { ok: false, err: r.timedOut ? `kubectl timed out after ${opts.timeoutMs} ms` : String(r.stderr || r.message || `exit ${r.exitCode}`).trim().slice(0, 500) };
  };
  const body = (l: Lease): string => JSON.stringify(toKube(l, opts.namespace));
  return {
    async get(name) {
      const r = await run(['get', `lease/${name}`, '--ignore-not-found']);
      if (!r.ok) throw new LeaseError(`reading lease ${opts.namespace}/${name}: ${r.err}`);
      return r.out.trim() === '' ? undefined : fromKube(JSON.parse(r.out) as KubeLease);
    },
    async create(lease) {
      const r = await run(['create', '-f', '-'], body(lease));
      if (r.ok) return fromKube(JSON.parse(r.out) as KubeLease);
      if (/\bAlreadyExists\b|already exists/.test(r.err)) return 'exists';
      throw new LeaseError(`creating lease ${opts.namespace}/${lease.name}: ${r.err}`);
    },
    async replace(lease) {
      const r = await run(['replace', '-f', '-'], body(lease));
      if (r.ok) return fromKube(JSON.parse(r.out) as KubeLease);
      if (/\bConflict\b|the object has been modified|NotFound|not found/.test(r.err)) return 'conflict';
      throw new LeaseError(`renewing lease ${opts.namespace}/${lease.name}: ${r.err}`);
    },
  };
}

function toKube(l: Lease, namespace: string): KubeLease {
  const spec: NonNullable<KubeLease['spec']> = {};
  if (l.holder !== undefined) spec.holderIdentity = l.holder;
  if (l.durationSeconds !== undefined) spec.leaseDurationSeconds = l.durationSeconds;
  if (l.acquireTime !== undefined) spec.acquireTime = microTime(l.acquireTime);
  if (l.renewTime !== undefined) spec.renewTime = microTime(l.renewTime);
  if (l.transitions !== undefined) spec.leaseTransitions = l.transitions;
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: l.name, namespace, labels: { 'app.kubernetes.io/managed-by': 'gitset' }, ...(l.resourceVersion ? { resourceVersion: l.resourceVersion } : {}) },
    spec,
  };
}

function fromKube(k: KubeLease): Lease {
  const s = k.spec ?? {};
  const out: Lease = { name: k.metadata.name };
  if (k.metadata.resourceVersion) out.resourceVersion = k.metadata.resourceVersion;
  if (s.holderIdentity) out.holder = s.holderIdentity;
  if (typeof s.leaseDurationSeconds === 'number') out.durationSeconds = s.leaseDurationSeconds;
  if (s.acquireTime) out.acquireTime = s.acquireTime;
  if (s.renewTime) out.renewTime = s.renewTime;
  if (typeof s.leaseTransitions === 'number') out.transitions = s.leaseTransitions;
  return out;
}

/** A Lease's times are MicroTime: RFC 3339 with six fractional digits. */
function microTime(iso: string): string {
  return new Date(iso).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
