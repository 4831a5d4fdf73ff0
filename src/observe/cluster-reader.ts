// Reads what is on one cluster for observation: helm's release inventory (one metadata-only list),
// a release's record, and the live objects a record names. The transport is a small port (`KubeGet`)
// so the same code runs over the prober's kept-alive connection and in tests.
import { readInventory, type ObservedRelease } from './inventory.ts';
import { decodeReleaseRecord, type ManifestObject, type ReleaseRecord } from './release-record.ts';

/** One GET below the cluster's API server URL; `accept` overrides `application/json`. */
export type KubeGet = (path: string, accept?: string) => Promise<{ status: number; body: string }>;

export class ClusterReadError extends Error {
  readonly code = 'ClusterRead';
}

/** A list asks for metadata only (as `kubectl get -o name` does); a server that cannot, sends the full list. */
const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

/** Helm's release records on the cluster, all namespaces: one request. */
export async function readReleaseInventory(get: KubeGet): Promise<Map<string, ObservedRelease>> {
  const answer = await get('/api/v1/secrets?labelSelector=owner%3Dhelm', METADATA_LIST);
  return readInventory(parseAnswer(answer, 'helm release records'));
}

/** The newest record of a release: its manifest's objects. */
export async function readReleaseRecord(get: KubeGet, release: Pick<ObservedRelease, 'releaseNamespace' | 'secretName'>): Promise<ReleaseRecord> {
  const path = `/api/v1/namespaces/${encodeURIComponent(release.releaseNamespace)}/secrets/${encodeURIComponent(release.secretName)}`;
  return decodeReleaseRecord(parseAnswer(await get(path), `release record ${release.releaseNamespace}/${release.secretName}`));
}

interface ResourceInfo {
  plural: string;
  namespaced: boolean;
}

/** API discovery of one cluster, asked once per group-version (and kept for the reader's life). */
export class Discovery {
  readonly #groups = new Map<string, Promise<Map<string, ResourceInfo>>>();
  constructor(private readonly get: KubeGet) {}

  async resource(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    let kinds = this.#groups.get(apiVersion);
    if (!kinds) {
      kinds = this.#load(apiVersion);
      this.#groups.set(apiVersion, kinds);
      kinds.catch(() => this.#groups.delete(apiVersion));
    }
    return (await kinds).get(kind);
  }

  async #load(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const answer = await this.get(path);
    const out = new Map<string, ResourceInfo>();
    if (answer.status === 404) return out;
    const list = parseAnswer(answer, `API discovery of ${apiVersion}`) as { resources?: Array<{ name?: string; kind?: string; namespaced?: boolean }> };
    for (const r of list.resources ?? []) {
      if (!r.name || !r.kind || r.name.includes('/')) continue; // subresources
      out.set(r.kind, { plural: r.name, namespaced: r.namespaced === true });
    }
    return out;
  }
}

/** A live object: the object, null when the cluster says it does not exist (or its kind is not served). */
export async function readLiveObject(get: KubeGet, discovery: Discovery, o: ManifestObject, defaultNamespace: string): Promise<Record<string, unknown> | null> {
  const info = await discovery.resource(o.apiVersion, o.kind);
  if (!info) return null;
  const base = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  const ns = info.namespaced ? `/namespaces/${encodeURIComponent(o.metadata.namespace ?? defaultNamespace)}` : '';
  const answer = await get(`${base}${ns}/${info.plural}/${encodeURIComponent(o.metadata.name)}`);
  if (answer.status === 404) return null;
  return parseAnswer(answer, `${o.kind} ${o.metadata.name}`) as Record<string, unknown>;
}

function parseAnswer(answer: { status: number; body: string }, what: string): unknown {
  if (answer.status !== 200) throw new ClusterReadError(`reading ${what}: HTTP ${answer.status}`);
  try {
    return JSON.parse(answer.body);
  } catch {
    throw new ClusterReadError(`reading ${what}: the answer is not JSON`);
  }
}
