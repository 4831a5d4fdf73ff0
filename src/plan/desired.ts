// Desired releases: for every cluster a profile matches, each of its helmCharts entries with the
// values rendered for that cluster and the hash of the result. Templates are compiled once per
// chart; a chart whose text reads nothing of the cluster is rendered and hashed once, and that one
// rendering stands for every cluster (a 10k fleet's 80k releases are mostly a few thousand renderings).
import type { DriftExclusion, HelmChart, HelmChartAction } from '../model/objects.ts';
import { profileDriftExclusions } from '../observe/drift.ts';
import type { ReleaseRequest } from '../model/ports.ts';
import type { ReleaseStatus } from '../model/status.ts';
import type { IndexedCluster } from '../select/cluster-index.ts';
import type { ProfileLike } from '../select/profiles.ts';
import { releaseHash, releaseHasher } from './hash.ts';
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

/** Orders two releases by their releaseKey: the order of releases in status files and of a cluster's actions. */
export function compareReleaseKeys(a: { releaseNamespace: string; releaseName: string }, b: typeof a): number {
  const x = releaseKey(a);
  const y = releaseKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
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
export function desiredReleases(profileId: string, profile: ProfileLike, clusters: readonly IndexedCluster[], kept: Map<string, DesiredReleases>): DesiredReleases {
  const last = kept.get(profileId);
  if (last && sameClusters(last.clusters, clusters)) return last;
  const desired = renderAll(profileId, profile, clusters);
  kept.set(profileId, desired);
  return desired;
}

function sameClusters(a: readonly IndexedCluster[], b: readonly IndexedCluster[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function renderAll(profileId: string, profile: ProfileLike, clusters: readonly IndexedCluster[]): DesiredReleases {
  const entries = Array.isArray(profile.spec.helmCharts) ? profile.spec.helmCharts : [];
  const exclusions = profileDriftExclusions(profile.spec);
  const charts = entries.map((entry): DesiredChart => {
    const action: HelmChartAction = entry.helmChartAction === 'Uninstall' ? 'Uninstall' : 'Install';
    const renderer = chartRenderer(entry, exclusions);
    if (renderer.shared) return { action, shared: renderer.shared };
    // Sized up front: kept for as long as the revision, so no slack from growing by push.
    const perCluster = new Array<Rendering>(clusters.length);
    for (let k = 0; k < clusters.length; k++) perCluster[k] = renderer.render(clusters[k]!.object);
    return { action, perCluster };
  });
  return { profile: profileId, tier: tierOf(profile), clusters, charts }; // matched lists are never mutated
}

const TEMPLATED = ['values', 'chartVersion', 'releaseName', 'releaseNamespace'] as const;

function chartRenderer(chart: HelmChart, exclusions: readonly DriftExclusion[]): Renderer {
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
  if (!compiled.some(([, t]) => t.usesCluster)) {
    const request = { ...raw };
    for (const [f, t] of compiled) request[f] = t.render({ apiVersion: '', kind: '', metadata: { name: '' } });
    return { shared: rendering(request, releaseHash) };
  }
  const hash = releaseHasher(raw, compiled.map(([f]) => f));
  const render = (cluster: TemplateCluster): Rendering => {
    const request = { ...raw };
    for (const [f, t] of compiled) {
      try {
        request[f] = t.render(cluster);
      } catch (err) {
        return rendering(raw, releaseHash, templateMessage(f, err));
      }
    }
    return rendering(request, hash);
  };
  return { render };
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
