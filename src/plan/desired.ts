// Desired releases: for every cluster a profile matches, each of its helmCharts entries with the
// values rendered for that cluster (valuesFrom's and chart access too: chart-inputs.ts) and the
// hash of the result. Templates are compiled once per
// chart; a chart whose text reads nothing of the cluster is rendered and hashed once, and that one
// rendering stands for every cluster (a 10k fleet's 80k releases are mostly a few thousand renderings).
// The profile's patches (and `reloader`) travel with the request to helm's post-renderer and are
// part of the hash: a patch change upgrades the release.
import { renderedFieldProblem } from '../load/helm-fields.ts';
import type { DriftExclusion, HelmChart, HelmChartAction } from '../model/objects.ts';
import type { ContentSource } from '../model/sources.ts';
import { profileDriftExclusions } from '../observe/drift.ts';
import type { ReleaseRequest } from '../model/ports.ts';
import type { ReleaseStatus } from '../model/status.ts';
import type { IndexedCluster } from '../select/cluster-index.ts';
import type { ProfileLike } from '../select/profiles.ts';
import type { RepositoryObjectIndex } from '../load/repository-objects.ts';
import { healthOf, type HealthMap } from '../select/health.ts';
import { chartInputs, type ChartInputs } from './chart-inputs.ts';
import { releaseHash, releaseHasher } from './hash.ts';
import { hasPatches, patchesVaryByCluster, profilePatches } from './profile-patches.ts';
import { templateResourceRefs } from '../load/template-resource-refs.ts';
import { statusKey, templateContext, type ClusterContexts, type ContextResult, type TemplateContext } from './template-context.ts';
import { compileTemplateOnce, TemplateError, type CompiledTemplate, type CompiledTemplates, type TemplateCluster } from './template.ts';

export const DEFAULT_TIER = 100;

/** One helmCharts entry rendered: for one cluster, or for all when the entry reads nothing of the cluster. */
export interface Rendering {
  /** `releaseNamespace/releaseName`: what two profiles conflict over on one cluster. */
  key: string;
  request: ReleaseRequest;
  hash: string;
  /** Why this release cannot be rendered for this cluster (template error); nothing runs then. */
  error: string | undefined;
  /** Its record while its first install is pending: the same on every cluster, so one shared object. */
  pendingInstall: ReleaseStatus;
}

export interface DesiredChart {
  action: HelmChartAction;
  /** The rendering every cluster shares, when the entry reads nothing of the cluster. */
  shared?: Rendering;
  /** Otherwise one rendering per cluster, by position in the profile's cluster list. */
  perCluster?: readonly Rendering[];
}

/** A profile's desired releases: each helmCharts entry (in order) on each matched cluster (in order). */
export interface DesiredReleases {
  /** objectId of the profile that wants them. */
  profile: string;
  tier: number;
  clusters: readonly IndexedCluster[];
  charts: readonly DesiredChart[];
  /** When some chart is rendered per cluster: what each cluster's status showed its templates (statusKey). */
  statusKeys?: readonly string[];
}

/** The rendering of `chart` for the k-th cluster of its profile's list. */
export function renderingAt(chart: DesiredChart, k: number): Rendering {
  return chart.shared ?? chart.perCluster![k]!;
}

export function releaseKey(r: { releaseNamespace: string; releaseName: string }): string {
  return `${r.releaseNamespace}/${r.releaseName}`;
}

type ReleaseName = { releaseNamespace: string; releaseName: string };

/** Orders two releases by their releaseKey: the order of releases in status files and of a cluster's actions. */
export function compareReleaseKeys(a: ReleaseName, b: ReleaseName): number {
  const p = a.releaseNamespace;
  const q = b.releaseNamespace;
  // Without building the keys (two strings per comparison): the same namespace leaves the names,
  // and namespaces that differ before either ends decide alone.
  if (p === q) return compareText(a.releaseName, b.releaseName);
  const n = Math.min(p.length, q.length);
  for (let i = 0; i < n; i++) {
    const d = p.charCodeAt(i) - q.charCodeAt(i);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return compareText(releaseKey(a), releaseKey(b)); // one namespace starts the other: `a/…` against `a-b/…`
}

function compareText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Sorts in place by release key, stably, and returns the list. An insertion sort: the lists are
 * one profile's releases on one cluster (a handful), and Array.prototype.sort allocates about
 * 1 KB per call: 72 MB of garbage in a 10k fleet's first cycle, which sorts 120k such lists.
 */
export function sortByReleaseKey<T>(list: T[], nameOf: (item: T) => ReleaseName): T[] {
  for (let i = 1; i < list.length; i++) {
    const item = list[i]!;
    let j = i - 1;
    for (; j >= 0 && compareReleaseKeys(nameOf(list[j]!), nameOf(item)) > 0; j--) list[j + 1] = list[j]!;
    list[j + 1] = item;
  }
  return list;
}

export function tierOf(profile: ProfileLike): number {
  const t = profile.spec.tier;
  return typeof t === 'number' && Number.isFinite(t) ? t : DEFAULT_TIER;
}

type Renderer = { shared: Rendering; render?: undefined } | { shared?: undefined; render: (context: ContextResult) => Rendering };

/** What rendering a profile's templates needs beyond the profile: the fleet's health (`.Cluster.status`) and the repository's objects. */
export interface RenderInputs {
  health?: HealthMap;
  objects?: RepositoryObjectIndex;
  /** The repository's ConfigMaps and Secrets (valuesFrom, patchesFrom). */
  sources?: ReadonlyMap<string, ContentSource>;
  /** This cycle's `.Cluster` contexts, shared by the profiles without templateResourceRefs. */
  contexts?: ClusterContexts;
  /** The revision's compiled templates by text. */
  templates?: CompiledTemplates;
}

const NO_SOURCES: ReadonlyMap<string, ContentSource> = new Map();

const NO_OBJECTS: RepositoryObjectIndex = { find: () => undefined, inSomeNamespace: () => false };

/**
 * Every (cluster, chart) pair of one profile, in cluster order then chart order. `kept` holds the
 * answers of earlier cycles of the same revision, by profile id: rendering and hashing is the bulk
 * of a cycle's own work, and a quiet fleet asks the same question every cycle. A profile rendered
 * per cluster is rendered again when what its templates see of a cluster's status changed.
 */
export function desiredReleases(profileId: string, profile: ProfileLike, clusters: readonly IndexedCluster[], kept: Map<string, DesiredReleases>, inputs: RenderInputs = {}): DesiredReleases {
  const last = kept.get(profileId);
  const same = last !== undefined && sameClusters(last.clusters, clusters);
  const keys = same && last.statusKeys ? clusters.map((c) => statusKey(inputs.health && healthOf(inputs.health, c))) : undefined;
  if (same && (keys === undefined || keys.every((k, i) => k === last.statusKeys![i]))) return last;
  // Only the clusters whose status changed are rendered again (one flapping cluster in a large fleet).
  const desired = renderAll(profileId, profile, clusters, inputs, same && keys ? { last, changed: (k) => keys[k] !== last.statusKeys![k] } : undefined);
  kept.set(profileId, desired);
  return desired;
}

function sameClusters(a: readonly IndexedCluster[], b: readonly IndexedCluster[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The last rendering of the same profile for the same clusters, and which clusters' status changed since. */
interface Reuse {
  last: DesiredReleases;
  changed: (k: number) => boolean;
}

function renderAll(profileId: string, profile: ProfileLike, clusters: readonly IndexedCluster[], inputs: RenderInputs, reuse?: Reuse): DesiredReleases {
  const entries = Array.isArray(profile.spec.helmCharts) ? profile.spec.helmCharts : [];
  const exclusions = profileDriftExclusions(profile.spec);
  const contexts = new Array<ContextResult | undefined>(clusters.length);
  const shared = inputs.contexts !== undefined && templateResourceRefs(profile.spec).refs.length === 0 ? inputs.contexts : undefined;
  const contextAt = (k: number): ContextResult => {
    const c = clusters[k]!;
    if (shared) return shared.of(c);
    return (contexts[k] ??= templateContext(profile, c.object, inputs.health && healthOf(inputs.health, c), inputs.objects ?? NO_OBJECTS));
  };
  let perClusterSeen = false;
  const sources = inputs.sources ?? NO_SOURCES;
  const patches = patchesOf(profile, sources);
  const charts = entries.map((entry, i): DesiredChart => {
    const action: HelmChartAction = entry.helmChartAction === 'Uninstall' ? 'Uninstall' : 'Install';
    const renderer = chartRenderer(entry, exclusions, chartInputs(entry, profile, sources), patches, inputs.templates ?? new Map());
    if (renderer.shared) return { action, shared: renderer.shared };
    perClusterSeen = true;
    // Sized up front: kept for as long as the revision, so no slack from growing by push.
    const perCluster = new Array<Rendering>(clusters.length);
    const before = reuse?.last.charts[i]?.perCluster;
    for (let k = 0; k < clusters.length; k++) perCluster[k] = before && !reuse!.changed(k) ? before[k]! : renderer.render(contextAt(k));
    return { action, perCluster };
  });
  const statusKeys = perClusterSeen ? clusters.map((c) => statusKey(inputs.health && healthOf(inputs.health, c))) : undefined;
  return { profile: profileId, tier: tierOf(profile), clusters, charts, ...(statusKeys ? { statusKeys } : {}) }; // matched lists are never mutated
}

/** Every field of a helm entry may be a template (Sveltos instantiates the whole entry). */
const TEMPLATED = ['values', 'chartVersion', 'releaseName', 'releaseNamespace', 'chartName', 'repositoryURL', 'repositoryName'] as const;
type TemplatedField = (typeof TEMPLATED)[number];

/** What the post-renderer adds to a release for one cluster: the profile's patches and reloader, or why they fail. */
type PostRender = Pick<ReleaseRequest, 'patches' | 'reloader'> & { error?: string };
/** The same for every cluster, or computed per cluster. */
type PostRenderFor = { shared: PostRender; perCluster?: undefined } | { shared?: undefined; perCluster: (cluster: TemplateCluster) => PostRender };

const NO_POST_RENDER: PostRenderFor = { shared: {} };

function patchesOf(profile: ProfileLike, sources: ReadonlyMap<string, ContentSource>): PostRenderFor {
  const reloader = profile.spec.reloader === true ? { reloader: true } : {};
  if (!hasPatches(profile)) return profile.spec.reloader === true ? { shared: reloader } : NO_POST_RENDER;
  const forCluster = (cluster: TemplateCluster): PostRender => {
    const p = profilePatches(profile, cluster, sources);
    if (p.error !== undefined) return { error: `patches: ${p.error}` };
    return { ...(p.patches.length > 0 ? { patches: p.patches } : {}), ...reloader };
  };
  return patchesVaryByCluster(profile, sources) ? { perCluster: forCluster } : { shared: forCluster({ apiVersion: '', kind: '', metadata: { name: '' } }) };
}

function chartRenderer(chart: HelmChart, exclusions: readonly DriftExclusion[], inputs: ChartInputs | undefined, post: PostRenderFor, templates: CompiledTemplates): Renderer {
  const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
  const raw: ReleaseRequest = {
    releaseNamespace: text(chart.releaseNamespace),
    releaseName: text(chart.releaseName),
    repositoryURL: text(chart.repositoryURL),
    repositoryName: text(chart.repositoryName),
    chartName: text(chart.chartName),
    chartVersion: text(chart.chartVersion),
    values: text(chart.values),
    ...(chart.options !== undefined ? { options: chart.options } : {}),
    ...(exclusions.length > 0 ? { driftExclusions: exclusions } : {}),
  };
  const compiled: Array<[TemplatedField, CompiledTemplate]> = [];
  for (const f of TEMPLATED.filter((field) => raw[field].includes('{{'))) {
    try {
      compiled.push([f, compileTemplateOnce(templates, raw[f])]);
    } catch (err) {
      return { shared: rendering(raw, releaseHash, templateMessage(f, err)) };
    }
  }
  // What is added beside the templated fields: patches and reloader (post-render), valuesFrom and chart access.
  const extras = (cluster: TemplateCluster): { error?: string; add: Partial<ReleaseRequest> } => {
    const { error, ...add } = post.shared ?? post.perCluster(cluster);
    if (error !== undefined) return { error, add };
    if (!inputs) return { add };
    const r = inputs.resolve(cluster);
    if (r.error !== undefined) return { error: r.error, add };
    return { add: { ...add, ...(r.valuesFrom ? { valuesFrom: r.valuesFrom } : {}), ...(r.chartAccess ? { chartAccess: r.chartAccess } : {}) } };
  };
  const renderWith = (context: TemplateContext | undefined, hash: (request: ReleaseRequest) => string): Rendering => {
    const x = extras(context?.cluster ?? NO_CLUSTER);
    return x.error !== undefined ? rendering(raw, releaseHash, x.error) : renderFor(context, { ...raw, ...x.add }, compiled, hash);
  };
  const extrasVary = post.perCluster !== undefined || (inputs?.usesCluster ?? false);
  if (!extrasVary && !compiled.some(([, t]) => t.usesCluster)) return { shared: renderWith(undefined, releaseHash) };
  // The fast hasher covers the string fields only: with valuesFrom, chart access or per-cluster patches, hash it all.
  const fast = !extrasVary && !inputs ? releaseHasher({ ...raw, ...extras(NO_CLUSTER).add }, compiled.map(([f]) => f)) : releaseHash;
  return {
    render: (context) => (context.error !== undefined ? rendering(raw, releaseHash, context.error) : renderWith(context.context, fast)),
  };
}

/**
 * The entry rendered for one cluster. What a template renders goes through the loader's rules for
 * that field again: a name helm would refuse, or read as a flag, is this release's error on this
 * cluster, and no action is planned for it. A name or version loses the whitespace around it (in
 * Sveltos a YAML scalar would). A message never quotes a Secret's data (context.redact).
 */
function renderFor(context: TemplateContext | undefined, raw: ReleaseRequest, compiled: ReadonlyArray<[TemplatedField, CompiledTemplate]>, hash: (request: ReleaseRequest) => string): Rendering {
  const request = { ...raw };
  const cluster = context?.cluster ?? NO_CLUSTER;
  const redact = context?.redact ?? ((m: string) => m);
  for (const [f, t] of compiled) {
    try {
      const out = t.render(cluster, context?.resources);
      request[f] = f === 'values' ? out : out.trim();
    } catch (err) {
      return rendering(raw, releaseHash, redact(templateMessage(f, err)));
    }
    const problem = f === 'values' ? undefined : renderedFieldProblem(f, request[f]);
    if (problem !== undefined) return rendering(raw, releaseHash, redact(problem));
  }
  return rendering(request, hash);
}

const NO_CLUSTER: TemplateCluster = { apiVersion: '', kind: '', metadata: { name: '' } };

/** Every rendering has the same fields, set from the start (one object shape for the planner to read). */
function rendering(request: ReleaseRequest, hash: (request: ReleaseRequest) => string, error?: string): Rendering {
  return { key: releaseKey(request), request, hash: hash(request), error, pendingInstall: pendingInstall(request) };
}

export const NOT_INSTALLED = 'not installed';
export const PLANNED_INSTALL = `install planned: ${NOT_INSTALLED}`;

// Kept for speed: one frozen record per rendering instead of one per (cluster, release) — 80k
// records in a new 10k fleet's first cycle, about 15% of its CPU time when written per release.
/** Frozen: one record stands for the release on every cluster it is planned for. */
function pendingInstall(q: ReleaseRequest): ReleaseStatus {
  return Object.freeze({
    releaseNamespace: q.releaseNamespace,
    releaseName: q.releaseName,
    chart: q.chartName,
    chartVersion: q.chartVersion,
    state: 'Pending',
    reason: PLANNED_INSTALL,
  } satisfies ReleaseStatus);
}

function templateMessage(field: string, err: unknown): string {
  if (err instanceof TemplateError) return `${field}: ${err.message}`;
  throw err;
}
