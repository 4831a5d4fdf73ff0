// A profile's `templateResourceRefs`, in Sveltos' shape: each entry names an object (apiVersion,
// kind, name, namespace; name and namespace may be templates over the cluster) that templates
// read by `identifier` (getResource, copy, getField, …). There is no management cluster: the
// object comes from the repository (src/load/repository-objects.ts). This file reads the entries
// and checks what can be checked without a cluster: the shape, unique identifiers, and that a
// non-optional entry with a plain name and namespace names an object the repository defines.
import type { Diagnostic } from '../model/diagnostics.ts';
import { objectId, type ProfileObject } from '../model/objects.ts';
import { indexRepositoryObjects, type RepositoryObject } from './repository-objects.ts';

export interface TemplateResourceRef {
  resource: { apiVersion: string; kind: string; name: string; namespace?: string };
  identifier: string;
  optional: boolean;
  /** Sveltos: the object's status (and resourceVersion, managedFields) is not shown. */
  ignoreStatusChanges: boolean;
  /** Sveltos: only these dot-separated fields of the object are shown (ignoreStatusChanges then does not matter). */
  watchFields: string[];
}

/** The entries of a spec, or the message of the first malformed one (with its index). */
export function templateResourceRefs(spec: object): { refs: TemplateResourceRef[]; problems: Array<{ index: number; message: string }> } {
  const list = (spec as { templateResourceRefs?: unknown }).templateResourceRefs;
  const entries = Array.isArray(list) ? (list as unknown[]) : [];
  const refs: TemplateResourceRef[] = [];
  const problems: Array<{ index: number; message: string }> = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    const r = (e.resource ?? {}) as Record<string, unknown>;
    const missing = (['apiVersion', 'kind', 'name'] as const).filter((f) => typeof r[f] !== 'string' || r[f] === '');
    if (typeof e.resource !== 'object' || e.resource === null || missing.length > 0) {
      problems.push({ index, message: `resource needs ${missing.length > 0 ? missing.map((f) => `resource.${f}`).join(', ') : 'apiVersion, kind and name'}` });
      return;
    }
    if (r.namespace !== undefined && typeof r.namespace !== 'string') {
      problems.push({ index, message: 'resource.namespace must be a string' });
      return;
    }
    if (typeof e.identifier !== 'string' || e.identifier === '') {
      problems.push({ index, message: 'identifier is required: it is how templates name the object (getResource "ID")' });
      return;
    }
    if (seen.has(e.identifier)) {
      problems.push({ index, message: `identifier ${JSON.stringify(e.identifier)} is used by an earlier entry` });
      return;
    }
    seen.add(e.identifier);
    const namespace = typeof r.namespace === 'string' && r.namespace !== '' ? r.namespace : undefined;
    refs.push({
      resource: { apiVersion: r.apiVersion as string, kind: r.kind as string, name: r.name as string, ...(namespace !== undefined ? { namespace } : {}) },
      identifier: e.identifier,
      optional: e.optional === true,
      ignoreStatusChanges: e.ignoreStatusChanges === true,
      watchFields: Array.isArray(e.watchFields) ? e.watchFields.filter((f): f is string => typeof f === 'string' && f !== '' && !f.split('.').includes('__proto__')) : [],
    });
  });
  return { refs, problems };
}

/**
 * The namespace an entry reads (Sveltos' rule): a Profile's own namespace; for a ClusterProfile the
 * entry's, else the cluster's. Undefined when it depends on a cluster and none is given.
 */
export function templateResourceNamespace(ref: TemplateResourceRef, profile: Pick<ProfileObject, 'metadata'>, clusterNamespace?: string): string | undefined {
  return profile.metadata.namespace || ref.resource.namespace || clusterNamespace;
}

export function isTemplatedResourceRef(ref: TemplateResourceRef): boolean {
  return ref.resource.name.includes('{{') || (ref.resource.namespace ?? '').includes('{{');
}

export function checkTemplateResourceRefs(profiles: readonly ProfileObject[], objects: readonly RepositoryObject[]): Diagnostic[] {
  const index = indexRepositoryObjects(objects);
  const out: Diagnostic[] = [];
  for (const profile of profiles) {
    const id = objectId(profile);
    const { refs, problems } = templateResourceRefs(profile.spec);
    const at = (i: number) => profile.fieldSources?.[`spec.templateResourceRefs[${i}]`] ?? profile.source;
    for (const p of problems) {
      const field = `spec.templateResourceRefs[${p.index}]`;
      out.push({ ...at(p.index), severity: 'error', code: 'schema', message: `${id}: ${field}: ${p.message}`, field, object: id });
    }
    const all = Array.isArray(profile.spec.templateResourceRefs) ? (profile.spec.templateResourceRefs as unknown[]) : [];
    for (const ref of refs) {
      if (ref.optional || isTemplatedResourceRef(ref)) continue; // templated names are resolved, and checked, per cluster
      const i = all.findIndex((e) => (e as { identifier?: unknown })?.identifier === ref.identifier);
      const field = `spec.templateResourceRefs[${i}]`;
      const { apiVersion, kind, name } = ref.resource;
      const namespace = templateResourceNamespace(ref, profile);
      const found = namespace === undefined ? index.inSomeNamespace({ apiVersion, kind, name }) : index.find({ apiVersion, kind, name, namespace });
      if (found) continue;
      const what = namespace === undefined ? `${kind} ${name} (${apiVersion}) in each matched cluster's namespace (no namespace given), and no namespace of the repository has one` : `${kind} ${namespace}/${name} (${apiVersion}), which is not defined in the repository`;
      out.push({ ...at(i), severity: 'error', code: 'dangling-resource-ref', message: `${id}: ${field} names ${what}; mark it optional: true if it may be missing`, field, object: id });
    }
  }
  return out;
}
