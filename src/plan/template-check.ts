// What `validate` and `plan` say about templated helmCharts fields before anything merges: a
// template that does not parse, or that fails for a cluster of the repository the profile can
// reach, is an error at the field. The daemon does not use this: there a failing template is the
// error of that one release on that one cluster, and the rest of the revision applies.
import type { LoadedRepository } from '../load/index.ts';
import type { Diagnostic } from '../model/diagnostics.ts';
import { objectId, type SourcePos } from '../model/objects.ts';
import { indexClusters, type ClusterIndex, type IndexedCluster } from '../select/cluster-index.ts';
import type { ProfileLike } from '../select/profiles.ts';
import { SelectorSyntaxError } from '../select/selector.ts';
import { compileTemplate, TemplateError, type CompiledTemplate } from './template.ts';

const TEMPLATED = ['values', 'chartVersion', 'releaseName', 'releaseNamespace'] as const;
/** Clusters named in one message; the rest are counted. */
const NAMED = 3;

export function templateProblems(repo: LoadedRepository): Diagnostic[] {
  const index = indexClusters(repo.clusters);
  const out: Diagnostic[] = [];
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
    });
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

function diagnostic(profile: ProfileLike & { source?: SourcePos; fieldSources?: Readonly<Record<string, SourcePos>> }, field: string, message: string): Diagnostic {
  const at = profile.fieldSources?.[field] ?? profile.source ?? { file: '?', line: 1, col: 1 };
  const id = objectId(profile);
  return { ...at, severity: 'error', code: 'template', field, object: id, message: `${id}: ${field}: ${message}` };
}
