// What a template of one profile sees for one cluster, as Sveltos builds it: `.Cluster` is the
// whole SveltosCluster (metadata, spec, and the status gitset commits for it), and getResource &
// co. read the objects the profile's templateResourceRefs name, found in the repository (there is
// no management cluster) after their name and namespace are rendered for the cluster. Pure.
//
// templateContext() is the one entry point for every templated thing of a profile (helm fields,
// policyRefs content, kustomization paths): build the context, then
// `compileTemplate(text).render(context.cluster, context.resources)`, and pass any message about
// a failure through `context.redact` (a Secret's data never reaches an error, a log or status).
import type { RepositoryObjectIndex } from '../load/repository-objects.ts';
import { templateResourceNamespace, templateResourceRefs, type TemplateResourceRef } from '../load/template-resource-refs.ts';
import type { ProfileObject, SveltosCluster } from '../model/objects.ts';
import type { ClusterStatus } from '../model/status.ts';
import { compile } from '../template/compile.ts';
import { lineCol, TemplateError as EngineError } from '../template/errors.ts';
import { GoStruct } from '../template/value.ts';
import type { IndexedCluster } from '../select/cluster-index.ts';
import { healthOf, type HealthMap } from '../select/health.ts';
import type { TemplateCluster, TemplateResources } from './template.ts';

export interface TemplateContext {
  cluster: TemplateCluster;
  /** By identifier; an optional entry whose object is missing is absent. */
  resources: TemplateResources;
  /** The message with every Secret value among the resources (as stored and decoded) replaced by `<redacted>`. */
  redact(message: string): string;
}

export type ContextResult = { context: TemplateContext; error?: undefined } | { context?: undefined; error: string };

/**
 * SveltosCluster's status fields, from what gitset records for the cluster: `ready`, `version`
 * (the API server's gitVersion), `connectionStatus` (Healthy/Down), and while probes fail
 * `connectionFailures` and `failureMessage`. gitset's own additions are not shown.
 */
export function sveltosClusterStatus(status: ClusterStatus | undefined): Record<string, unknown> | undefined {
  if (!status) return undefined;
  return {
    ready: status.ready,
    ...(status.version !== undefined ? { version: status.version } : {}),
    ...(status.connectionStatus !== undefined ? { connectionStatus: status.connectionStatus } : {}),
    ...(status.connectionFailures !== undefined ? { connectionFailures: status.connectionFailures } : {}),
    ...(status.failureMessage !== undefined ? { failureMessage: status.failureMessage } : {}),
  };
}

/** What of a status a template can see, as a short key: equal keys, equal renderings. */
export function statusKey(status: ClusterStatus | undefined): string {
  if (!status) return '';
  return `${status.ready}|${status.version ?? ''}|${status.connectionStatus ?? ''}|${status.connectionFailures ?? ''}|${status.failureMessage ?? ''}`;
}

/** `.Cluster`: the SveltosCluster as the repository holds it, with its status; never its credentials (they are not in it). */
export function templateCluster(cluster: Pick<SveltosCluster, 'apiVersion' | 'kind' | 'metadata' | 'spec'>, status: ClusterStatus | undefined): TemplateCluster {
  const s = sveltosClusterStatus(status);
  return { apiVersion: cluster.apiVersion, kind: cluster.kind, metadata: cluster.metadata, spec: cluster.spec ?? {}, ...(s ? { status: s } : {}) };
}

/** The context for `profile`'s templates on `cluster`, or why its templateResourceRefs cannot be resolved there. */
export function templateContext(
  profile: Pick<ProfileObject, 'metadata' | 'spec'>,
  cluster: Pick<SveltosCluster, 'apiVersion' | 'kind' | 'metadata' | 'spec'>,
  status: ClusterStatus | undefined,
  objects: RepositoryObjectIndex,
): ContextResult {
  const refs = templateResourceRefs(profile.spec).refs;
  if (refs.length === 0) return { context: clusterContext(cluster, status) };
  const c = templateCluster(cluster, status);
  const resources: Record<string, Readonly<Record<string, unknown>>> = {};
  for (const ref of refs) {
    const found = resolveOne(ref, profile, c, objects);
    if (found.error !== undefined) return { error: found.error };
    if (found.object) resources[ref.identifier] = found.object;
  }
  const secrets = secretValues(resources);
  const redact = (m: string): string => (secrets.length === 0 ? m : secrets.reduce((out, v) => out.split(v).join('<redacted>'), m));
  return { context: { cluster: c, resources, redact } };
}

const NO_RESOURCES: TemplateResources = Object.freeze({});
const unchanged = (m: string): string => m;

/** The context of a profile without templateResourceRefs: `.Cluster` alone, the same for every such profile. */
function clusterContext(cluster: Pick<SveltosCluster, 'apiVersion' | 'kind' | 'metadata' | 'spec'>, status: ClusterStatus | undefined): TemplateContext {
  return { cluster: templateCluster(cluster, status), resources: NO_RESOURCES, redact: unchanged };
}

/**
 * One cycle's template contexts of the profiles without templateResourceRefs (most of them): built
 * once per cluster on first use and shared by every such profile. Lives as long as the cycle.
 */
export class ClusterContexts {
  private readonly built: Array<ContextResult | undefined>;
  /** `size`: how many clusters the index holds (ordinals are below it). */
  constructor(size: number, private readonly health: HealthMap | undefined) {
    this.built = new Array(size);
  }
  of(c: IndexedCluster): ContextResult {
    return (this.built[c.ordinal] ??= { context: clusterContext(c.object, this.health && healthOf(this.health, c)) });
  }
}

function resolveOne(
  ref: TemplateResourceRef,
  profile: Pick<ProfileObject, 'metadata'>,
  cluster: TemplateCluster,
  objects: RepositoryObjectIndex,
): { object?: Readonly<Record<string, unknown>>; error?: string } {
  const what = `templateResourceRefs ${ref.identifier}`;
  let name: string;
  let namespace: string;
  try {
    name = renderName(ref.resource.name, cluster);
    namespace = renderName(templateResourceNamespace(ref, profile, cluster.metadata.namespace ?? '') ?? '', cluster);
  } catch (err) {
    if (err instanceof EngineError) return { error: `${what}: the name or namespace does not render: ${err.message}` };
    throw err;
  }
  const object = objects.find({ apiVersion: ref.resource.apiVersion, kind: ref.resource.kind, namespace, name });
  if (object) return { object: shown(object, ref) };
  if (ref.optional) return {};
  return { error: `${what}: ${ref.resource.kind} ${namespace}/${name} (${ref.resource.apiVersion}) is not defined in the repository` };
}

/** What Sveltos hands templates of the object: only its watchFields when listed; without status when ignoreStatusChanges. */
function shown(object: Readonly<Record<string, unknown>>, ref: TemplateResourceRef): Readonly<Record<string, unknown>> {
  if (ref.watchFields.length > 0) {
    const out: Record<string, unknown> = {};
    for (const path of ref.watchFields) {
      const parts = path.split('.');
      let cur: unknown = object;
      for (const p of parts) cur = cur && typeof cur === 'object' && !Array.isArray(cur) && Object.hasOwn(cur, p) ? (cur as Record<string, unknown>)[p] : undefined;
      if (cur !== undefined) setPath(out, parts, cur);
    }
    return out;
  }
  if (!ref.ignoreStatusChanges) return object;
  const { status: _s, ...rest } = object;
  const meta = (object.metadata ?? {}) as Record<string, unknown>;
  const { resourceVersion: _v, managedFields: _m, ...metadata } = meta;
  return { ...rest, metadata };
}

function setPath(out: Record<string, unknown>, parts: readonly string[], value: unknown): void {
  let cur = out;
  for (const p of parts.slice(0, -1)) {
    const next = Object.hasOwn(cur, p) ? cur[p] : undefined;
    cur = (next && typeof next === 'object' ? next : (cur[p] = {})) as Record<string, unknown>;
  }
  cur[parts.at(-1)!] = value;
}

/** libsveltos' renderClusterTemplate: the data is `.Cluster`, `.ClusterNamespace` and `.ClusterName`. */
function renderName(text: string, cluster: TemplateCluster): string {
  if (!text.includes('{{')) return text;
  const data = new GoStruct('struct { Cluster map[string]interface {}; ClusterNamespace string; ClusterName string }', {
    Cluster: { apiVersion: cluster.apiVersion, kind: cluster.kind, metadata: cluster.metadata, spec: cluster.spec ?? {}, ...(cluster.status !== undefined ? { status: cluster.status } : {}) },
    ClusterNamespace: cluster.metadata.namespace ?? '',
    ClusterName: cluster.metadata.name,
  });
  try {
    return compile(text).execute(data).trim();
  } catch (err) {
    if (!(err instanceof EngineError)) throw err;
    const { line, col } = lineCol(text, err.offset);
    throw new EngineError(err.kind, `template line ${line}, column ${col}: ${err.message}`, err.offset);
  }
}

/** Every value of every Secret's data, base64 as stored and decoded, longest first (a value inside another goes after it). */
function secretValues(resources: TemplateResources): string[] {
  const out = new Set<string>();
  for (const r of Object.values(resources)) {
    if (r.kind !== 'Secret' || r.apiVersion !== 'v1') continue;
    const data = r.data && typeof r.data === 'object' ? (r.data as Record<string, unknown>) : {};
    for (const v of Object.values(data)) {
      if (typeof v !== 'string' || v.length < 4) continue;
      out.add(v);
      const decoded = Buffer.from(v, 'base64').toString('utf8');
      // A message may quote one line of a multi-line value (a certificate, a key).
      for (const part of [decoded.trim(), ...decoded.split('\n').map((l) => l.trim())]) if (part.length >= 4) out.add(part);
    }
  }
  return [...out].sort((a, b) => b.length - a.length);
}
