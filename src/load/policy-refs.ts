// Repository-wide checks of `policyRefs`: every ConfigMap/Secret entry must name one defined in
// the repository (there is no management cluster to find it on), and `deploymentType: Local`
// has nowhere to go.
import type { Diagnostic } from '../model/diagnostics.ts';
import { manifestProblem } from './content-sources.ts';
import { objectId, type PolicyRef, type ProfileObject } from '../model/objects.ts';
import { contentSourceId, type ContentSource } from '../model/sources.ts';

/**
 * The namespace a policyRefs entry points into (Sveltos' rule): a Profile's own; for a
 * ClusterProfile the entry's, else the matched cluster's (undefined when no cluster is given).
 */
export function policyRefNamespace(ref: PolicyRef, profile: Pick<ProfileObject, 'metadata'>, cluster?: { metadata: { namespace?: string } }): string | undefined {
  return profile.metadata.namespace || ref.namespace || cluster?.metadata.namespace;
}

/** Whether the entry's name or namespace is a template (rendered per cluster; checked then). */
export function isTemplatedRef(ref: PolicyRef): boolean {
  return ref.name.includes('{{') || (ref.namespace ?? '').includes('{{');
}

/** Whether gitset applies this entry (a ConfigMap/Secret deployed to the matched clusters). */
export function isActedOn(ref: PolicyRef): boolean {
  return (ref.kind === 'ConfigMap' || ref.kind === 'Secret') && (ref.deploymentType ?? 'Remote') === 'Remote';
}

export function checkPolicyRefs(profiles: readonly ProfileObject[], sources: readonly ContentSource[]): Diagnostic[] {
  const known = new Map(sources.map((s) => [contentSourceId({ kind: s.kind, namespace: s.metadata.namespace, name: s.metadata.name }), s]));
  const out: Diagnostic[] = [];
  const checked = new Set<string>();
  for (const profile of profiles) {
    const id = objectId(profile);
    const refs = (profile.spec.policyRefs ?? []) as PolicyRef[];
    refs.forEach((ref, i) => {
      const field = `spec.policyRefs[${i}]`;
      const pos = profile.fieldSources?.[field] ?? profile.source;
      if (ref.deploymentType === 'Local') {
        const message = `${id}: ${field} has deploymentType Local: gitset has no management cluster to deploy to; this entry is not applied`;
        out.push({ ...pos, severity: 'warning', code: 'unsupported-field', message, field: `${field}.deploymentType`, object: id });
        return;
      }
      if (ref.kind !== 'ConfigMap' && ref.kind !== 'Secret') return; // Flux sources: listed as unsupported
      if (isTemplatedRef(ref)) return;
      const namespace = policyRefNamespace(ref, profile);
      if (namespace === undefined) {
        // The cluster's namespace: at least one namespace must have it.
        if (!ref.optional && !sources.some((s) => s.kind === ref.kind && s.metadata.name === ref.name)) {
          const message = `${id}: ${field} names ${ref.kind} ${ref.name} in each matched cluster's namespace (no namespace given), and no namespace of the repository has one`;
          out.push({ ...pos, severity: 'error', code: 'dangling-policy-ref', message, field, object: id });
        }
        return;
      }
      const target = contentSourceId({ kind: ref.kind, namespace, name: ref.name });
      const source = known.get(target);
      if (source) {
        if (!checked.has(target)) out.push(...contentProblems(target, source));
        checked.add(target);
        return;
      }
      if (ref.optional === true) return;
      const message = `${id}: ${field} names ${target.replace(/\/\//, '/')}, which is not defined in the repository (a ${ref.kind} with that namespace and name)`;
      out.push({ ...pos, severity: 'error', code: 'dangling-policy-ref', message, field, object: id });
    });
  }
  return out;
}

/** Each data key of a referenced, untemplated source must hold manifests (templated ones are checked per cluster). */
function contentProblems(id: string, source: ContentSource): Diagnostic[] {
  if (source.templated) return [];
  const out: Diagnostic[] = [];
  for (const [key, text] of Object.entries(source.data)) {
    const problem = manifestProblem(text);
    if (!problem) continue;
    const pos = source.keySources[key] ?? source.source;
    out.push({ ...pos, severity: 'error', code: 'bad-policy-content', message: `${id.replace(/\/\//, '/')}: data key ${JSON.stringify(key)}: ${problem}`, field: `data.${key}`, object: id });
  }
  return out;
}
