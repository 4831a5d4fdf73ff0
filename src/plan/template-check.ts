// What `validate` and `plan` say about templated helmCharts fields before anything merges: a
// template that does not parse, that fails for a cluster of the repository the profile can reach,
// or renders there what the field cannot hold (a release name helm refuses), is an error at the
// field; templateResourceRefs that name no object of the repository for such a cluster, an error
// at templateResourceRefs. The daemon does not use this: there a failing template is the
// error of that one release on that one cluster, and the rest of the revision applies.
import type { LoadedRepository } from '../load/index.ts';
import { isTemplatedRef, policyRefNamespace } from '../load/policy-refs.ts';
import type { Diagnostic, DiagnosticCode } from '../model/diagnostics.ts';
import { objectId, type ClusterKey, type PolicyRef, type SourcePos } from '../model/objects.ts';
import { contentSourceId } from '../model/sources.ts';
import { desiredPolicyObjects } from './policy-objects.ts';
import { indexClusters, type ClusterIndex, type IndexedCluster } from '../select/cluster-index.ts';
import type { ProfileLike } from '../select/profiles.ts';
import { SelectorSyntaxError } from '../select/selector.ts';
import { compileTemplate, TemplateError, type CompiledTemplate } from './template.ts';
import { helmValuesFrom, sourcesById, valuesFromUsesCluster, ValuesFromError, type ValueFromRef } from './values-from.ts';
import { policyTemplateProblems } from './policy-template-check.ts';
import { templateContext, type TemplateContext } from './template-context.ts';
import { renderedFieldProblem } from '../load/helm-fields.ts';
import { indexRepositoryObjects, type RepositoryObjectIndex } from '../load/repository-objects.ts';
import type { ClusterStatus } from '../model/status.ts';
import type { Revision } from './revision.ts';

const TEMPLATED = ['values', 'chartVersion', 'releaseName', 'releaseNamespace', 'chartName', 'repositoryURL', 'repositoryName'] as const;
/** Clusters named in one message; the rest are counted. */
const NAMED = 3;

/** A cluster's recorded status (`.Cluster.status`), when the caller has the status files. */
export type StatusOf = (cluster: ClusterKey) => ClusterStatus | undefined;

/** The revision as the planner prepared it (prepareRevision): its cluster index and objects, not built again. */
export type PreparedRevision = Pick<Revision, 'index' | 'objects'>;

export function templateProblems(repo: LoadedRepository, statusOf: StatusOf = () => undefined, prepared?: PreparedRevision): Diagnostic[] {
  const index = prepared?.index ?? indexClusters(repo.clusters);
  const objects = prepared?.objects ?? indexRepositoryObjects(repo.objects ?? []);
  const memo = checkMemo();
  const out: Diagnostic[] = [];
  const sources = sourcesById(repo.sources);
  for (const profile of repo.profiles) {
    const charts = Array.isArray(profile.spec.helmCharts) ? profile.spec.helmCharts : [];
    let reach: Reach | undefined;
    const refs = Array.isArray(profile.spec.templateResourceRefs) && profile.spec.templateResourceRefs.length > 0;
    // Without templateResourceRefs a template sees the cluster alone: the same for every such profile.
    const shared = refs ? undefined : memo;
    const clusters = (): Reach => (reach ??= contexts(profile, reachable(profile, repo, index), statusOf, objects, shared));
    // A plain reference to a missing object is already the loader's error (dangling-resource-ref).
    if (refs && !repo.diagnostics.some((d) => d.code === 'dangling-resource-ref' && d.object === objectId(profile))) {
      const problem = summary(clusters().failed.length, clusters().all.length, clusters().failed);
      if (problem) out.push(diagnostic(profile, 'spec.templateResourceRefs', `the objects cannot be found ${problem}`));
    }
    charts.forEach((chart, i) => {
      for (const field of TEMPLATED) {
        const text = (chart as unknown as Record<string, unknown>)[field];
        if (typeof text !== 'string' || !text.includes('{{')) continue;
        const where = `spec.helmCharts[${i}].${field}`;
        const problem = checkField(field, text, clusters, memo, shared !== undefined);
        if (problem) out.push(diagnostic(profile, where, problem));
      }
      // valuesFrom entries that resolve per cluster (the loader checks the others).
      const entries = (Array.isArray(chart.valuesFrom) ? chart.valuesFrom : []) as ValueFromRef[];
      entries.forEach((entry, j) => {
        if (!valuesFromUsesCluster([entry], profile, sources) || loaderReported(entry, profile, repo)) return;
        const found = valuesFromProblem(entry, profile, clusters().all, sources);
        if (found) out.push(diagnostic(profile, `spec.helmCharts[${i}].valuesFrom[${j}]`, found.message, found.code));
      });
    });
    if (refs) {
      // Templates that read templateResourceRefs: rendered with what they resolve to, per profile.
      const policies = templatedPolicyProblem(profile, repo, clusters);
      if (policies) out.push(diagnostic(profile, 'spec.policyRefs', policies));
    } else {
      // Otherwise each entry is checked on its own, naming the clusters it fails for.
      out.push(...policyTemplateProblems(profile, () => clusters().all, sources));
    }
  }
  return out;
}

/**
 * Templated policyRefs content (and templated entry names) rendered for every cluster the profile
 * can reach; plain content is the loader's to check (bad-policy-content, dangling-policy-ref).
 */
function templatedPolicyProblem(profile: ProfileLike, repo: LoadedRepository, clusters: () => Reach): string | undefined {
  const refs = (profile.spec.policyRefs ?? []) as PolicyRef[];
  const sources = new Map(repo.sources.map((s) => [contentSourceId({ kind: s.kind, namespace: s.metadata.namespace, name: s.metadata.name }), s]));
  const templated = (id: string) => id === '*' || sources.get(id)?.templated === true;
  if (!refs.some((r) => isTemplatedRef(r)) && ![...sources.values()].some((s) => s.templated)) return undefined;
  const { all, ok } = clusters();
  const failed: string[] = [];
  for (const { cluster, context } of ok) {
    const d = desiredPolicyObjects(objectId(profile), profile, context.cluster, sources, context);
    if (d.failed.some(templated)) failed.push(`${cluster.key} (${d.errors.join('; ')})`);
  }
  const s = summary(failed.length, all.length, failed);
  return s ? `templated content fails ${s}` : undefined;
}

interface Reach {
  all: readonly IndexedCluster[];
  /** The clusters whose templateResourceRefs resolve, with what templates see there. */
  ok: ReadonlyArray<{ cluster: IndexedCluster; context: TemplateContext; statusKnown: boolean }>;
  /** `ns/name (why)` of the clusters where they do not. */
  failed: string[];
}

/**
 * What one call works out once and uses for many profiles: each template text compiled, and for
 * profiles without templateResourceRefs (whose templates see the cluster alone) each cluster's
 * context and each field's rendering there. Lives as long as the call: nothing is kept.
 */
interface CheckMemo {
  compiled: Map<string, CompiledTemplate | string>;
  contexts: Map<ClusterKey, Reach['ok'][number]>;
  /** By field and text, then cluster: the `key (problem)` of a failure, '' when it renders, null when it is skipped. */
  rendered: Map<string, Map<ClusterKey, string | null>>;
}

const checkMemo = (): CheckMemo => ({ compiled: new Map(), contexts: new Map(), rendered: new Map() });

function contexts(profile: ProfileLike, all: readonly IndexedCluster[], statusOf: StatusOf, objects: RepositoryObjectIndex, shared?: CheckMemo): Reach {
  const ok: Array<Reach['ok'][number]> = [];
  const failed: string[] = [];
  for (const c of all) {
    const known = shared?.contexts.get(c.key);
    if (known) {
      ok.push(known);
      continue;
    }
    const status = statusOf(c.key);
    const r = templateContext(profile, c.object, status, objects);
    if (r.error !== undefined) failed.push(`${c.key} (${r.error})`);
    else {
      const entry = { cluster: c, context: r.context, statusKnown: status !== undefined };
      shared?.contexts.set(c.key, entry);
      ok.push(entry);
    }
  }
  return { all, ok, failed };
}

/** Why the template cannot be used, or undefined. `shared`: the profile's contexts are the cluster's alone. */
function checkField(field: (typeof TEMPLATED)[number], text: string, clusters: () => Reach, memo: CheckMemo, shared: boolean): string | undefined {
  const compiled = compiledOnce(text, memo);
  if (typeof compiled === 'string') return compiled;
  if (!compiled.usesCluster) return field === 'values' ? undefined : renderedFieldProblem(field, compiled.render(NO_CLUSTER).trim());
  const { all, ok } = clusters();
  const byCluster = shared ? rendered(memo, `${field}\n${text}`) : undefined;
  const failed: string[] = [];
  for (const { cluster, context, statusKnown } of ok) {
    let found = byCluster?.get(cluster.key);
    if (found === undefined) {
      found = renderedAt(field, compiled, cluster, context, statusKnown);
      byCluster?.set(cluster.key, found);
    }
    if (found) failed.push(found);
  }
  const s = summary(failed.length, all.length, failed);
  return s ? `the template fails ${s}` : undefined;
}

function compiledOnce(text: string, memo: CheckMemo): CompiledTemplate | string {
  let found = memo.compiled.get(text);
  if (found === undefined) {
    try {
      found = compileTemplate(text);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      found = `the template does not ${err.code === 'template-syntax' ? 'parse' : 'render'}: ${err.message}`;
    }
    memo.compiled.set(text, found);
  }
  return found;
}

function rendered(memo: CheckMemo, key: string): Map<ClusterKey, string | null> {
  let m = memo.rendered.get(key);
  if (m === undefined) memo.rendered.set(key, (m = new Map()));
  return m;
}

/** `key (problem)` when the template fails on the cluster, '' when it renders, null when the failure does not count yet. */
function renderedAt(field: (typeof TEMPLATED)[number], compiled: CompiledTemplate, cluster: IndexedCluster, context: TemplateContext, statusKnown: boolean): string | null {
  let problem: string | undefined;
  try {
    const out = compiled.render(context.cluster, context.resources);
    problem = field === 'values' ? undefined : renderedFieldProblem(field, out.trim());
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    // A cluster never probed has no status yet: a template reading it renders once it has one.
    if (!statusKnown && err.message.includes('no entry for key "status"')) return null;
    problem = err.message;
  }
  return problem === undefined ? '' : `${cluster.key} (${context.redact(problem)})`;
}

const NO_CLUSTER = { apiVersion: '', kind: '', metadata: { name: '' } };

function summary(count: number, of: number, named: readonly string[]): string | undefined {
  if (count === 0) return undefined;
  const shown = named.slice(0, NAMED);
  const more = count > shown.length ? `, and ${count - shown.length} more` : '';
  return `for ${count} of the ${of} clusters the profile can reach: ${shown.join('; ')}${more}`;
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
