// What one profile's `kustomizationRefs` want on one cluster, as Sveltos computes it: the entry's
// name, namespace, path and components rendered for the cluster; the build of that folder (done
// beforehand by src/kustomize, looked up here by request key); each object of the output
// rendered as a template over the entry's `values` (themselves rendered for the cluster first),
// `targetNamespace` set; then marked like policyRefs objects. Pure.
import { sourcesById, valuesFromData, type ValueFromRef } from './values-from.ts';
import { createHash } from 'node:crypto';
import { parseManifestText } from '../load/content-sources.ts';
import { fluxSourceId } from '../load/flux-sources.ts';
import { isBuiltKustomization, isFluxPolicyRef, KUSTOMIZE_TARBALL_KEY, whyNotInside } from '../load/kustomization-refs.ts';
import { policyRefNamespace } from '../load/policy-refs.ts';
import { type KustomizationRef, type ProfileObject } from '../model/objects.ts';
import { contentSourceId, type ContentSource, type FluxSource } from '../model/sources.ts';
import type { KustomizeOutput, KustomizeRequest, KustomizeSource } from '../model/ports.ts';
import { compile } from '../template/compile.ts';
import { lineCol, TemplateError as EngineError } from '../template/errors.ts';
import { finished, marked, type DesiredPolicies } from './policy-objects.ts';
import { compileTemplate, type TemplateCluster, type TemplateResources } from './template.ts';

/** The sources kustomizationRefs can name, as the loaded repository holds them. */
export interface KustomizeSources {
  sources: readonly ContentSource[];
  fluxSources?: readonly FluxSource[];
}

/** One entry made concrete for a cluster: the build it needs, or why it has none. */
export type KustomizeEntry = { ref: KustomizationRef; request: KustomizeRequest; label: string } | { ref: KustomizationRef; error: string } | { ref: KustomizationRef; skipped: true };

/** Built-in kinds without a namespace: `targetNamespace` leaves them alone. */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'PriorityClass',
  'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'APIService',
  'IngressClass', 'RuntimeClass', 'CSIDriver', 'CSINode', 'VolumeAttachment', 'CertificateSigningRequest', 'FlowSchema', 'PriorityLevelConfiguration',
]);

/** Each kustomizationRefs entry gitset builds, rendered for `cluster`, in tier order (lower first, as Sveltos' entry tier). */
export function kustomizeEntries(profile: Pick<ProfileObject, 'metadata' | 'spec'>, scope: TemplateScope, repo: KustomizeSources): KustomizeEntry[] {
  return sourceEntries((profile.spec.kustomizationRefs ?? []) as KustomizationRef[], 'kustomize', profile, scope, repo);
}

/** Each policyRefs entry naming a Flux GitRepository: the files under its path, read as they are. */
export function fluxPolicyEntries(profile: Pick<ProfileObject, 'metadata' | 'spec'>, scope: TemplateScope, repo: KustomizeSources): KustomizeEntry[] {
  const refs = ((profile.spec.policyRefs ?? []) as KustomizationRef[]).filter((r) => isFluxPolicyRef(r));
  return sourceEntries(refs, 'files', profile, scope, repo);
}

function sourceEntries(all: readonly KustomizationRef[], mode: 'kustomize' | 'files', profile: Pick<ProfileObject, 'metadata' | 'spec'>, scope: TemplateScope, repo: KustomizeSources): KustomizeEntry[] {
  const refs = [...all].sort((a, b) => (a.tier ?? 100) - (b.tier ?? 100));
  return refs.map((ref) => {
    if (mode === 'kustomize' && !isBuiltKustomization(ref)) return { ref, skipped: true };
    try {
      const name = render(ref.name, scope);
      const namespace = ref.namespace ? render(ref.namespace, scope) : undefined;
      const source = sourceOf({ ...ref, name, ...(namespace ? { namespace } : {}) }, profile, scope.cluster, repo);
      if (typeof source === 'string') return ref.optional === true && source.endsWith('not in the repository') ? { ref, skipped: true } : { ref, error: source };
      const path = render(ref.path ?? '', scope) || '.';
      const components = mode === 'kustomize' ? (ref.components ?? []).map((c) => render(c, scope)) : [];
      const why = whyNotInside(path) ?? components.map((c) => whyNotInside(c, path)).find((w) => w !== undefined);
      if (why) return { ref, error: `path ${JSON.stringify(path)}${components.length ? ' or a component' : ''} ${why}` };
      const request: KustomizeRequest = { key: requestKey(source, mode, path, components), source, path, components, ...(mode === 'files' ? { mode } : {}) };
      return { ref, request, label: `${sourceLabel(source)}:${path}` };
    } catch (err) {
      return { ref, error: `${mode === 'kustomize' ? 'kustomizationRefs' : 'policyRefs'} ${ref.kind} ${ref.name}: ${messageOf(err)}` };
    }
  });
}

/** Every build (kustomizationRefs) and folder read (policyRefs of a Flux source) the matched pairs need, once each: what runs before planning. */
export function sourceBuildRequests(
  profiles: ReadonlyArray<{ profile: Pick<ProfileObject, 'metadata' | 'spec'>; matched: readonly string[] }>,
  clusters: ReadonlyMap<string, TemplateCluster>,
  repo: KustomizeSources,
  /** `.Cluster` with what the profile's templateResourceRefs resolved to there; undefined when they do not resolve. */
  scope?: (profile: Pick<ProfileObject, 'metadata' | 'spec'>, cluster: TemplateCluster, key: string) => TemplateScope | undefined,
): KustomizeRequest[] {
  const out = new Map<string, KustomizeRequest>();
  for (const { profile, matched } of profiles) {
    if ((profile.spec.kustomizationRefs ?? []).length === 0 && !(profile.spec.policyRefs ?? []).some((r) => isFluxPolicyRef(r))) continue;
    for (const key of matched) {
      const raw = clusters.get(key);
      const at = raw && (scope ? scope(profile, raw, key) : { cluster: raw });
      if (!at) continue;
      for (const e of [...fluxPolicyEntries(profile, at, repo), ...kustomizeEntries(profile, at, repo)]) if ('request' in e && !out.has(e.request.key)) out.set(e.request.key, e.request);
    }
  }
  return [...out.values()];
}

/** The objects the profile's Flux policyRefs and kustomizations want on the cluster, from builds made beforehand (by request key). */
export function desiredSourceObjects(
  profileId: string,
  profile: Pick<ProfileObject, 'metadata' | 'spec'>,
  scope: TemplateScope,
  repo: KustomizeSources,
  builds: ReadonlyMap<string, KustomizeOutput>,
): DesiredPolicies {
  const collected: Array<{ manifest: Record<string, unknown>; source: string }> = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  const { cluster } = scope;
  for (const entry of [...fluxPolicyEntries(profile, scope, repo), ...kustomizeEntries(profile, scope, repo)]) {
    if ('skipped' in entry) continue;
    if ('error' in entry) {
      errors.push(entry.error);
      continue;
    }
    const output = builds.get(entry.request.key);
    if (!output) {
      errors.push(`${entry.label}: not built yet (sources are built before the policies are applied)`);
      continue;
    }
    if (!output.ok) {
      errors.push(output.error);
      continue;
    }
    try {
      const fromValuesFrom = entry.request.mode === 'files' ? {} : valuesFromData((entry.ref.valuesFrom ?? []) as ValueFromRef[], profile, cluster, sourcesById(repo.sources));
      const manifests = entry.request.mode === 'files' ? asPolicyFiles(output.documents, entry.request.source, scope) : instantiate(output.documents, entry.ref, scope, fromValuesFrom);
      for (const m of manifests) {
        const key = marked(m, profileId, entry.label).key;
        if (seen.has(key)) continue;
        seen.add(key);
        collected.push({ manifest: m, source: entry.label });
      }
    } catch (err) {
      errors.push(`${entry.label}: ${messageOf(err)}`);
    }
  }
  // The profile's patches and reloader apply to what kustomize built too, as to policyRefs.
  const objects = collected.length > 0 ? finished(collected, profileId, profile, cluster, sourcesById(repo.sources), errors) : [];
  return { objects, errors, failed: [] };
}

/** A Flux source's files as policyRefs content: each one of manifests, rendered per cluster when the source is annotated as a template. */
function asPolicyFiles(files: readonly string[], source: KustomizeSource, scope: TemplateScope): Array<Record<string, unknown>> {
  const templated = source.kind === 'GitRepository' && source.flux.templated === true;
  return files.flatMap((text) => parseManifestText(templated ? compileTemplate(text).render(scope.cluster, scope.resources) : text));
}

/** Sveltos' getKustomizedResources: values rendered for the cluster, each object rendered over them, targetNamespace set. */
function instantiate(documents: readonly string[], ref: KustomizationRef, scope: TemplateScope, fromValuesFrom: Readonly<Record<string, string>>): Array<Record<string, unknown>> {
  const values = substituteValues(ref, scope, fromValuesFrom);
  const substituted = Object.keys(values).length > 0;
  const out: Array<Record<string, unknown>> = [];
  documents.forEach((text, i) => {
    // Only with values is an output a template (Sveltos' rule): `{{` in plain output stays as it is.
    const rendered = substituted ? withValues(text, values, i) : text;
    for (const m of parseManifestText(rendered)) {
      const meta = m.metadata as Record<string, unknown>;
      const ns = ref.targetNamespace ? render(ref.targetNamespace, scope) : '';
      out.push(ns && !CLUSTER_SCOPED.has(String(m.kind)) ? { ...m, metadata: { ...meta, namespace: ns } } : m);
    }
  });
  return out;
}

/**
 * Sveltos' substitute values of one entry for one cluster: `values` rendered for the cluster,
 * then the key/value pairs of what `valuesFrom` names laid over them (a key there wins, as in
 * Sveltos), read from the repository's ConfigMaps/Secrets and rendered when templated
 * (values-from.ts).
 */
export function substituteValues(ref: Pick<KustomizationRef, 'values'>, scope: TemplateScope, fromValuesFrom: Readonly<Record<string, string>> = {}): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(ref.values ?? {})) values[k] = render(v, scope);
  return { ...values, ...fromValuesFrom };
}

function withValues(text: string, values: Record<string, string>, index: number): string {
  try {
    return compile(text).execute(values);
  } catch (err) {
    if (!(err instanceof EngineError)) throw err;
    const { line, col } = lineCol(text, err.offset);
    throw new Error(`object ${index + 1} of the kustomize output, line ${line}, column ${col}: ${err.message}`);
  }
}

function sourceOf(ref: KustomizationRef, profile: Pick<ProfileObject, 'metadata'>, cluster: TemplateCluster, repo: KustomizeSources): KustomizeSource | string {
  const namespace = policyRefNamespace(ref, profile, cluster) ?? '';
  if (ref.kind === 'ConfigMap') {
    const id = contentSourceId({ kind: 'ConfigMap', namespace, name: ref.name });
    const cm = repo.sources.find((s) => s.kind === 'ConfigMap' && s.metadata.namespace === namespace && s.metadata.name === ref.name);
    if (!cm) return `${id.replace(/\/\//, '/')} is not in the repository`;
    const tarball = cm.binaryData?.[KUSTOMIZE_TARBALL_KEY];
    return tarball ? { kind: 'ConfigMap', id, tarball } : `${id} has no binaryData key ${KUSTOMIZE_TARBALL_KEY}`;
  }
  const id = fluxSourceId({ kind: ref.kind, namespace, name: ref.name });
  const flux = (repo.fluxSources ?? []).find((s) => fluxSourceId({ kind: s.kind, ...s.metadata }) === id);
  return flux ? { kind: 'GitRepository', flux } : `${id} is not in the repository`;
}

function requestKey(source: KustomizeSource, mode: string, path: string, components: readonly string[]): string {
  const what = source.kind === 'ConfigMap' ? [source.id, source.tarball] : [source.flux.spec];
  return createHash('sha256').update(JSON.stringify([source.kind, ...what, mode, path, components])).digest('hex');
}

function sourceLabel(source: KustomizeSource): string {
  return source.kind === 'ConfigMap' ? source.id : fluxSourceId({ kind: 'GitRepository', ...source.flux.metadata });
}

/**
 * The `.Cluster` object templates are rendered over (src/plan/template-context.ts makes one per
 * profile and cluster), with the objects its templateResourceRefs resolved to: getResource in a
 * path, a name or a value reads them.
 */
export interface TemplateScope {
  cluster: TemplateCluster;
  resources?: TemplateResources;
}

export function templateScope(cluster: TemplateCluster, resources: TemplateResources | undefined): TemplateScope {
  return resources ? { cluster, resources } : { cluster };
}

function render(text: string, scope: TemplateScope): string {
  return text.includes('{{') ? compileTemplate(text).render(scope.cluster, scope.resources) : text;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
