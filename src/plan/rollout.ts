// Progressive rollouts (Sveltos' `maxUpdate`): when a profile's desired state changes, at most
// maxUpdate matched clusters are updated at once. A cluster counts as done once its releases are
// deployed and Healthy; while one is upgraded or settling, the next wave waits. An upgrade that
// fails, a release Degraded, or one not Healthy within the rollout timeout halts the rollout: the
// clusters not yet updated keep what they run. A new desired state (a fixed spec) starts again.
// First installs (a newly matched cluster, a failover's replacement) are never held. Pure.
import { DEFAULT_ROLLOUT_TIMEOUT, parseDrainTimeout, ROLLOUT_TIMEOUT } from '../load/annotations.ts';
import type { ClusterKey } from '../model/objects.ts';
import type { ProfileClusterStatus, ProfileStatus, ReleaseStatus, RolloutStatus } from '../model/status.ts';
import type { PlannedAction, ReleaseDecision } from './decide.ts';
import type { CurrentProfile, ReleasePlan } from './releases.ts';

export interface RolloutInput {
  plan: ReleasePlan;
  profiles: readonly CurrentProfile[];
  previous: ReadonlyMap<string, { status: ProfileStatus }>;
  /** Whether a helm call runs (or ended unrecorded) for the release on the cluster. */
  running?: (cluster: ClusterKey, release: { releaseNamespace: string; releaseName: string }) => boolean;
  now: Date;
}

/**
 * `maxUpdate` as a count of clusters: a number, or a percentage of the matched clusters rounded
 * up (Sveltos' rule), at least 1; undefined when absent (no limit).
 */
export function resolveMaxUpdate(value: unknown, matched: number): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  if (typeof value !== 'string') return undefined;
  const percent = /^(\d{1,3})%$/.exec(value);
  if (percent) return Math.max(1, Math.ceil((Number(percent[1]) * matched) / 100));
  return /^\d+$/.test(value) && Number(value) > 0 ? Number(value) : undefined;
}

/** Holds the upgrades beyond each profile's wave; returns the plan and each rolling profile's status. */
export function holdWaves(input: RolloutInput): { plan: ReleasePlan; rollouts: Map<string, RolloutStatus> } {
  const rollouts = new Map<string, RolloutStatus>();
  const held = new Set<PlannedAction>();
  const decisions: ReleaseDecision[] = [];
  const clusters = new Map(input.plan.clusters);
  for (const { id, profile, matched } of input.profiles) {
    const max = resolveMaxUpdate(profile.spec.maxUpdate, matched.length);
    if (max === undefined || max >= matched.length) continue;
    const upgrades = input.plan.actions.filter((a) => a.profile === id && a.action === 'upgrade');
    const rolling = input.previous.get(id)?.status.rollout !== undefined;
    if (upgrades.length === 0 && !rolling) continue;
    const timeoutMs = parseDrainTimeout(profile.metadata.annotations?.[ROLLOUT_TIMEOUT] ?? DEFAULT_ROLLOUT_TIMEOUT)!;
    const before = recordsOf(input.previous.get(id)?.status);
    const wave = waveOf(input, input.plan.clusters.get(id) ?? [], upgrades, timeoutMs);
    // A new spec after a halt goes where the rollout stopped first.
    for (const a of upgrades) if (before.get(`${a.cluster} ${a.release.releaseNamespace}/${a.release.releaseName}`)?.state === 'Failed') wave.resumeAt.add(a.cluster);
    const waiting = chooseWaiting(wave, upgrades, max);
    const starting = [...new Set(upgrades.map((a) => a.cluster))].filter((c) => !waiting.has(c) && !wave.failing.has(c)).sort();
    // A rollout lasts until its last wave is Healthy; one wave that fits in maxUpdate is no rollout.
    if (waiting.size === 0 && wave.halted === undefined && !(rolling && (starting.length > 0 || wave.updating.size > 0))) continue;
    const reason = wave.halted !== undefined
      ? `rollout halted: ${wave.halted}; the clusters not yet updated keep what they run until the spec changes`
      : `rollout: waiting for a wave (maxUpdate ${max}; updating ${[...wave.updating].sort().join(', ') || 'none'})`;
    const records = holdRecords(clusters.get(id) ?? [], waiting, before, reason);
    clusters.set(id, records);
    for (const a of upgrades) {
      if (!waiting.has(a.cluster)) continue;
      held.add(a);
      const record = records.find((pc) => pc.cluster === a.cluster)?.releases.find((r) => r.releaseNamespace === a.release.releaseNamespace && r.releaseName === a.release.releaseName);
      decisions.push({ decision: 'wait', profile: id, cluster: a.cluster, release: `${a.release.releaseNamespace}/${a.release.releaseName}`, reason, record });
    }
    rollouts.set(id, {
      maxUpdate: max,
      updating: [...wave.updating].sort(),
      waiting: [...waiting].sort(),
      ...(starting.length > 0 ? { wave: starting } : {}),
      ...(wave.halted !== undefined ? { halted: wave.halted } : {}),
    });
  }
  if (held.size === 0) return { plan: input.plan, rollouts };
  const tally = { ...input.plan.tally, upgrade: input.plan.tally.upgrade - held.size, wait: input.plan.tally.wait + held.size };
  return { plan: { ...input.plan, clusters, decisions: [...input.plan.decisions, ...decisions], actions: input.plan.actions.filter((a) => !held.has(a)), tally }, rollouts };
}

interface Wave {
  /** Clusters an upgrade runs on, or whose releases are deployed and not yet Healthy. */
  updating: Set<ClusterKey>;
  /** Clusters whose upgrade failed or that stay unhealthy: their own retries are not held. */
  failing: Set<ClusterKey>;
  /** Clusters a halted rollout stopped at (their last attempt failed): a new spec goes there first. */
  resumeAt: Set<ClusterKey>;
  halted?: string;
}

function waveOf(input: RolloutInput, records: readonly ProfileClusterStatus[], upgrades: readonly PlannedAction[], timeoutMs: number): Wave {
  const wave: Wave = { updating: new Set(), failing: new Set(), resumeAt: new Set() };
  const retrying = new Map(upgrades.map((a) => [`${a.cluster} ${a.release.releaseNamespace}/${a.release.releaseName}`, a.hash]));
  for (const pc of records) {
    for (const r of pc.releases) {
      const problem = problemOf(r, retrying.get(`${pc.cluster} ${r.releaseNamespace}/${r.releaseName}`), input.now, timeoutMs);
      if (input.running?.(pc.cluster, r)) wave.updating.add(pc.cluster);
      else if (problem === 'settling') wave.updating.add(pc.cluster);
      else if (problem !== undefined) {
        wave.failing.add(pc.cluster);
        wave.halted ??= `${pc.cluster}: ${r.releaseNamespace}/${r.releaseName} ${problem}`;
      }
    }
  }
  return wave;
}

/** Why a release stops or holds the rollout: `settling` while it may still become Healthy. */
function problemOf(r: ReleaseStatus, retryHash: string | undefined, now: Date, timeoutMs: number): string | undefined {
  // A failed attempt of the desired state (a new spec is a new attempt, not a failure of this one).
  if (r.state === 'Failed') return retryHash === undefined || retryHash === r.attemptedHash ? `failed (${firstLine(r.lastError ?? 'no error recorded')})` : undefined;
  if (r.state !== 'Deployed' || r.health === undefined || r.health === 'Healthy') return undefined;
  if (r.health === 'Degraded') return `is Degraded (${firstLine(r.healthMessage ?? 'no message')})`;
  const since = r.lastAppliedTime ? Date.parse(r.lastAppliedTime) : Number.NaN;
  if (Number.isFinite(since) && now.getTime() - since > timeoutMs) return `not Healthy ${spoken(timeoutMs)} after it was applied (${firstLine(r.healthMessage ?? r.health)})`;
  return 'settling';
}

/**
 * The clusters whose upgrade waits: when halted, all but a failing cluster's own retry; otherwise
 * those beyond the free places, taken where a halted rollout stopped first, then in name order.
 */
function chooseWaiting(wave: Wave, upgrades: readonly PlannedAction[], max: number): Set<ClusterKey> {
  const first = (c: ClusterKey): number => (wave.resumeAt.has(c) ? 0 : 1);
  const candidates = [...new Set(upgrades.map((a) => a.cluster))]
    .filter((c) => !wave.updating.has(c) && !wave.failing.has(c))
    .sort((a, b) => first(a) - first(b) || (a < b ? -1 : a > b ? 1 : 0));
  if (wave.halted !== undefined) return new Set(candidates);
  const free = Math.max(0, max - wave.updating.size - wave.failing.size);
  return new Set(candidates.slice(free));
}

/** Waiting clusters keep the record they had (what runs there), with why they wait. */
function holdRecords(records: readonly ProfileClusterStatus[], waiting: ReadonlySet<ClusterKey>, previous: ReadonlyMap<string, ReleaseStatus>, reason: string): ProfileClusterStatus[] {
  return records.map((pc) =>
    waiting.has(pc.cluster)
      ? { ...pc, releases: pc.releases.map((r) => ({ ...(previous.get(`${pc.cluster} ${r.releaseNamespace}/${r.releaseName}`) ?? r), reason })) }
      : pc,
  );
}

function recordsOf(status: ProfileStatus | undefined): Map<string, ReleaseStatus> {
  const out = new Map<string, ReleaseStatus>();
  for (const pc of status?.clusters ?? []) for (const r of pc.releases) out.set(`${pc.cluster} ${r.releaseNamespace}/${r.releaseName}`, r);
  return out;
}

/** 20s, 10m, 1h30m: the rollout timeout as it would be written. */
function spoken(ms: number): string {
  const s = Math.round(ms / 1000);
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${sec || s === 0 ? `${sec}s` : ''}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 200);
}
