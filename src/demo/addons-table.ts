// Which releases are deployed where, from a status snapshot: what the demo waits for.
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
