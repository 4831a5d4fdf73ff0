// Repository-wide checks of `helmCharts[].valuesFrom` and `kustomizationRefs[].valuesFrom`: an entry that is not optional must name a
// ConfigMap/Secret defined in the repository (there is no management cluster to find it on), and
// each data key of one that is not a template must be helm values (a YAML mapping). Names and
// namespaces that are templates are resolved per cluster by the planner and reported there.
import { parseDocument } from 'yaml';
import type { Diagnostic } from '../model/diagnostics.ts';
import { objectId, type ProfileObject } from '../model/objects.ts';
import { contentSourceId, type ContentSource, type ContentSourceKind } from '../model/sources.ts';
import { policyRefNamespace } from './policy-refs.ts';

interface ValueFromEntry {
  kind: string;
  name: string;
  namespace?: string;
  optional?: boolean;
}

export function checkValuesFrom(profiles: readonly ProfileObject[], sources: readonly ContentSource[]): Diagnostic[] {
  const known = new Map(sources.map((s) => [contentSourceId({ kind: s.kind, namespace: s.metadata.namespace, name: s.metadata.name }), s]));
  const out: Diagnostic[] = [];
  const checked = new Set<string>();
  for (const profile of profiles) {
    const id = objectId(profile);
    const lists: Array<[string, unknown]> = [
      ...(profile.spec.helmCharts ?? []).map((chart, i): [string, unknown] => [`spec.helmCharts[${i}]`, chart.valuesFrom]),
      ...((profile.spec.kustomizationRefs ?? []) as Array<{ valuesFrom?: unknown }>).map((ref, i): [string, unknown] => [`spec.kustomizationRefs[${i}]`, ref.valuesFrom]),
    ];
    for (const [owner, list] of lists) {
      // Kustomize values are plain strings: only helm's must be a YAML mapping.
      const helm = owner.startsWith('spec.helmCharts');
      const entries = (Array.isArray(list) ? list : []) as ValueFromEntry[];
      entries.forEach((ref, j) => {
        const field = `${owner}.valuesFrom[${j}]`;
        const pos = profile.fieldSources?.[field] ?? profile.fieldSources?.[owner] ?? profile.source;
        const dangling = (message: string): void => {
          out.push({ ...pos, severity: 'error', code: 'dangling-values-from', message: `${id}: ${field} ${message}`, field, object: id });
        };
        if (ref.name.includes('{{') || (ref.namespace ?? '').includes('{{')) return;
        const namespace = policyRefNamespace(ref, profile);
        if (namespace === undefined) {
          if (!ref.optional && !sources.some((s) => s.kind === ref.kind && s.metadata.name === ref.name)) {
            dangling(`names ${ref.kind} ${ref.name} in each matched cluster's namespace (no namespace given), and no namespace of the repository has one`);
          }
          return;
        }
        const target = contentSourceId({ kind: ref.kind, namespace, name: ref.name });
        const source = known.get(target);
        if (!source) {
          if (ref.optional !== true) dangling(`names ${target.replace('//', '/')}, which is not defined in the repository (a ${ref.kind} with that namespace and name)`);
          return;
        }
        if (helm && !checked.has(target)) out.push(...contentProblems(target, source));
        if (helm) checked.add(target);
      });
    }
  }
  return out;
}

/** What is wrong with one values text, without quoting a Secret's; undefined when it is a mapping or empty. */
export function valuesTextProblem(text: string, kind: ContentSourceKind): string | undefined {
  const doc = parseDocument(text, { prettyErrors: false });
  const err = doc.errors[0];
  if (err) return kind === 'Secret' ? 'is not valid YAML' : `YAML syntax error: ${err.message.split('\n')[0]!.replace(/:$/, '')}`;
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (value === null || value === undefined) return undefined;
  return typeof value === 'object' && !Array.isArray(value) ? undefined : 'helm values must be a YAML mapping';
}

/** Each data key of a referenced source that is not a template must be helm values (templates are checked per cluster). */
function contentProblems(id: string, source: ContentSource): Diagnostic[] {
  if (source.templated) return [];
  const out: Diagnostic[] = [];
  for (const [key, text] of Object.entries(source.data)) {
    const problem = valuesTextProblem(text, source.kind);
    if (!problem) continue;
    const pos = source.keySources[key] ?? source.source;
    out.push({ ...pos, severity: 'error', code: 'bad-values-content', message: `${id.replace('//', '/')}: data key ${JSON.stringify(key)} (used by valuesFrom): ${problem}`, field: `data.${key}`, object: id });
  }
  return out;
}
