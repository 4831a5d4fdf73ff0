// The commit message's words for policyRefs objects: per profile and cluster, how many were
// applied, withdrawn or failed (`applied 3 objects of ClusterProfile/web on civo/cluster1`).
import type { PolicyStatus } from '../model/status.ts';
import type { ProfileEntry, StatusSnapshot } from './snapshot.ts';

export function policyChanges(prev: StatusSnapshot, next: StatusSnapshot): string[] {
  const before = records(prev.profiles);
  const after = records(next.profiles);
  const out: string[] = [];
  for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const a = before.get(key) ?? new Map<string, PolicyStatus>();
    const b = after.get(key) ?? new Map<string, PolicyStatus>();
    const [profile, cluster] = key.split('\u0000') as [string, string];
    let applied = 0;
    let withdrawn = 0;
    const failed: string[] = [];
    for (const [id, r] of b) {
      const p = a.get(id);
      if (r.state === 'Applied' && (p?.state !== 'Applied' || p.hash !== r.hash || p.lastAppliedTime !== r.lastAppliedTime)) applied++;
      if (r.state === 'Failed' && (p?.state !== 'Failed' || p.error !== r.error)) failed.push(r.error ?? 'unknown error');
    }
    for (const [id, p] of a) if (!b.has(id) && p.state === 'Applied') withdrawn++;
    const n = (k: number) => `${k} object${k === 1 ? '' : 's'}`;
    if (applied > 0) out.push(`applied ${n(applied)} of ${profile} on ${cluster}`);
    if (withdrawn > 0) out.push(`withdrew ${n(withdrawn)} of ${profile} from ${cluster}`);
    if (failed.length > 0) out.push(`${n(failed.length)} of ${profile} failed on ${cluster}: ${failed[0]!.split('\n')[0]}`);
  }
  return out;
}

function records(profiles: ReadonlyMap<string, ProfileEntry>): Map<string, Map<string, PolicyStatus>> {
  const out = new Map<string, Map<string, PolicyStatus>>();
  for (const [profile, entry] of profiles) {
    for (const pc of entry.status.clusters ?? []) {
      if (!pc.policies?.length) continue;
      out.set(`${profile}\u0000${pc.cluster}`, new Map(pc.policies.map((r) => [`${r.apiVersion}/${r.kind}/${r.namespace ?? ''}/${r.name}`, r])));
    }
  }
  return out;
}
