// `valuesFrom`: the ConfigMaps and Secrets of the repository an entry takes values from, resolved
// for one cluster as Sveltos resolves them on its management cluster: name and namespace may be
// templates, the namespace follows policyRefs' rule, a missing source fails unless `optional`, and
// the content of a source annotated `projectsveltos.io/template` is rendered for the cluster.
// Pure. A Secret's content is never quoted in an error: errors end up in status, which is in Git.
import { type ProfileObject } from '../model/objects.ts';
import { contentSourceId, type ContentSource, type ContentSourceKind } from '../model/sources.ts';
import { policyRefNamespace } from '../load/policy-refs.ts';
import { valuesTextProblem } from '../load/values-from-refs.ts';
import { lineCol } from '../template/errors.ts';
import { compileTemplate, TemplateError, type TemplateCluster } from './template.ts';

/** One `valuesFrom` entry (Sveltos' ValueFrom). */
export interface ValueFromRef {
  kind: string;
  name: string;
  namespace?: string;
  optional?: boolean;
}

export type ValuesFromErrorCode = 'values-from-name' | 'values-from-missing' | 'values-from-render' | 'values-from-yaml';

export class ValuesFromError extends Error {
  override readonly name = 'ValuesFromError';
  constructor(
    readonly code: ValuesFromErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** One source found for one cluster: its data, rendered when it is a template. */
export interface ResolvedValuesSource {
  /** `Kind/namespace/name`. */
  id: string;
  kind: ContentSourceKind;
  templated: boolean;
  /** Data keys (sorted) to their text, rendered for the cluster when templated. */
  data: Readonly<Record<string, string>>;
}

type Profile = Pick<ProfileObject, 'metadata'>;
type Sources = ReadonlyMap<string, ContentSource>;

/** The repository's sources by `Kind/namespace/name`, as the resolvers below look them up. */
export function sourcesById(sources: readonly ContentSource[]): Map<string, ContentSource> {
  return new Map(sources.map((s) => [contentSourceId({ kind: s.kind, namespace: s.metadata.namespace, name: s.metadata.name }), s]));
}

/** Every entry's source for `cluster`, in entry order; optional ones that are missing left out. Throws ValuesFromError. */
export function resolveValuesFrom(entries: readonly ValueFromRef[], profile: Profile, cluster: TemplateCluster, sources: Sources): ResolvedValuesSource[] {
  const out: ResolvedValuesSource[] = [];
  entries.forEach((entry, i) => {
    const ref = renderedRef(entry, i, cluster);
    const id = contentSourceId({ kind: ref.kind, namespace: policyRefNamespace(ref, profile, cluster), name: ref.name });
    const source = sources.get(id);
    if (!source) {
      if (entry.optional === true) return;
      throw new ValuesFromError('values-from-missing', `valuesFrom[${i}]: ${shown(id)} is not in the repository (and the entry is not optional)`);
    }
    const data = source.templated ? renderedData(source, id, cluster) : source.data;
    out.push({ id, kind: source.kind, templated: source.templated, data });
  });
  return out;
}

/**
 * The general form, for what substitutes keys (kustomizationRefs): every data key of every source,
 * a later source's key overriding an earlier one's, as Sveltos' kustomize substitution does.
 */
export function valuesFromData(entries: readonly ValueFromRef[], profile: Profile, cluster: TemplateCluster, sources: Sources): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of resolveValuesFrom(entries, profile, cluster, sources)) Object.assign(out, s.data);
  return out;
}

/**
 * Helm values texts in the order Sveltos merges them after `values` (later wins, maps merged key by
 * key): the data keys of the sources that are not templates, entry by entry and key by key, then
 * those of the templates. Each text must be a YAML mapping (or empty).
 */
export function helmValuesFrom(entries: readonly ValueFromRef[], profile: Profile, cluster: TemplateCluster, sources: Sources): string[] {
  const resolved = resolveValuesFrom(entries, profile, cluster, sources);
  const ordered = [...resolved.filter((s) => !s.templated), ...resolved.filter((s) => s.templated)];
  const out: string[] = [];
  for (const s of ordered) {
    for (const [key, text] of Object.entries(s.data)) {
      const problem = valuesTextProblem(text, s.kind);
      if (problem) throw new ValuesFromError('values-from-yaml', `valuesFrom ${shown(s.id)} key ${JSON.stringify(key)}: ${problem}`);
      out.push(text);
    }
  }
  return out;
}

/** Whether the entries can resolve differently per cluster (then they are resolved for each). */
export function valuesFromUsesCluster(entries: readonly ValueFromRef[], profile: Profile, sources: Sources): boolean {
  return entries.some((e) => {
    if (e.name.includes('{{') || (e.namespace ?? '').includes('{{')) return true;
    const namespace = policyRefNamespace(e, profile);
    if (namespace === undefined) return true; // the cluster's namespace
    const source = sources.get(contentSourceId({ kind: e.kind, namespace, name: e.name }));
    return source?.templated === true && Object.values(source.data).some((t) => usesCluster(t));
  });
}

function usesCluster(text: string): boolean {
  try {
    return compileTemplate(text).usesCluster;
  } catch {
    return true; // fails for every cluster alike, but reported per cluster like the rest
  }
}

function renderedRef(entry: ValueFromRef, i: number, cluster: TemplateCluster): ValueFromRef {
  if (!entry.name.includes('{{') && !(entry.namespace ?? '').includes('{{')) return entry;
  try {
    const name = compileTemplate(entry.name).render(cluster);
    const namespace = entry.namespace ? compileTemplate(entry.namespace).render(cluster) : entry.namespace;
    return { ...entry, name, ...(namespace !== undefined ? { namespace } : {}) };
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    throw new ValuesFromError('values-from-name', `valuesFrom[${i}]: name or namespace: ${err.message}`);
  }
}

/** Each key rendered; a Secret's template error says where, never what. */
function renderedData(source: ContentSource, id: string, cluster: TemplateCluster): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, text] of Object.entries(source.data)) {
    try {
      out[key] = compileTemplate(text).render(cluster);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      const { line, col } = lineCol(text, err.offset);
      const why = source.kind === 'Secret' ? `cannot be rendered (${err.code} at line ${line}, column ${col})` : err.message;
      throw new ValuesFromError('values-from-render', `valuesFrom ${shown(id)} key ${JSON.stringify(key)}: ${why}`);
    }
  }
  return out;
}

/** `ConfigMap/ns/name` as messages show it. */
function shown(id: string): string {
  return id.replace('//', '/');
}
