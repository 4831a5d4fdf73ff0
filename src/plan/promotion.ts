// Staged promotion (Sveltos' ClusterPromotion): the stages' ClusterProfiles run one after the
// other. Stage N+1 is promoted to the current content (a hash of profileSpec) once stage N is
// deployed and Healthy at that content and its trigger is met (a delay since it became Healthy,
// or an `approved: true` committed for that content). A stage not promoted keeps what it runs:
// every helm call of its ClusterProfile waits (uninstalls too), so a wait never deletes. Once
// promoted, a stage stays promoted to that content while its clusters run it. Pure; the times it
// needs are in its status.
import { createHash } from 'node:crypto';
import type { ClusterKey, ClusterPromotion } from '../model/objects.ts';
import type { ProfileStatus, PromotionStageStatus, PromotionStatus, ReleaseStatus } from '../model/status.ts';
import type { PromotionEntry } from '../status/snapshot.ts';
import type { PlannedAction, ReleaseDecision } from './decide.ts';
import { canonicalJson } from './hash.ts';
import { runsContent, stageNotDone, triggerVerdict } from './promotion-stage.ts';
import type { CurrentProfile, ReleasePlan } from './releases.ts';

export interface PromotionInput {
  plan: ReleasePlan;
  promotions: readonly ClusterPromotion[];
  profiles: readonly CurrentProfile[];
  /** Each promotion's committed status, by objectId. */
  previous?: ReadonlyMap<string, PromotionEntry>;
  previousProfiles: ReadonlyMap<string, { status: ProfileStatus }>;
  now: Date;
}

/** `ClusterPromotion/web`. */
export function promotionId(p: { metadata: { name: string } }): string {
  return `ClusterPromotion/${p.metadata.name}`;
}

/** The content every stage ends on: 12 hex digits of sha256 over profileSpec's canonical JSON. */
export function contentHash(p: ClusterPromotion): string {
  return createHash('sha256').update(canonicalJson(p.spec.profileSpec)).digest('hex').slice(0, 12);
}

/**
 * A cluster matched by two stages of one promotion belongs to the first: later stages' profiles
 * drop it (`gitset validate` warns about the overlap).
 */
export function exclusiveStages(current: readonly CurrentProfile[], promotions: readonly ClusterPromotion[]): CurrentProfile[] {
  const index = new Map(current.map((c, i) => [c.id, i]));
  const out = [...current];
  for (const p of promotions) {
    const taken = new Set<ClusterKey>();
    for (const id of p.profiles) {
      const i = index.get(id);
      if (i === undefined) continue;
      const c = out[i]!;
      const mine = c.matched.filter((m) => !taken.has(m.key));
      for (const m of c.matched) taken.add(m.key);
      if (mine.length !== c.matched.length) out[i] = { ...c, matched: mine };
    }
  }
  return out;
}

/** Holds the helm work of stages not yet promoted; returns the plan and each promotion's status. */
export function holdPromotions(input: PromotionInput): { plan: ReleasePlan; promotions: Map<string, PromotionStatus> } {
  const promotions = new Map<string, PromotionStatus>();
  const holds = new Map<string, string>();
  const starting = new Map<string, string>();
  for (const p of input.promotions) {
    const status = promotionStatus(input, p);
    promotions.set(promotionId(p), status);
    const before = input.previous?.get(promotionId(p))?.status.stages;
    for (const s of status.stages) {
      if (!promoted(s.state)) holds.set(s.profile, `promotion ${p.metadata.name}: stage ${s.name} ${s.message}`);
      else if (!before?.some((b) => b.name === s.name && b.promotedHash === status.contentHash && promoted(b.state))) starting.set(s.profile, `promotion ${p.metadata.name}: stage ${s.name} starts`);
    }
  }
  const plan = holds.size === 0 ? input.plan : held(input, holds);
  // What starts a stage says so in the plan's actions (the reason `gitset plan` shows as WHY).
  if (starting.size === 0) return { plan, promotions };
  return { plan: { ...plan, actions: plan.actions.map((a) => (starting.has(a.profile) ? { ...a, reason: `${a.reason} (${starting.get(a.profile)})` } : a)) }, promotions };
}

/** A stage in one of these states runs the current content; the others keep what they ran. */
export function promoted(state: PromotionStageStatus['state']): boolean {
  return state === 'Deploying' || state === 'Healthy';
}

/** The ClusterProfiles whose work waits for a promotion (their policyRefs wait as well). */
export function heldByPromotion(promotions: ReadonlyMap<string, PromotionEntry> | undefined): Set<string> {
  const out = new Set<string>();
  for (const { status } of promotions?.values() ?? []) for (const s of status.stages) if (!promoted(s.state)) out.add(s.profile);
  return out;
}

function promotionStatus(input: PromotionInput, p: ClusterPromotion): PromotionStatus {
  const hash = contentHash(p);
  const before = input.previous?.get(promotionId(p))?.status;
  const current = new Map(input.profiles.map((c) => [c.id, c]));
  const stages: PromotionStageStatus[] = [];
  // What promotes the stage being looked at: the verdict on the stage before it.
  let gate: { open: true } | { open: false; state: PromotionStageStatus['state']; message: string; until?: string } = { open: true };
  p.spec.stages.forEach((stage, i) => {
    const profile = p.profiles[i]!;
    const prev = before?.stages.find((s) => s.name === stage.name && s.profile === profile);
    const c = current.get(profile);
    const matched = (c?.matched ?? []).map((m) => m.key);
    const spec = c?.profile.spec;
    const wants = { releases: (spec?.helmCharts ?? []).some((h) => h.helmChartAction !== 'Uninstall'), policies: (spec?.policyRefs ?? []).length + (spec?.kustomizationRefs ?? []).length > 0 };
    const isPromoted = i === 0 || gate.open || (prev?.promotedHash === hash && runsContent(input.plan, profile, matched, wants));
    const s: PromotionStageStatus = { name: stage.name, profile, state: 'Deploying', message: '', ...(matched.length > 0 ? { clusters: [...matched].sort() } : {}) };
    if (!isPromoted && gate.open === false) {
      Object.assign(s, { state: gate.state, message: gate.message }, 'until' in gate && gate.until !== undefined ? { until: gate.until } : {});
      // The content it last ran; a waiting stage is never promoted to the current one.
      if (prev?.promotedHash !== undefined && prev.promotedHash !== hash) s.promotedHash = prev.promotedHash;
    } else {
      s.promotedHash = hash;
      // Manifests are recorded by the kubectl step after this plan: judged from the last status,
      // so only once a cycle has run at this content.
      const lag = wants.policies && prev?.promotedHash !== hash ? 'manifests not yet applied at this content' : undefined;
      const why = lag ?? stageNotDone(input.plan, profile, matched, wants, input.previousProfiles.get(profile)?.status);
      if (why !== undefined) s.message = `deploying content ${hash} on ${matched.length} cluster${matched.length === 1 ? '' : 's'}: ${why}`;
      else {
        s.state = 'Healthy';
        s.healthySince = healthySince(prev?.promotedHash === hash ? prev.healthySince : undefined, input.plan, profile, matched, input.now);
        s.message = matched.length === 0 ? 'no cluster matches this stage' : `deployed and Healthy on ${matched.length > 5 ? `${matched.length} clusters` : matched.join(', ')}`;
      }
    }
    const manual = stage.trigger?.manual;
    // The content approved: as Git's history says where the daemon read it, else as first seen.
    if (manual?.approved === true) s.approvedHash = manual.automaticReset === false ? hash : (p.approvedContent?.[stage.name] ?? prev?.approvedHash ?? hash);
    gate = nextGate(stage, i, s, hash, input.now);
    stages.push(s);
  });
  const first = stages.find((s) => s.state !== 'Healthy');
  return { contentHash: hash, currentStage: (first ?? stages[stages.length - 1]!).name, ...(first ? {} : { done: true }), stages };
}

/**
 * Since when the stage is Healthy: as recorded, but never before its releases were last applied
 * (a time the clusters bear out: helm's own records) and never after now. A status file edited to
 * an earlier time cannot shorten an auto delay past the deployment, nor a later one hold it off.
 */
function healthySince(recorded: string | undefined, plan: ReleasePlan, profile: string, matched: readonly ClusterKey[], now: Date): string {
  const mine = new Set(matched);
  let floor = Number.NEGATIVE_INFINITY;
  for (const pc of plan.clusters.get(profile) ?? []) {
    if (!mine.has(pc.cluster)) continue;
    for (const r of pc.releases) {
      const at = r.lastAppliedTime === undefined ? Number.NaN : Date.parse(r.lastAppliedTime);
      if (Number.isFinite(at) && at > floor) floor = at;
    }
  }
  const at = recorded === undefined ? Number.NaN : Date.parse(recorded);
  if (!Number.isFinite(at) || at > now.getTime()) return now.toISOString();
  return at >= floor ? recorded! : new Date(Math.min(floor, now.getTime())).toISOString();
}

function nextGate(stage: ClusterPromotion['spec']['stages'][number], i: number, s: PromotionStageStatus, hash: string, now: Date) {
  if (s.state !== 'Healthy') return { open: false as const, state: 'Waiting' as const, message: `waits for stage ${s.name} to be deployed and Healthy` };
  const verdict = triggerVerdict(stage, i, s, hash, now);
  if (verdict.met) return { open: true as const };
  return { open: false as const, state: verdict.state, message: verdict.message, ...(verdict.until ? { until: verdict.until } : {}) };
}

/** The plan with every helm call of the held profiles turned into a wait; their records keep what runs. */
function held(input: PromotionInput, holds: ReadonlyMap<string, string>): ReleasePlan {
  const { plan } = input;
  const kept: PlannedAction[] = [];
  const waits: ReleaseDecision[] = [];
  const tally = { ...plan.tally };
  const clusters = new Map(plan.clusters);
  for (const [id, reason] of holds) {
    const before = new Map<string, ReleaseStatus>();
    for (const pc of input.previousProfiles.get(id)?.status.clusters ?? []) for (const r of pc.releases) before.set(`${pc.cluster} ${r.releaseNamespace}/${r.releaseName}`, r);
    const records = plan.clusters.get(id);
    if (records) clusters.set(id, records.map((pc) => ({ ...pc, releases: pc.releases.map((r) => ({ ...(before.get(`${pc.cluster} ${r.releaseNamespace}/${r.releaseName}`) ?? r), reason })) })));
  }
  const recordOf = (a: { profile: string; cluster: string }, release: string) => clusters.get(a.profile)?.find((pc) => pc.cluster === a.cluster)?.releases.find((r) => `${r.releaseNamespace}/${r.releaseName}` === release);
  for (const a of plan.actions) {
    const reason = holds.get(a.profile);
    if (reason === undefined) kept.push(a);
    else if (a.action !== 'uninstall') {
      const release = `${a.release.releaseNamespace}/${a.release.releaseName}`;
      tally[a.action]--;
      tally.wait++;
      waits.push({ decision: 'wait', profile: a.profile, cluster: a.cluster, release, reason, record: recordOf(a, release) });
    }
  }
  const decisions = plan.decisions.map((d) => {
    const reason = holds.get(d.profile);
    if (reason === undefined || d.decision !== 'uninstall') return d;
    tally.uninstall--;
    tally.wait++;
    return { decision: 'wait' as const, profile: d.profile, cluster: d.cluster, release: d.release, reason, record: recordOf(d, d.release) };
  });
  // A held uninstall is said by its decision, turned into a wait above.
  return { ...plan, clusters, actions: kept, decisions: [...decisions, ...waits], tally };
}
