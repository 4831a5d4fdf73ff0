// The `sveltosctl show addons` table from a status snapshot: one row per release gitset has
// deployed, on which cluster, from which profile. Used by the demo to show where things run.
import Table from 'cli-table3';
import type { StatusSnapshot } from '../status/snapshot.ts';

export interface AddonRow {
  cluster: string;
  namespace: string;
  name: string;
  version: string;
  time: string;
  profile: string;
  state: string;
}

export function addonRows(snapshot: StatusSnapshot): AddonRow[] {
  const rows: AddonRow[] = [];
  for (const [id, entry] of snapshot.profiles) {
    for (const pc of entry.status.clusters ?? []) {
      for (const r of pc.releases) {
        if (r.state !== 'Deployed') continue;
        rows.push({ cluster: pc.cluster, namespace: r.releaseNamespace, name: r.releaseName, version: r.chartVersion, time: r.lastAppliedTime ?? '', profile: id, state: r.state });
      }
    }
  }
  return rows.sort((a, b) => (a.cluster + a.namespace + a.name < b.cluster + b.namespace + b.name ? -1 : 1));
}

export function renderAddonsTable(rows: readonly AddonRow[]): string {
  const table = new Table({
    head: ['CLUSTER', 'RESOURCE TYPE', 'NAMESPACE', 'NAME', 'VERSION', 'TIME', 'PROFILES'],
    style: { head: [], border: [] },
  });
  for (const r of rows) table.push([r.cluster, 'helm chart', r.namespace, r.name, r.version, r.time.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'), r.profile]);
  return table.toString();
}
