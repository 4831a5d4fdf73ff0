// The commit message of a status commit: what changed between two snapshots, in the words a
// person scanning `git log` wants (`ClusterSet/prod selected civo/cluster1, dropped civo/cluster2
// (not ready …)`, `deployed kyverno-latest on civo/cluster1`). Empty when nothing changed.
import type { ClusterKey } from '../model/objects.ts';
import type { ReleaseStatus, SetStatus } from '../model/status.ts';
import { notReadyDetail } from './cluster-health.ts';
import { policyChanges } from './describe-policies.ts';
import { rolloutChanges } from './describe-rollouts.ts';
import { promotionChanges } from './describe-promotions.ts';
import { sortKeys } from './render.ts';
import { refKey, type ProfileEntry, type StatusSnapshot } from './snapshot.ts';

export interface ChangeSummary {
  /** One line, `status: …`; empty string when nothing changed. */
  subject: string;
  /** One `- change` line per change. */
  body: string;
  changes: string[];
}

const SUBJECT_MAX = 100;

export function describeChanges(prev: StatusSnapshot, next: StatusSnapshot): ChangeSummary {
  const sets = setChanges(prev, next);
  // A completed failover, with its total time, is what the subject should lead with.
  const done = (c: string): boolean => / (failed over|moved \([a-z-]+\)) .* in \d+s$/.test(c);
  const changes = [...sets.filter(done), ...clusterChanges(prev, next), ...sets.filter((c) => !done(c)), ...rolloutChanges(prev, next), ...promotionChanges(prev, next), ...releaseChanges(prev, next), ...policyChanges(prev, next)];
  if (changes.length === 0) {
    // Nothing worth a sentence; still a commit when a detail moved (a reason, a message).
    const same = sameEntries(prev.clusters, next.clusters) && sameEntries(prev.sets, next.sets) && sameEntries(prev.profiles, next.profiles);
    return same ? { subject: '', body: '', changes } : { subject: 'status: update details', body: '', changes };
  }
  const all = `status: ${changes.join('; ')}`;
  const subject = all.length <= SUBJECT_MAX || changes.length === 1 ? all : `status: ${changes[0]} (+${changes.length - 1} more)`;
  return { subject, body: changes.map((c) => `- ${c}`).join('\n'), changes };
}

function clusterChanges(prev: StatusSnapshot, next: StatusSnapshot): string[] {
  const out: string[] = [];
  for (const key of union(prev.clusters.keys(), next.clusters.keys())) {
    const a = prev.clusters.get(key)?.status;
    const b = next.clusters.get(key)?.status;
    if (!b) out.push(`cluster ${key} removed`);
    else if (!a) out.push(`new cluster ${key}${b.ready ? '' : ` (not ready: ${notReadyDetail(b)})`}`);
    else {
      if (a.ready && !b.ready) out.push(`${key} not ready (${notReadyDetail(b)})`);
      if (!a.ready && b.ready) out.push(`${key} ready again`);
      // Failures below the threshold stay in memory (committedClusterStatus): nothing to say.
      if (a.version && b.version && a.version !== b.version) out.push(`${key} version ${a.version} → ${b.version}`);
    }
  }
  return out;
}

function setChanges(prev: StatusSnapshot, next: StatusSnapshot): string[] {
  const out: string[] = [];
  for (const id of union(prev.sets.keys(), next.sets.keys())) {
    const a = prev.sets.get(id)?.status;
    const b = next.sets.get(id)?.status;
    if (!b) {
      out.push(`${id} removed`);
      continue;
    }
    const before = (a?.selectedClusterRefs ?? []).map(refKey);
    const after = b.selectedClusterRefs.map(refKey);
    const added = after.filter((k) => !before.includes(k));
    const dropped = before.filter((k) => !after.includes(k));
    const parts: string[] = [];
    if (added.length > 0) parts.push(`selected ${added.join(', ')}`);
    if (dropped.length > 0) {
      const matching = new Set(b.matchingClusterRefs.map(refKey));
      const why = (k: ClusterKey): string => {
        const n = b.notSelected?.find((x) => x.cluster === k);
        if (!n) return matching.has(k) ? 'over cap' : 'no longer matching';
        return n.message.replace(/^not ready \((.*)\)$/, 'not ready: $1');
      };
      parts.push(`dropped ${dropped.map((k) => `${k} (${why(k)})`).join(', ')}`);
    }
    if (parts.length === 0 && before.length > 0 && after.length === 0) parts.push('selects nothing');
    if (parts.length > 0) out.push(`${id} ${parts.join(', ')}`);
    else if (a && a.message !== b.message && b.selectedClusterRefs.length === 0 && b.message) out.push(`${id}: ${b.message}`);
    out.push(...failoverChanges(id, a, b));
  }
  return out;
}

/** `ClusterSet/prod failed over civo/cluster2 → civo/cluster1 in 37s`, held-back failovers, finished or timed-out drains. */
function failoverChanges(id: string, a: SetStatus | undefined, b: SetStatus): string[] {
  const out: string[] = [];
  const wasDone = new Set((a?.failovers ?? []).filter((f) => f.deployed !== undefined).map((f) => `${f.from}>${f.to}@${f.selected}`));
  for (const f of b.failovers ?? []) {
    if (f.deployed === undefined || wasDone.has(`${f.from}>${f.to}@${f.selected}`)) continue;
    const verb = f.reason === 'not-ready' ? 'failed over' : `moved (${f.reason})`;
    out.push(`${id} ${verb} ${f.from} → ${f.to} in ${f.totalSeconds ?? 0}s`);
  }
  const heldBefore = new Set((a?.heldBack ?? []).map((h) => `${h.cluster}:${h.reason}`));
  for (const h of b.heldBack ?? []) {
    if (!heldBefore.has(`${h.cluster}:${h.reason}`)) out.push(`${id} held back the failover of ${h.cluster} (${h.reason})`);
  }
  const drainingNow = new Set((b.drainingClusterRefs ?? []).map(refKey));
  const timedOutBefore = new Set((a?.failovers ?? []).flatMap((f) => (f.drainTimedOut ? [`${f.from}@${f.drainTimedOut.at}`] : [])));
  for (const k of (a?.drainingClusterRefs ?? []).map(refKey)) {
    if (drainingNow.has(k)) continue;
    // A drain the timeout ended says so: the replacement was not up, the releases were given up anyway.
    const t = b.failovers?.find((f) => f.from === k && f.drainTimedOut && !timedOutBefore.has(`${f.from}@${f.drainTimedOut.at}`))?.drainTimedOut;
    out.push(t ? `${id} ${t.message}` : `${id} finished draining ${k}`);
  }
  return out;
}

function releaseChanges(prev: StatusSnapshot, next: StatusSnapshot): string[] {
  const out: string[] = [];
  const before = flatten(prev.profiles);
  const after = flatten(next.profiles);
  const ownerAfter = new Map<string, string>();
  for (const [k, v] of after) ownerAfter.set(k.slice(k.indexOf('\u0000') + 1), v.profile);
  for (const k of union(before.keys(), after.keys())) {
    const a = before.get(k);
    const b = after.get(k);
    const any = (b ?? a)!;
    const name = any.record.releaseName;
    const on = any.cluster;
    if (!b) {
      if (a!.record.hash === undefined && a!.record.revision === undefined) continue;
      const newOwner = ownerAfter.get(k.slice(k.indexOf('\u0000') + 1));
      if (newOwner && newOwner !== a!.profile) out.push(`${name} on ${on} now managed by ${newOwner}`);
      else if (a!.entry.object.spec.stopMatchingBehavior === 'LeavePolicies' && !stillMatched(next.profiles.get(a!.profile), on)) {
        out.push(`left ${name} on ${on} (LeavePolicies)`);
      } else out.push(`uninstalled ${name} from ${on}`);
      continue;
    }
    const r = b.record;
    const p = a?.record;
    switch (r.state) {
      case 'Deployed':
        // A repair is said when it lands, also after a commit that showed its helm call running.
        if (r.evidence !== undefined && (p?.evidence !== r.evidence || p.revision !== r.revision || p.state !== 'Deployed')) out.push(`${on}: ${r.evidence}`);
        else if (!p || p.hash !== r.hash || p.revision !== r.revision) {
          out.push(p?.hash !== undefined ? `upgraded ${name} on ${on} to ${r.chartVersion}` : `deployed ${name} on ${on}`);
        }
        if (r.health !== undefined && p?.health !== r.health && (r.health !== 'Healthy' || p?.health !== undefined)) {
          out.push(`${name} on ${on} ${r.health.toLowerCase()}${r.healthMessage ? `: ${firstLine(r.healthMessage)}` : ''}`);
        }
        break;
      case 'Failed':
        if (!p || p.state !== 'Failed' || p.failures !== r.failures || p.lastError !== r.lastError) {
          out.push(`${name} failed on ${on}: ${firstLine(r.lastError ?? 'unknown error')}`);
        }
        break;
      case 'Conflict':
      case 'Pending':
      case 'DryRun':
      case 'Uninstalled':
        if (!p || p.state !== r.state || p.reason !== r.reason || p.lastError !== r.lastError) {
          out.push(`${name} on ${on} ${r.state.toLowerCase()}: ${firstLine(r.reason ?? r.lastError ?? '')}`.replace(/: $/, ''));
        }
        break;
    }
  }
  return out;
}

interface Located {
  profile: string;
  cluster: ClusterKey;
  record: ReleaseStatus;
  entry: ProfileEntry;
}

/** `profile␀cluster␀ns/name` → record, for every release of every profile. */
function flatten(profiles: ReadonlyMap<string, ProfileEntry>): Map<string, Located> {
  const out = new Map<string, Located>();
  for (const [profile, entry] of profiles) {
    for (const pc of entry.status.clusters ?? []) {
      for (const record of pc.releases) {
        out.set(`${profile}\u0000${pc.cluster}\u0000${record.releaseNamespace}/${record.releaseName}`, { profile, cluster: pc.cluster, record, entry });
      }
    }
  }
  return out;
}

function stillMatched(entry: ProfileEntry | undefined, cluster: ClusterKey): boolean {
  return entry?.status.matchingClusters.some((r) => refKey(r) === cluster) ?? false;
}

function firstLine(s: string): string {
  const line = s.split('\n')[0]!;
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

function union(a: Iterable<string>, b: Iterable<string>): string[] {
  return [...new Set([...a, ...b])].sort();
}

/** Same objects with the same status, whatever the key order (as the files would render them). */
function sameEntries(a: ReadonlyMap<string, object>, b: ReadonlyMap<string, object>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, x] of a) {
    const y = b.get(k);
    if (y === undefined || (x !== y && JSON.stringify(sortKeys(x)) !== JSON.stringify(sortKeys(y)))) return false;
  }
  return true;
}
