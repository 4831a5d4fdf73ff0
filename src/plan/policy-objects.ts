// What one profile's `policyRefs` want on one cluster: the manifests of the ConfigMaps/Secrets it
// names (rendered for the cluster when annotated as templates), each with gitset's mark and the
// hash of its content, Namespaces and CRDs first. The profile's patches are applied first, and with
// `reloader: true` workloads carry the hash of the ConfigMaps/Secrets they mount, so the content
// hash covers both: a patch or mounted-config change applies again. Pure; never quotes a Secret's content.
import { createHash } from 'node:crypto';
import { type PolicyRef, type ProfileObject } from '../model/objects.ts';
import { contentSourceId, type ContentSource } from '../model/sources.ts';
import { parseManifestText } from '../load/content-sources.ts';
import { isActedOn, isTemplatedRef, policyRefNamespace } from '../load/policy-refs.ts';
import { HASH_LABEL, hashLabelValue, MANAGED_BY_LABEL, MANAGED_BY_VALUE, PROFILE_LABEL, profileLabelValue } from '../observe/ownership.ts';
import { applyPatches } from '../patch/apply.ts';
import { withReloadAnnotations } from '../patch/reloader.ts';
import { canonicalJson } from './hash.ts';
import { profilePatches } from './profile-patches.ts';
import { compileTemplate, type TemplateCluster } from './template.ts';
import type { TemplateContext } from './template-context.ts';

/** Identity of an object on a cluster. */
export interface PolicyObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface DesiredPolicyObject extends PolicyObjectRef {
  /** `group/Kind/namespace/name`: equal keys, same object. */
  key: string;
  /** `ConfigMap/ns/name` it comes from. */
  source: string;
  /** `sha256:<hex>` of the manifest as written (before gitset's labels). */
  hash: string;
  /** The manifest to apply, gitset's labels added. */
  manifest: Record<string, unknown>;
  /** Why it cannot be applied as the profile wants it (its patches failed): held, neither applied nor withdrawn. */
  error?: string;
}

export interface DesiredPolicies {
  objects: DesiredPolicyObject[];
  /** Render or parse errors, one per data key, safe for status (no content). */
  errors: string[];
  /** Sources (`ConfigMap/ns/name`) of which some content failed to render or parse here: what they applied is kept, not withdrawn. */
  failed: string[];
}

export function policyObjectKey(o: PolicyObjectRef): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.slice(0, o.apiVersion.lastIndexOf('/')) : '';
  return `${group}/${o.kind}/${o.namespace ?? ''}/${o.name}`;
}

export function desiredPolicyObjects(
  profileId: string,
  profile: Pick<ProfileObject, 'metadata' | 'spec'>,
  cluster: TemplateCluster,
  sources: ReadonlyMap<string, ContentSource>,
  /** What templateResourceRefs resolved to for this cluster (src/plan/template-context.ts). */
  context?: Pick<TemplateContext, 'resources' | 'redact'>,
): DesiredPolicies {
  const resources = context?.resources;
  const redact = context?.redact ?? ((m: string) => m);
  const collected: Array<{ manifest: Record<string, unknown>; source: string }> = [];
  const errors: string[] = [];
  const failed = new Set<string>();
  const seen = new Set<string>();
  // Within a profile, the entry of lower tier wins an object two entries define (Sveltos' PolicyRef.tier).
  const refs = [...((profile.spec.policyRefs ?? []) as Array<PolicyRef & { tier?: number }>)].sort((a, b) => (a.tier ?? 100) - (b.tier ?? 100));
  for (const entry of refs) {
    if (!isActedOn(entry)) continue;
    let ref: PolicyRef;
    try {
      ref = isTemplatedRef(entry) ? { ...entry, name: compileTemplate(entry.name).render(cluster, resources), ...(entry.namespace ? { namespace: compileTemplate(entry.namespace).render(cluster, resources) } : {}) } : entry;
    } catch (err) {
      errors.push(redact(`policyRefs ${entry.kind} ${entry.name}: ${err instanceof Error ? err.message : String(err)}`));
      failed.add('*'); // which source it names is unknown: nothing of the profile is withdrawn here
      continue;
    }
    const id = contentSourceId({ kind: ref.kind, namespace: policyRefNamespace(ref, profile, cluster), name: ref.name });
    const source = sources.get(id);
    if (!source) {
      if (ref.optional !== true) errors.push(`${id} is not in the repository`);
      continue;
    }
    for (const [key, text] of Object.entries(source.data)) {
      let manifests: Array<Record<string, unknown>>;
      try {
        manifests = parseManifestText(source.templated ? compileTemplate(text).render(cluster, resources) : text);
      } catch (err) {
        // A template error quotes the action; a Secret's content stays out of status, and so does
        // what a template read from a Secret named by templateResourceRefs (redacted).
        const why = source.kind === 'Secret' ? 'cannot be rendered or parsed' : redact(err instanceof Error ? err.message : String(err));
        errors.push(`${id} key ${JSON.stringify(key)}: ${why}`);
        failed.add(id);
        continue;
      }
      for (const m of manifests) {
        const key = policyObjectKey(refOf(m));
        if (seen.has(key)) continue; // the first definition counts, as kubectl apply would overwrite it
        seen.add(key);
        collected.push({ manifest: m, source: id });
      }
    }
  }
  const objects = finished(collected, profileId, profile, cluster, sources, errors);
  return { objects: [...objects.filter(isFirstPhase), ...objects.filter((o) => !isFirstPhase(o))], errors, failed: [...failed] };
}

/** Namespaces and CRDs: applied before, and withdrawn after, everything else. */
export function isFirstPhase(o: PolicyObjectRef): boolean {
  return (o.kind === 'Namespace' && o.apiVersion === 'v1') || (o.kind === 'CustomResourceDefinition' && o.apiVersion.startsWith('apiextensions.k8s.io/'));
}

type Manifest = Record<string, unknown>;

/**
 * The collected manifests patched, annotated for the reloader, and marked; an object whose patches
 * fail is held. Also what kustomizationRefs and Flux sources yield (kustomize-objects.ts).
 */
export function finished(
  collected: ReadonlyArray<{ manifest: Manifest; source: string }>,
  profileId: string,
  profile: Pick<ProfileObject, 'metadata' | 'spec'>,
  cluster: TemplateCluster,
  sources: ReadonlyMap<string, ContentSource>,
  errors: string[],
): DesiredPolicyObject[] {
  const held: Array<string | undefined> = collected.map(() => undefined);
  let manifests = collected.map((c) => c.manifest);
  const patches = profilePatches(profile, cluster, sources);
  if (patches.error !== undefined) {
    errors.push(patches.error);
    held.fill(patches.error);
  } else if (patches.compiled.length > 0) {
    manifests = manifests.map((m, i) => {
      try {
        return applyPatches([m], patches.compiled)[0]!;
      } catch (err) {
        held[i] = (err as Error).message;
        errors.push(held[i]!);
        return m;
      }
    });
  }
  if (profile.spec.reloader === true) manifests = withReloadAnnotations(manifests);
  return manifests.map((m, i) => marked(m, profileId, collected[i]!.source, held[i]));
}

function refOf(m: Manifest): PolicyObjectRef {
  const meta = m.metadata as Record<string, unknown>;
  return {
    apiVersion: m.apiVersion as string,
    kind: m.kind as string,
    ...(typeof meta.namespace === 'string' && meta.namespace !== '' ? { namespace: meta.namespace } : {}),
    name: meta.name as string,
  };
}

export function marked(m: Manifest, profileId: string, source: string, error?: string): DesiredPolicyObject {
  const meta = m.metadata as Record<string, unknown>;
  const hash = `sha256:${createHash('sha256').update(canonicalJson(m)).digest('hex')}`;
  const labels = { ...((meta.labels ?? {}) as Record<string, string>), [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [PROFILE_LABEL]: profileLabelValue(profileId), [HASH_LABEL]: hashLabelValue(hash) };
  const ref = refOf(m);
  return { ...ref, key: policyObjectKey(ref), source, hash, manifest: { ...m, metadata: { ...meta, labels } }, ...(error !== undefined ? { error } : {}) };
}
