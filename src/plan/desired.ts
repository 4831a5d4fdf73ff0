// Desired releases: for every cluster a profile matches, each of its helmCharts entries with the
// values rendered for that cluster and the hash of the result. Templates are compiled once per
// chart; a chart whose text reads nothing of the cluster is rendered and hashed once for all.
import type { ClusterKey, HelmChart, HelmChartAction } from '../model/objects.ts';
import type { ReleaseRequest } from '../model/ports.ts';
import type { IndexedCluster } from '../select/cluster-index.ts';
import type { ProfileLike } from '../select/profiles.ts';
import { releaseHash } from './hash.ts';
import { compileTemplate, TemplateError, type CompiledTemplate, type TemplateCluster } from './template.ts';

export const DEFAULT_TIER = 100;

export interface DesiredRelease {
  /** objectId of the profile that wants it. */
  profile: string;
  cluster: ClusterKey;
  /** `releaseNamespace/releaseName`: what two profiles conflict over on one cluster. */
  key: string;
  action: HelmChartAction;
  request: ReleaseRequest;
  hash: string;
  /** Why this release cannot be rendered for this cluster (template error); nothing runs then. */
  error?: string;
  tier: number;
}

export function releaseKey(r: { releaseNamespace: string; releaseName: string }): string {
  return `${r.releaseNamespace}/${r.releaseName}`;
}

/**
 * Orders two releases as their releaseKey strings compare, without building the keys: sorting
 * the releases and actions of a large first cycle compares hundreds of thousands of pairs.
 */
export function compareReleaseKeys(a: { releaseNamespace: string; releaseName: string }, b: typeof a): number {
  const p = a.releaseNamespace;
  const q = b.releaseNamespace;
  if (p === q) return a.releaseName < b.releaseName ? -1 : a.releaseName > b.releaseName ? 1 : 0;
  const n = Math.min(p.length, q.length);
  for (let i = 0; i < n; i++) {
    const d = p.charCodeAt(i) - q.charCodeAt(i);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  // One namespace is a prefix of the other: the '/' after it decides, or the rest of the key.
  const x = releaseKey(a);
  const y = releaseKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function tierOf(profile: ProfileLike): number {
  const t = profile.spec.tier;
  return typeof t === 'number' && Number.isFinite(t) ? t : DEFAULT_TIER;
}

type Rendered = { request: ReleaseRequest; key: string; hash: string; error?: string };
type Renderer = (cluster: TemplateCluster) => Rendered;

// Rendering and hashing every release is the bulk of a cycle's own work, and a quiet fleet asks
// the same question every cycle: the same loaded profile over the same indexed clusters (the
// index lives as long as the loaded repository). The answer is kept per profile object and
// reused while the matched clusters are the same objects; callers never mutate it.
const remembered = new WeakMap<ProfileLike, { id: string; clusters: readonly IndexedCluster[]; releases: readonly DesiredRelease[] }>();

/** Every (cluster, chart) pair of one profile, in cluster order then chart order. */
export function desiredReleases(profileId: string, profile: ProfileLike, clusters: readonly IndexedCluster[]): readonly DesiredRelease[] {
  const last = remembered.get(profile);
  if (last && last.id === profileId && sameClusters(last.clusters, clusters)) return last.releases;
  const releases = renderAll(profileId, profile, clusters);
  remembered.set(profile, { id: profileId, clusters: [...clusters], releases });
  return releases;
}

function sameClusters(a: readonly IndexedCluster[], b: readonly IndexedCluster[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function renderAll(profileId: string, profile: ProfileLike, clusters: readonly IndexedCluster[]): DesiredRelease[] {
  const charts = Array.isArray(profile.spec.helmCharts) ? profile.spec.helmCharts : [];
  const tier = tierOf(profile);
  const renderers = charts.map((chart) => chartRenderer(chart));
  // Sized up front: kept for as long as the revision, so no slack from growing by push.
  const out = new Array<DesiredRelease>(clusters.length * charts.length);
  const actions = charts.map((chart): HelmChartAction => (chart.helmChartAction === 'Uninstall' ? 'Uninstall' : 'Install'));
  let n = 0;
  for (const c of clusters) {
    for (let i = 0; i < charts.length; i++) {
      const r = renderers[i]!(c.object);
      const d: DesiredRelease = { profile: profileId, cluster: c.key, key: r.key, action: actions[i]!, request: r.request, hash: r.hash, tier };
      if (r.error !== undefined) d.error = r.error;
      out[n++] = d;
    }
  }
  return out;
}

const TEMPLATED = ['values', 'chartVersion', 'releaseName', 'releaseNamespace'] as const;

function chartRenderer(chart: HelmChart): Renderer {
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
  };
  const compiled: Array<[(typeof TEMPLATED)[number], CompiledTemplate]> = [];
  for (const f of TEMPLATED.filter((field) => raw[field].includes('{{'))) {
    try {
      compiled.push([f, compileTemplate(raw[f])]);
    } catch (err) {
      const failed = { request: raw, key: releaseKey(raw), hash: releaseHash(raw), error: templateMessage(f, err) };
      return () => failed;
    }
  }
  if (!compiled.some(([, t]) => t.usesCluster)) {
    const request = { ...raw };
    for (const [f, t] of compiled) request[f] = t.render({ apiVersion: '', kind: '', metadata: { name: '' } });
    const once = { request, key: releaseKey(request), hash: releaseHash(request) };
    return () => once;
  }
  return (cluster) => {
    const request = { ...raw };
    for (const [f, t] of compiled) {
      try {
        request[f] = t.render(cluster);
      } catch (err) {
        return { request: raw, key: releaseKey(raw), hash: releaseHash(raw), error: templateMessage(f, err) };
      }
    }
    return { request, key: releaseKey(request), hash: releaseHash(request) };
  };
}

function templateMessage(field: string, err: unknown): string {
  if (err instanceof TemplateError) return `${field}: ${err.message}`;
  throw err;
}
