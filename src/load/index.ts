// The loader: repository files → the five kinds, sorted, plus every diagnostic about them.
// `parseManifests` is pure (paths and texts in); `loadRepository` reads a folder first.
import type { Diagnostic } from '../model/diagnostics.ts';
import { objectId, type ClusterPromotion, type ClusterSetObject, type GitsetObject, type ProfileObject, type SveltosCluster } from '../model/objects.ts';
import { contentSourceId, type ContentSource, type FluxSource } from '../model/sources.ts';
import { chartRepoDiagnostics, gitSourceDiagnostics, type ChartRepoAllowList } from './chart-repos.ts';
import { crossCheck, findDuplicates } from './cross-check.ts';
import { checkDependsOn } from './depends-on.ts';
import { deepFreeze } from './freeze.ts';
import { checkPolicyRefs } from './policy-refs.ts';
import { checkValuesFrom } from './values-from-refs.ts';
import { fluxSourceId } from './flux-sources.ts';
import { checkKustomizationRefs } from './kustomization-refs.ts';
import { checkTemplateResourceRefs } from './template-resource-refs.ts';
import { checkValidateHealths } from './validate-healths.ts';
import { parseFile, type FileParse } from './parse-file.ts';
import { eachManifest, isManifestPath, type FolderInMemory } from './walk.ts';
import { repositoryObjectKey, type RepositoryObject } from './repository-objects.ts';
import { checkStageOverlaps } from './promotion.ts';

export { parseChartRepoPatterns, type ChartRepoAllowList } from './chart-repos.ts';
export { crossCheck, findDuplicates } from './cross-check.ts';
export { parseFile, type FileParse } from './parse-file.ts';
export { unsupportedFields } from './unsupported.ts';
export { annotationChecks, GITSET_ANNOTATION_PREFIX, type AnnotationCheck } from './annotations.ts';
export { DEFAULT_STATUS_DIR, eachManifest, isManifestPath } from './walk.ts';

export interface LoadedRepository {
  clusters: SveltosCluster[];
  sets: ClusterSetObject[];
  profiles: ProfileObject[];
  /** ConfigMaps and Secrets `policyRefs` can name, by kind, namespace and name (the first of duplicates). */
  sources: ContentSource[];
  /** Flux GitRepository/OCIRepository objects `kustomizationRefs` can name (the first of duplicates). */
  fluxSources?: FluxSource[];
  /** Every other Kubernetes object of the repository (the first of duplicates), for templateResourceRefs. */
  objects: RepositoryObject[];
  /** ClusterPromotions, by name (the first of duplicates); each stage's ClusterProfile is among `profiles`. */
  promotions?: ClusterPromotion[];
  /** Sorted by file, line, column. */
  diagnostics: Diagnostic[];
}

export interface LoadOptions {
  /** Folder (repo-relative) holding gitset's status files; never read as manifests. Default `status`. */
  statusDir?: string;
  /** Results of earlier parses, reused for files whose text did not change. */
  cache?: ManifestCache;
  /** Where helm charts may come from (`--allowed-chart-repos`); anywhere when absent. */
  chartRepos?: ChartRepoAllowList;
  /** The folder's files, from memory instead of the disk (a checkout being written meanwhile). */
  inMemory?: FolderInMemory;
}

export interface ManifestFile {
  /** Repo-relative, `/`-separated. */
  path: string;
  text: string;
}

/**
 * Per-file parse results kept between loads: a file whose text is unchanged is not parsed again.
 * Hold one per repository (the daemon keeps one across cycles); it forgets files no longer present.
 * Objects of unchanged files are the same objects as last time: treat loaded objects as read-only.
 */
export class ManifestCache {
  #entries = new Map<string, { text: string; result: FileParse }>();

  parse(path: string, text: string): FileParse {
    const hit = this.#entries.get(path);
    if (hit && hit.text === text) return hit.result;
    const result = parseFile(path, text);
    this.#entries.set(path, { text, result });
    return result;
  }

  /** Drops entries of files not in `paths`. */
  retain(paths: ReadonlySet<string>): void {
    for (const path of this.#entries.keys()) if (!paths.has(path)) this.#entries.delete(path);
  }

  get size(): number {
    return this.#entries.size;
  }
}

export function parseManifests(files: readonly ManifestFile[], opts: LoadOptions = {}): LoadedRepository {
  const parses = new Parses(opts);
  for (const f of files) parses.add(f);
  return parses.repository();
}

/** Files parsed one by one (the cache's results reused), then checked together. */
class Parses {
  readonly #opts: LoadOptions;
  readonly #paths = new Set<string>();
  readonly #results: FileParse[] = [];

  constructor(opts: LoadOptions) {
    this.#opts = opts;
  }

  /** `listed`: the file comes from eachManifest, which lists only manifests. */
  add(f: ManifestFile, listed = false): void {
    if (!listed && !isManifestPath(f.path, this.#opts.statusDir)) return;
    this.#paths.add(f.path);
    this.#results.push(this.#opts.cache ? this.#opts.cache.parse(f.path, f.text) : parseFile(f.path, f.text));
  }

  repository(): LoadedRepository {
    this.#opts.cache?.retain(this.#paths);
    return checkTogether(this.#results, this.#opts);
  }
}

/** The objects of every file, with what is wrong between them; frozen. */
function checkTogether(results: readonly FileParse[], opts: LoadOptions): LoadedRepository {
  const diagnostics: Diagnostic[] = [];
  const objects: GitsetObject[] = [];
  const sources: ContentSource[] = [];
  const fluxSources: FluxSource[] = [];
  const resources: RepositoryObject[] = [];
  const promotions: ClusterPromotion[] = [];
  for (const r of results) {
    objects.push(...r.objects);
    sources.push(...(r.sources ?? []));
    fluxSources.push(...(r.fluxSources ?? []));
    resources.push(...(r.resources ?? []));
    promotions.push(...(r.promotions ?? []));
    diagnostics.push(...r.diagnostics);
  }

  const dup = findDuplicates(objects);
  diagnostics.push(...dup.diagnostics);
  // References are checked against every object defined, duplicates included: a setRef to a
  // duplicated ClusterSet is not dangling, the duplicate is the problem (already reported).
  const all = byKind(objects);
  diagnostics.push(...crossCheck(all));
  if (opts.chartRepos) diagnostics.push(...chartRepoDiagnostics(all.profiles, opts.chartRepos));
  const repo = byKind(objects.filter((o) => !dup.ids.has(objectId(o))));
  const unique = firstOfEach(sources);
  diagnostics.push(...checkPolicyRefs(repo.profiles, unique));
  diagnostics.push(...checkValuesFrom(repo.profiles, unique));
  const flux = firstFluxOfEach(fluxSources);
  if (opts.chartRepos) diagnostics.push(...gitSourceDiagnostics(fluxSources, opts.chartRepos));
  diagnostics.push(...checkKustomizationRefs(repo.profiles, unique, flux));
  dropUnusedSecretTypeWarnings(diagnostics, repo.profiles);
  const others = firstObjects(resources);
  diagnostics.push(...checkTemplateResourceRefs(repo.profiles, others));
  diagnostics.push(...checkDependsOn(all.profiles));
  diagnostics.push(...checkValidateHealths(repo.profiles));
  const promoted = firstPromotions(promotions, diagnostics);
  diagnostics.push(...checkStageOverlaps(promoted, repo.clusters));
  // Read-only from here on, including the objects the cache hands out again on the next load.
  return deepFreeze({ ...repo, sources: unique, fluxSources: flux, objects: others, ...(promoted.length > 0 ? { promotions: promoted } : {}), diagnostics: sortDiagnostics(diagnostics) });
}

/** ClusterPromotions sorted by name, the first of each name (a second one is an error: its stages' profiles are duplicates too). */
function firstPromotions(promotions: readonly ClusterPromotion[], diagnostics: Diagnostic[]): ClusterPromotion[] {
  const byName = new Map<string, ClusterPromotion>();
  for (const p of promotions) {
    const first = byName.get(p.metadata.name);
    if (!first) byName.set(p.metadata.name, p);
    else diagnostics.push({ ...p.source, severity: 'error', code: 'duplicate-object', object: `ClusterPromotion/${p.metadata.name}`, message: `duplicate ClusterPromotion/${p.metadata.name} (first at ${first.source.file}:${first.source.line})` });
  }
  return [...byName].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, p]) => p);
}

/** Sources sorted by id, the first definition of each (a duplicate is ignored, as the API server would refuse it). */
function firstOfEach(sources: readonly ContentSource[]): ContentSource[] {
  const byId = new Map<string, ContentSource>();
  for (const s of sources) {
    const id = contentSourceId({ kind: s.kind, namespace: s.metadata.namespace, name: s.metadata.name });
    if (!byId.has(id)) byId.set(id, s);
  }
  return [...byId].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, s]) => s);
}

function firstFluxOfEach(sources: readonly FluxSource[]): FluxSource[] {
  const byId = new Map<string, FluxSource>();
  for (const s of sources) byId.set(fluxSourceId({ kind: s.kind, ...s.metadata }), byId.get(fluxSourceId({ kind: s.kind, ...s.metadata })) ?? s);
  return [...byId].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, s]) => s);
}

/**
 * A Secret of another type than policyRefs read is worth a warning only where a policyRefs entry
 * names it; otherwise it is content for templateResourceRefs, and nothing is wrong with it.
 */
function dropUnusedSecretTypeWarnings(diagnostics: Diagnostic[], profiles: readonly ProfileObject[]): void {
  const named = new Set(profiles.flatMap((p) => (p.spec.policyRefs ?? []).filter((r) => r.kind === 'Secret').map((r) => r.name)));
  for (let i = diagnostics.length - 1; i >= 0; i--) {
    const d = diagnostics[i]!;
    if (d.code !== 'bad-policy-content' || d.field !== 'type' || !d.object?.startsWith('Secret/')) continue;
    const name = d.object.slice(d.object.lastIndexOf('/') + 1);
    if (!named.has(name) && ![...named].some((n) => n.includes('{{'))) diagnostics.splice(i, 1);
  }
}

function firstObjects(objects: readonly RepositoryObject[]): RepositoryObject[] {
  const byKey = new Map<string, RepositoryObject>();
  for (const o of objects) {
    const key = repositoryObjectKey({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });
    if (!byKey.has(key)) byKey.set(key, o);
  }
  return [...byKey].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, o]) => o);
}

function byKind(objects: readonly GitsetObject[]): Omit<LoadedRepository, 'diagnostics' | 'sources' | 'objects'> {
  return {
    clusters: objects.filter((o): o is SveltosCluster => o.kind === 'SveltosCluster').sort(byClusterKey),
    sets: objects.filter((o): o is ClusterSetObject => o.kind === 'ClusterSet' || o.kind === 'Set').sort(byKindAndKey),
    profiles: objects.filter((o): o is ProfileObject => o.kind === 'ClusterProfile' || o.kind === 'Profile').sort(byKindAndKey),
  };
}

export async function loadRepository(dir: string, opts: LoadOptions = {}): Promise<LoadedRepository> {
  const parses = new Parses(opts);
  // Each file is parsed as soon as it is read: its text is not held longer than its parse needs.
  const diagnostics = await eachManifest(dir, opts, (f) => parses.add(f, true));
  const repo = parses.repository();
  if (diagnostics.length === 0) return repo;
  return deepFreeze({ ...repo, diagnostics: sortDiagnostics([...repo.diagnostics, ...diagnostics]) });
}

/** compareClusterKeys' order (namespace, then name), without building and splitting the keys. */
function byClusterKey(a: GitsetObject, b: GitsetObject): number {
  const na = a.metadata.namespace ?? '';
  const nb = b.metadata.namespace ?? '';
  if (na !== nb) return na < nb ? -1 : 1;
  return a.metadata.name === b.metadata.name ? 0 : a.metadata.name < b.metadata.name ? -1 : 1;
}

function byKindAndKey(a: GitsetObject, b: GitsetObject): number {
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  return byClusterKey(a, b);
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.col - b.col ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}
