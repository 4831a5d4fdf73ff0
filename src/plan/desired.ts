// Desired releases: for every cluster a profile matches, each of its helmCharts entries with the
// values rendered for that cluster (valuesFrom's and chart access too: chart-inputs.ts) and the
// hash of the result. Templates are compiled once per
// chart; a chart whose text reads nothing of the cluster is rendered and hashed once, and that one
// rendering stands for every cluster (a 10k fleet's 80k releases are mostly a few thousand renderings).
// The profile's patches (and `reloader`) travel with the request to helm's post-renderer and are
// part of the hash: a patch change upgrades the release.
import { renderedFieldProblem } from '../load/helm-fields.ts';
import type { ContentSource, DriftExclusion, HelmChart, HelmChartAction } from '../model/objects.ts';
import { profileDriftExclusions } from '../observe/drift.ts';
import type { ReleaseRequest } from '../model/ports.ts';
import type { ReleaseStatus } from '../model/status.ts';
import type { IndexedCluster } from '../select/cluster-index.ts';
import type { ProfileLike } from '../select/profiles.ts';
import { chartInputs, type ChartInputs } from './chart-inputs.ts';
import { releaseHash, releaseHasher } from './hash.ts';
import { hasPatches, patchesVaryByCluster, profilePatches } from './profile-patches.ts';
import { compileTemplate, TemplateError, type CompiledTemplate, type TemplateCluster } from './template.ts';

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

type Renderer = { shared: Rendering; render?: undefined } | { shared?: undefined; render: (cluster: TemplateCluster) => Rendering };

/**
 * Every (cluster, chart) pair of one profile, in cluster order then chart order. `kept` holds the
 * answers of earlier cycles of the same revision, by profile id: rendering and hashing is the bulk
 * of a cycle's own work, and a quiet fleet asks the same question every cycle.
 */
export function desiredReleases(
  profileId: string,
  profile: ProfileLike,
  clusters: readonly IndexedCluster[],
  kept: Map<string, DesiredReleases>,
  sources: ReadonlyMap<string, ContentSource> = NO_SOURCES,
): DesiredReleases {
  const last = kept.get(profileId);
  if (last && sameClusters(last.clusters, clusters)) return last;
  const desired = renderAll(profileId, profile, clusters, sources);
  kept.set(profileId, desired);
  return desired;
}

function sameClusters(a: readonly IndexedCluster[], b: readonly IndexedCluster[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const NO_SOURCES: ReadonlyMap<string, ContentSource> = new Map();

function renderAll(profileId: string, profile: ProfileLike, clusters: readonly IndexedCluster[], sources: ReadonlyMap<string, ContentSource>): DesiredReleases {
  const entries = Array.isArray(profile.spec.helmCharts) ? profile.spec.helmCharts : [];
  const exclusions = profileDriftExclusions(profile.spec);
  const patches = patchesOf(profile, sources);
  const charts = entries.map((entry): DesiredChart => {
    const action: HelmChartAction = entry.helmChartAction === 'Uninstall' ? 'Uninstall' : 'Install';
    const renderer = chartRenderer(entry, exclusions, chartInputs(entry, profile, sources), patches);
    if (renderer.shared) return { action, shared: renderer.shared };
    // Sized up front: kept for as long as the revision, so no slack from growing by push.
    const perCluster = new Array<Rendering>(clusters.length);
    for (let k = 0; k < clusters.length; k++) perCluster[k] = renderer.render(clusters[k]!.object);
    return { action, perCluster };
  });
  return { profile: profileId, tier: tierOf(profile), clusters, charts }; // matched lists are never mutated
}

const TEMPLATED = ['values', 'chartVersion', 'releaseName', 'releaseNamespace'] as const;

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

function chartRenderer(chart: HelmChart, exclusions: readonly DriftExclusion[], inputs: ChartInputs | undefined, post: PostRenderFor): Renderer {
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
  const compiled: Array<[(typeof TEMPLATED)[number], CompiledTemplate]> = [];
  for (const f of TEMPLATED.filter((field) => raw[field].includes('{{'))) {
    try {
      compiled.push([f, compileTemplate(raw[f])]);
    } catch (err) {
      return { shared: rendering(raw, releaseHash, templateMessage(f, err)) };
    }
  }
  const NO_CLUSTER: TemplateCluster = { apiVersion: '', kind: '', metadata: { name: '' } };
  // What is added beside the templated fields: patches and reloader (post-render), valuesFrom and chart access.
  const extras = (cluster: TemplateCluster): { error?: string; add: Partial<ReleaseRequest> } => {
    const { error, ...add } = post.shared ?? post.perCluster(cluster);
    if (error !== undefined) return { error, add };
    if (!inputs) return { add };
    const r = inputs.resolve(cluster);
    if (r.error !== undefined) return { error: r.error, add };
    return { add: { ...add, ...(r.valuesFrom ? { valuesFrom: r.valuesFrom } : {}), ...(r.chartAccess ? { chartAccess: r.chartAccess } : {}) } };
  };
  const renderWith = (cluster: TemplateCluster, hash: (request: ReleaseRequest) => string): Rendering => {
    const x = extras(cluster);
    return x.error !== undefined ? rendering(raw, releaseHash, x.error) : renderFor(cluster, { ...raw, ...x.add }, compiled, hash);
  };
  const extrasVary = post.perCluster !== undefined || (inputs?.usesCluster ?? false);
  if (!extrasVary && !compiled.some(([, t]) => t.usesCluster)) return { shared: renderWith(NO_CLUSTER, releaseHash) };
  // The fast hasher covers the string fields only: with valuesFrom, chart access or per-cluster patches, hash it all.
  const fast = !extrasVary && !inputs ? releaseHasher({ ...raw, ...extras(NO_CLUSTER).add }, compiled.map(([f]) => f)) : releaseHash;
  return { render: (cluster) => renderWith(cluster, fast) };
}

/**
 * The entry rendered for one cluster. What a template renders goes through the loader's rules for
 * that field again: a name helm would refuse, or read as a flag, is this release's error on this
 * cluster, and no action is planned for it.
 */
function renderFor(
  cluster: TemplateCluster,
  raw: ReleaseRequest,
  compiled: ReadonlyArray<[(typeof TEMPLATED)[number], CompiledTemplate]>,
  hash: (request: ReleaseRequest) => string,
): Rendering {
  const request = { ...raw };
  for (const [f, t] of compiled) {
    try {
      request[f] = t.render(cluster);
    } catch (err) {
      return rendering(raw, releaseHash, templateMessage(f, err));
    }
    const problem = f === 'values' ? undefined : renderedFieldProblem(f, request[f]);
    if (problem !== undefined) return rendering(raw, releaseHash, problem);
  }
  return rendering(request, hash);
}

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
