// What `validate` and `plan` say about templated helmCharts fields before anything merges: a
// template that does not parse, or that fails for a cluster of the repository the profile can
// reach, is an error at the field. The daemon does not use this: there a failing template is the
// error of that one release on that one cluster, and the rest of the revision applies.
import type { LoadedRepository } from '../load/index.ts';
import { policyRefNamespace } from '../load/policy-refs.ts';
import type { Diagnostic, DiagnosticCode } from '../model/diagnostics.ts';
import { objectId, type SourcePos } from '../model/objects.ts';
import { indexClusters, type ClusterIndex, type IndexedCluster } from '../select/cluster-index.ts';
import type { ProfileLike } from '../select/profiles.ts';
import { SelectorSyntaxError } from '../select/selector.ts';
import { compileTemplate, TemplateError, type CompiledTemplate } from './template.ts';
import { helmValuesFrom, sourcesById, valuesFromUsesCluster, ValuesFromError, type ValueFromRef } from './values-from.ts';
import { policyTemplateProblems } from './policy-template-check.ts';

const TEMPLATED = ['values', 'chartVersion', 'releaseName', 'releaseNamespace'] as const;
/** Clusters named in one message; the rest are counted. */
const NAMED = 3;

export function templateProblems(repo: LoadedRepository): Diagnostic[] {
  const index = indexClusters(repo.clusters);
  const out: Diagnostic[] = [];
  const sources = sourcesById(repo.sources);
  for (const profile of repo.profiles) {
    const charts = Array.isArray(profile.spec.helmCharts) ? profile.spec.helmCharts : [];
    // getResource and friends read objects the repository does not hand to this check.
    const renders = !(Array.isArray(profile.spec.templateResourceRefs) && profile.spec.templateResourceRefs.length > 0);
    let reach: readonly IndexedCluster[] | undefined;
    charts.forEach((chart, i) => {
      for (const field of TEMPLATED) {
        const text = (chart as unknown as Record<string, unknown>)[field];
        if (typeof text !== 'string' || !text.includes('{{')) continue;
        const where = `spec.helmCharts[${i}].${field}`;
        const problem = checkField(text, () => (reach ??= reachable(profile, repo, index)), renders);
        if (problem) out.push(diagnostic(profile, where, problem));
      }
      // valuesFrom entries that resolve per cluster (the loader checks the others).
      const entries = (Array.isArray(chart.valuesFrom) ? chart.valuesFrom : []) as ValueFromRef[];
      entries.forEach((entry, j) => {
        if (!renders || !valuesFromUsesCluster([entry], profile, sources) || loaderReported(entry, profile, repo)) return;
        const found = valuesFromProblem(entry, profile, (reach ??= reachable(profile, repo, index)), sources);
        if (found) out.push(diagnostic(profile, `spec.helmCharts[${i}].valuesFrom[${j}]`, found.message, found.code));
      });
    });
    if (renders) out.push(...policyTemplateProblems(profile, () => (reach ??= reachable(profile, repo, index)), sources));
  }
  return out;
}

/** Why the template cannot be used, or undefined. */
function checkField(text: string, clusters: () => readonly IndexedCluster[], renders: boolean): string | undefined {
  let compiled: CompiledTemplate;
  try {
    compiled = compileTemplate(text);
  } catch (err) {
    if (err instanceof TemplateError) return `the template does not ${err.code === 'template-syntax' ? 'parse' : 'render'}: ${err.message}`;
    throw err;
  }
  if (!compiled.usesCluster || !renders) return undefined;
  const all = clusters();
  const failed: string[] = [];
  let count = 0;
  for (const c of all) {
    try {
      compiled.render(c.object);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      count++;
      if (failed.length < NAMED) failed.push(`${c.key} (${err.message})`);
    }
  }
  if (count === 0) return undefined;
  const more = count > failed.length ? `, and ${count - failed.length} more` : '';
  return `the template fails for ${count} of the ${all.length} clusters the profile can reach: ${failed.join('; ')}${more}`;
}

/** An entry in the cluster's namespace that no namespace of the repository has: already an error of the loader's. */
function loaderReported(entry: ValueFromRef, profile: ProfileLike, repo: LoadedRepository): boolean {
  const templated = entry.name.includes('{{') || (entry.namespace ?? '').includes('{{');
  return !templated && !entry.optional && policyRefNamespace(entry, profile) === undefined && !repo.sources.some((s) => s.kind === entry.kind && s.metadata.name === entry.name);
}

const VALUES_FROM_CODES: Record<ValuesFromError['code'], DiagnosticCode> = {
  'values-from-missing': 'dangling-values-from',
  'values-from-yaml': 'bad-values-content',
  'values-from-name': 'template',
  'values-from-render': 'template',
};

/** Why one valuesFrom entry cannot be resolved for some reachable clusters, or undefined. */
function valuesFromProblem(entry: ValueFromRef, profile: ProfileLike, clusters: readonly IndexedCluster[], sources: ReturnType<typeof sourcesById>): { message: string; code: DiagnosticCode } | undefined {
  const failed: string[] = [];
  let count = 0;
  let code: DiagnosticCode = 'template';
  for (const c of clusters) {
    try {
      helmValuesFrom([entry], profile, c.object, sources);
    } catch (err) {
      if (!(err instanceof ValuesFromError)) throw err;
      if (count++ === 0) code = VALUES_FROM_CODES[err.code];
      if (failed.length < NAMED) failed.push(`${c.key} (${err.message.replace(/^valuesFrom\[\d+\]: /, '')})`);
    }
  }
  if (count === 0) return undefined;
  const more = count > failed.length ? `, and ${count - failed.length} more` : '';
  return { code, message: `cannot be resolved for ${count} of the ${clusters.length} clusters the profile can reach: ${failed.join('; ')}${more}` };
}

/**
 * Every cluster the profile may be deployed to: its selector and clusterRefs, and every cluster
 * a set in setRefs may select (any of those its own selector or clusterRefs names). Paused ones
 * included: they are deployed to once unpaused.
 */
export function reachable(profile: ProfileLike, repo: LoadedRepository, index: ClusterIndex): IndexedCluster[] {
  const namespace = profile.kind === 'Profile' ? (profile.metadata.namespace ?? '') : undefined;
  const found = new Set<IndexedCluster>([...named(profile.spec, index, namespace)]);
  const setKind = profile.kind === 'Profile' ? 'Set' : 'ClusterSet';
  for (const name of Array.isArray(profile.spec.setRefs) ? profile.spec.setRefs : []) {
    const set = repo.sets.find((s) => s.kind === setKind && s.metadata.name === name && (namespace === undefined || s.metadata.namespace === namespace));
    if (set) for (const c of named(set.spec, index, setKind === 'Set' ? namespace : undefined)) found.add(c);
  }
  return [...found].filter((c) => namespace === undefined || c.namespace === namespace).sort((a, b) => a.ordinal - b.ordinal);
}

function named(spec: { clusterSelector?: unknown; clusterRefs?: unknown }, index: ClusterIndex, namespace: string | undefined): IndexedCluster[] {
  const out: IndexedCluster[] = [];
  try {
    out.push(...index.matchSelector(spec.clusterSelector as Parameters<ClusterIndex['matchSelector']>[0], namespace));
  } catch (err) {
    if (!(err instanceof SelectorSyntaxError)) throw err; // the loader reports a bad selector
  }
  for (const ref of Array.isArray(spec.clusterRefs) ? (spec.clusterRefs as Array<{ name?: unknown; namespace?: unknown }>) : []) {
    const c = ref && typeof ref.name === 'string' ? index.byKey(`${typeof ref.namespace === 'string' ? ref.namespace : (namespace ?? '')}/${ref.name}`) : undefined;
    if (c) out.push(c);
  }
  return out;
}

function diagnostic(profile: ProfileLike & { source?: SourcePos; fieldSources?: Readonly<Record<string, SourcePos>> }, field: string, message: string, code: DiagnosticCode = 'template'): Diagnostic {
  const at = profile.fieldSources?.[field] ?? profile.source ?? { file: '?', line: 1, col: 1 };
  const id = objectId(profile);
  return { ...at, severity: 'error', code, field, object: id, message: `${id}: ${field}: ${message}` };
}
