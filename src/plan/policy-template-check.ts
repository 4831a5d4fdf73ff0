// What `validate` and `plan` say about policyRefs that are templates (an entry whose name or
// namespace is one, or a ConfigMap/Secret annotated as one) before anything merges: each is
// rendered for every cluster of the repository the profile can reach, by the function the daemon
// plans with, and a failure is an error at the entry naming the clusters. A Secret's content
// never shows in the message (desiredPolicyObjects keeps it out).
import type { Diagnostic } from '../model/diagnostics.ts';
import { objectId, type PolicyRef, type SourcePos } from '../model/objects.ts';
import { type ContentSource } from '../model/sources.ts';
import { isActedOn, isTemplatedRef } from '../load/policy-refs.ts';
import type { IndexedCluster } from '../select/cluster-index.ts';
import type { ProfileLike } from '../select/profiles.ts';
import { desiredPolicyObjects } from './policy-objects.ts';

/** Clusters named in one message; the rest are counted. */
const NAMED = 3;

type Profile = ProfileLike & { source?: SourcePos; fieldSources?: Readonly<Record<string, SourcePos>> };

/** `sources` by contentSourceId, as the plan keys them. */
export function policyTemplateProblems(profile: Profile, clusters: () => readonly IndexedCluster[], sources: ReadonlyMap<string, ContentSource>): Diagnostic[] {
  const refs = (Array.isArray(profile.spec.policyRefs) ? profile.spec.policyRefs : []) as PolicyRef[];
  const id = objectId(profile);
  const out: Diagnostic[] = [];
  refs.forEach((ref, i) => {
    if (!isActedOn(ref) || !(isTemplatedRef(ref) || templatedSource(ref, sources))) return;
    const only = { metadata: profile.metadata, spec: { ...profile.spec, policyRefs: [ref] } };
    const all = clusters();
    const failed: string[] = [];
    let count = 0;
    for (const c of all) {
      const errors = desiredPolicyObjects(id, only, c.object, sources).errors;
      if (errors.length === 0) continue;
      count++;
      if (failed.length < NAMED) failed.push(`${c.key} (${errors[0]})`);
    }
    if (count === 0) return;
    const field = `spec.policyRefs[${i}]`;
    const more = count > failed.length ? `, and ${count - failed.length} more` : '';
    const at = profile.fieldSources?.[field] ?? profile.source ?? { file: '?', line: 1, col: 1 };
    const message = `${id}: ${field}: the template fails for ${count} of the ${all.length} clusters the profile can reach: ${failed.join('; ')}${more}`;
    out.push({ ...at, severity: 'error', code: 'template', field, object: id, message });
  });
  return out;
}

/** Whether a ConfigMap/Secret of the entry's kind and name, in any namespace, is a template. */
function templatedSource(ref: PolicyRef, sources: ReadonlyMap<string, ContentSource>): boolean {
  for (const s of sources.values()) if (s.templated && s.kind === ref.kind && s.metadata.name === ref.name) return true;
  return false;
}
