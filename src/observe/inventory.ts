// Helm's release records as one metadata-only list of the Secrets labelled `owner=helm`: name,
// status and revision are labels, so the list answers "which releases are on this cluster, in
// which state, and whose are they" without reading a single release body. Pure: parses the answer.
import { HASH_LABEL, isGitsetMarked, PROFILE_LABEL } from './ownership.ts';

/** One release as its newest record on the cluster says it is. */
export interface ObservedRelease {
  releaseNamespace: string;
  releaseName: string;
  /** Helm's revision number of the newest record. */
  revision: number;
  /** Helm's status word: deployed, failed, pending-install, pending-upgrade, superseded, uninstalling, … */
  status: string;
  /** The Secret holding the newest record (to read the manifest for drift and health). */
  secretName: string;
  /** Carries gitset's mark. */
  marked: boolean;
  /** `gitset.dev/profile` of a marked release. */
  profileLabel?: string;
  /** `gitset.dev/hash` of a marked release: the desired state it was last applied with. */
  hashLabel?: string;
  /**
   * When helm last wrote the newest record (its `createdAt`/`modifiedAt` labels, Unix seconds, the
   * later of the two), RFC 3339: the cluster's word on when the release was deployed.
   */
  deployedAt?: string;
}

/** The releases on one cluster, keyed `namespace/name`. */
export type ReleaseInventory = ReadonlyMap<string, ObservedRelease>;

export function inventoryKey(releaseNamespace: string, releaseName: string): string {
  return `${releaseNamespace}/${releaseName}`;
}

export class InventoryError extends Error {
  readonly code = 'BadInventory';
}

interface MetadataItem {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
}

/**
 * Reads a (PartialObjectMetadata or full) SecretList of helm's records. Helm keeps several
 * records per release (one per revision kept); the newest counts. Items that are not helm
 * release records are passed over. Throws InventoryError when the answer is not a list at all.
 */
export function readInventory(list: unknown): Map<string, ObservedRelease> {
  const items = (list as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) throw new InventoryError('the API server did not answer with a list of release records');
  const out = new Map<string, ObservedRelease>();
  for (const item of items as MetadataItem[]) {
    const r = observedRelease(item);
    if (!r) continue;
    const key = inventoryKey(r.releaseNamespace, r.releaseName);
    const seen = out.get(key);
    if (!seen || seen.revision < r.revision) out.set(key, r);
  }
  return out;
}

function observedRelease(item: MetadataItem): ObservedRelease | undefined {
  const m = item?.metadata;
  const labels = m?.labels;
  if (!m?.name || !m.namespace || !labels || labels['owner'] !== 'helm' || !labels['name']) return undefined;
  const revision = Number(labels['version']);
  if (!Number.isInteger(revision) || revision < 1) return undefined;
  const marked = isGitsetMarked(labels);
  const out: ObservedRelease = {
    releaseNamespace: m.namespace,
    releaseName: labels['name'],
    revision,
    status: labels['status'] ?? 'unknown',
    secretName: m.name,
    marked,
  };
  if (marked && labels[PROFILE_LABEL]) out.profileLabel = labels[PROFILE_LABEL];
  if (marked && labels[HASH_LABEL]) out.hashLabel = labels[HASH_LABEL];
  const written = Math.max(unixSeconds(labels['createdAt']), unixSeconds(labels['modifiedAt']));
  if (written > 0) out.deployedAt = new Date(written * 1000).toISOString();
  return out;
}

/** A helm timestamp label (Unix seconds); 0 when absent or not a plausible time. */
function unixSeconds(v: string | undefined): number {
  const n = v !== undefined && /^\d{1,12}$/.test(v) ? Number(v) : 0;
  return n <= 8_640_000_000_000 ? n : 0;
}
