// Status files: one per object, the object as the repository has it with `status` filled in.
// Rendering is deterministic (keys sorted at every level, lists already in a fixed order, no
// clock readings beyond those that mark real changes) so an unchanged state is byte-identical
// and the daemon commits only when something happened.
import { committedClusterStatus } from './cluster-health.ts';
import { writeStatusYaml } from './status-writer.ts';
import type { StatusSnapshot } from './snapshot.ts';

const HEADER = '# Written by gitset: the observed status of this object. Edit the object itself, not this file.\n';

/** `ClusterSet/prod.yaml`, `SveltosCluster/civo/cluster1.yaml`: relative to the status folder. */
export function statusPath(kind: string, metadata: { name: string; namespace?: string }): string {
  return metadata.namespace ? `${kind}/${metadata.namespace}/${metadata.name}.yaml` : `${kind}/${metadata.name}.yaml`;
}

export function renderStatusFiles(snapshot: StatusSnapshot): Map<string, string> {
  const files: Array<[string, string]> = [];
  for (const { object, status } of snapshot.clusters.values()) {
    files.push([statusPath(object.kind, object.metadata), renderDocument({ ...object, status: committedClusterStatus(status) })]);
  }
  for (const { object, status } of [...snapshot.sets.values(), ...snapshot.profiles.values()]) {
    files.push([statusPath(object.kind, object.metadata), renderDocument({ ...object, status })]);
  }
  files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(files);
}

export function renderDocument(doc: object): string {
  return HEADER + writeStatusYaml(sortKeys(doc) as Record<string, unknown>);
}

/** Keys sorted at every level (apiVersion, kind, metadata, spec, status comes out naturally); undefined dropped. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}
