// A closer look at one release on one cluster: its newest record's manifest, each object live,
// then health and (when asked) drift, both pure. Errors are evidence too: a look that cannot read
// the cluster says so and judges nothing.
import { findDrift, objectKey, objectName, type DriftExclusion, type DriftFinding } from './drift.ts';
import { releaseHealth, type Health } from './health.ts';
import type { ObservedRelease } from './inventory.ts';
import { readLiveObject, readReleaseRecord, type Discovery, type KubeGet } from './cluster-reader.ts';

export interface ReleaseLook {
  /** The helm revision the look read. */
  revision: number;
  health: Health;
  /** Present when drift was checked: empty means none. */
  drift?: DriftFinding[];
}

export async function lookAtRelease(
  get: KubeGet,
  discovery: Discovery,
  release: ObservedRelease,
  opts: { drift: boolean; exclusions: readonly DriftExclusion[] },
): Promise<ReleaseLook> {
  const record = await readReleaseRecord(get, release);
  const ns = release.releaseNamespace;
  const live = new Map<string, Record<string, unknown> | null>();
  const objects: Array<{ name: string; live: Record<string, unknown> | null }> = [];
  for (const o of record.objects) {
    const obj = await readLiveObject(get, discovery, o, ns);
    live.set(objectKey(o, ns), obj);
    objects.push({ name: objectName(o, ns), live: obj });
  }
  const look: ReleaseLook = { revision: record.revision, health: releaseHealth(objects) };
  if (opts.drift) look.drift = findDrift(record.objects, live, opts.exclusions, ns);
  return look;
}
