// Sveltos' `reloader: true`: a Deployment, StatefulSet or DaemonSet gitset deploys restarts (a
// rolling update) when a ConfigMap or Secret it mounts as a volume changes. Sveltos watches the
// mounted objects on the cluster and touches an env var when they change; gitset has no agent, so
// it does it declaratively: the pod template carries the hash of the mounted ConfigMaps/Secrets
// that the same deployment (a profile's policyRefs, or a helm release) applies. A change of their
// data changes the annotation, so the workload is applied again and Kubernetes rolls it. Pure.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../plan/hash.ts';

/** On the pod template: the hash of the ConfigMaps/Secrets the workload mounts. */
export const RELOAD_ANNOTATION = 'gitset.dev/mounted-config-hash';

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

type Obj = Record<string, unknown>;

/**
 * `objects` with every workload that mounts a ConfigMap/Secret of `objects` annotated with their
 * hash. `defaultNamespace` is where objects that name no namespace go.
 */
export function withReloadAnnotations<T extends Obj>(objects: readonly T[], defaultNamespace = 'default'): T[] {
  const configs = new Map<string, string>();
  for (const o of objects) {
    if (o.apiVersion !== 'v1' || (o.kind !== 'ConfigMap' && o.kind !== 'Secret')) continue;
    const { data, binaryData, stringData } = o as Obj;
    configs.set(`${o.kind}/${namespaceOf(o, defaultNamespace)}/${nameOf(o)}`, sha256(canonicalJson({ data, binaryData, stringData })));
  }
  if (configs.size === 0) return [...objects];
  return objects.map((o) => {
    if (o.apiVersion !== 'apps/v1' || !WORKLOADS.has(o.kind as string)) return o;
    const mounted = mountedConfigs(o, namespaceOf(o, defaultNamespace)).filter((k) => configs.has(k));
    if (mounted.length === 0) return o;
    const hash = `sha256:${sha256(mounted.map((k) => `${k}=${configs.get(k)}`).join('\n'))}`;
    return annotated(o, hash);
  });
}

/** `ConfigMap/ns/name` and `Secret/ns/name` of the pod template's configMap and secret volumes, as Sveltos reads them. */
export function mountedConfigs(o: Obj, namespace: string): string[] {
  const volumes = pick(o, ['spec', 'template', 'spec', 'volumes']);
  if (!Array.isArray(volumes)) return [];
  const out = new Set<string>();
  for (const v of volumes as Obj[]) {
    const cm = pick(v, ['configMap', 'name']);
    const secret = pick(v, ['secret', 'secretName']);
    if (typeof cm === 'string') out.add(`ConfigMap/${namespace}/${cm}`);
    if (typeof secret === 'string') out.add(`Secret/${namespace}/${secret}`);
  }
  return [...out].sort();
}

function annotated<T extends Obj>(o: T, hash: string): T {
  const spec = o.spec as Obj;
  const template = (spec.template ?? {}) as Obj;
  const meta = (template.metadata ?? {}) as Obj;
  const annotations = { ...((meta.annotations ?? {}) as Record<string, string>), [RELOAD_ANNOTATION]: hash };
  return { ...o, spec: { ...spec, template: { ...template, metadata: { ...meta, annotations } } } };
}

function pick(o: unknown, path: readonly string[]): unknown {
  let node = o;
  for (const k of path) {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Obj)[k];
  }
  return node;
}

function namespaceOf(o: Obj, fallback: string): string {
  const ns = pick(o, ['metadata', 'namespace']);
  return typeof ns === 'string' && ns !== '' ? ns : fallback;
}

function nameOf(o: Obj): string {
  return String(pick(o, ['metadata', 'name']));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
