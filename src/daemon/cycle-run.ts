// One cycle's steps, in order: what the work dir holds at a restart, the pull, the committed
// status read once, loading, planning (cycle-plan.ts), and the status handed to the committer;
// and the recording of the calls that ended since (settle). See cycle.ts for the whole.
import type { Logger } from 'pino';
import type { PullResult } from '../git/repo.ts';
import { recordResults, type ActionOutcome, type CycleResult } from '../plan/cycle.ts';
import type { BreakerStatus } from '../select/breaker.ts';
import type { PolicyOutcome } from '../plan/policy-status.ts';
import type { PreviousStatus, StatusSnapshot } from '../status/snapshot.ts';
import { commitMessage, messageOf, withNotes } from './cycle-report.ts';
import { planCycle, type PlanStep } from './cycle-plan.ts';
import type { CycleReport } from './daemon.ts';
import type { HelmWork } from './execute.ts';
import type { PolicyStep } from './policies.ts';
import type { PolicyLanes } from './policy-work.ts';
import type { SourceBuilds } from './source-builds.ts';
import { createCommitter, type Committer, type GitLane, type Puller } from './git-work.ts';
import { observeChanges } from './observe.ts';
import { loadManifests, needsGit, type Revisions } from './revision.ts';
import { renderRevisionStatus, type RevisionStatus } from './revision-status.ts';
import type { StatusWriter } from './status-writer.ts';
import { ownPart } from '../status/shards.ts';
import { previousWithOthers, refreshOthers, showStaleHealth, withShardRecord, type ShardView } from './shard-view.ts';
import type { CycleRequest, TriggerReason } from './triggers.ts';
import type { CycleDeps } from './cycle.ts';

/** What cycles keep between them; lost on restart and rebuilt from Git and the clusters. */
export interface Memory {
  revisions: Revisions;
  status: StatusWriter;
  lane: GitLane;
  puller: Puller;
  work: HelmWork;
  /** policyRefs' kubectl work; absent without kubectl. */
  policies?: PolicyLanes;
  /** kustomizationRefs and Flux sources built in the background; absent without kubectl. */
  builds?: SourceBuilds;
  /** Created once the committed status has been read: it describes commits against it. */
  committer?: Committer;
  /** The status the last cycle rendered; the committed one before the first cycle. */
  previous?: PreviousStatus;
  revisionStatus: RevisionStatus;
  /** The errors of the head while it does not validate. */
  errors?: string[];
  /** Said in the next status commit: the breaker opened or closed. */
  notes: string[];
  lastLook: Map<string, number>;
  /** The last plan and the outcomes recorded with it: what shutdown folds the last calls into. */
  last?: { planned: CycleResult; recorded: ActionOutcome[]; graft?: PolicyStep['graft']; policiesRecorded?: PolicyOutcome[] };
  wake: (reason: TriggerReason) => void;
  accepting: boolean;
  /** A load waiting for the Git lane; the cycle after it is woken. */
  loading?: Promise<void>;
  /** With several replicas: the others' committed status and heartbeats. */
  shards?: ShardView;
}
/** How a cycle runs: the daemon's (background work) or carried through (reconcile --once). */
export interface Mode {
  /** Wait for the pull and the commit. */
  wait: boolean;
}
export interface Run {
  deps: CycleDeps;
  memory: Memory;
  log: Logger;
  now: () => Date;
  failures: string[];
  out: { observeRequests: number };
}
export async function runOnce(run: Run, request: CycleRequest, mode: Mode): Promise<CycleReport> {
  const { deps, memory, log, failures } = run;
  // A restart begins with what the work dir holds, read before the first pull takes the Git lane.
  if (!mode.wait && !memory.puller.last && (await memory.puller.adopt())) {
    await readCommittedOnce(run);
    memory.errors = await memory.lane.run(() => loadManifests(run, memory.puller.last!));
  }
  const pulled = await pull(run, request, mode);
  let previous = await readCommittedOnce(run);
  if (memory.shards) {
    // The others commit to the status branch, when there is one: its tip says when to read them again.
    await refreshOthers(memory.shards, { status: memory.status, codec: deps.codec, lane: memory.lane, log }, pulled.statusRevision ?? pulled.revision, mode.wait);
    previous = previousWithOthers(memory.shards, previous);
  }
  // Loading new inputs reads the work tree, so it waits for no Git operation: while one runs, the
  // revision in force stays for this cycle, and a cycle is woken once the operation has ended.
  if (!needsGit(memory, pulled)) memory.errors = await loadManifests(run, pulled);
  else if (mode.wait || !memory.lane.busy) memory.errors = await memory.lane.run(() => loadManifests(run, pulled));
  else memory.loading ??= loadLater(run, pulled);
  const errors = memory.errors;
  const inForce = memory.revisions.inForce;
  let next: StatusSnapshot | undefined;
  if (inForce) {
    const step: PlanStep = { deps, work: memory.work, ...(memory.policies ? { policies: memory.policies } : {}), ...(memory.builds ? { builds: memory.builds } : {}), log, now: run.now, lastLook: memory.lastLook, revisionStatus: memory.revisionStatus, startWork: memory.accepting };
    const planned = await planCycle(step, inForce, previous);
    if (planned.breaker) applyBreaker(run, planned.breaker);
    failures.push(...planned.failures);
    run.out.observeRequests += planned.observeRequests;
    memory.last = { planned: planned.planned, recorded: planned.recorded, ...(planned.graft ? { graft: planned.graft } : {}) };
    next = planned.next;
  }
  const committed = await commit(run, next, pulled.revision, mode);
  // A fresh clone's checkout waited for this first cycle (a status commit starts it and waits for it).
  pulled.checkout?.start();
  if (next) memory.previous = next;
  const outcome = errors ? 'invalid-revision' : failures.length > 0 ? 'failure' : 'success';
  return { outcome, revision: pulled.revision, failures: [...(errors ?? []), ...failures], committed };
}

/** Once per process the committed status is the previous state; afterwards the last rendered one is. */
async function readCommittedOnce(run: Run): Promise<PreviousStatus> {
  const { deps, memory, log } = run;
  if (memory.previous) return memory.previous;
  const committed = await memory.lane.run(() => memory.status.readCommitted());
  // A status file is a report: one that cannot be read costs a warning, never a release.
  for (const p of committed.previous.problems ?? []) log.warn({ file: p.path, err: p.message }, 'status file not read; the clusters are observed instead');
  memory.previous = committed.previous;
  memory.revisionStatus = committed.revisionStatus;
  memory.committer = createCommitter(memory.status, memory.lane, deps.logger, committed.previous);
  return committed.previous;
}

/**
 * Starts a pull when asked (and until one reached the remote); waits for it only without any
 * revision yet, or when carried through. A restart begins with the revision the work dir holds,
 * so a Git server that is down at start holds up neither probes nor failovers.
 */
async function pull(run: Run, request: CycleRequest, mode: Mode): Promise<PullResult> {
  const { puller } = run.memory;
  const fetching = request.pull || !puller.fetched ? puller.start() : undefined;
  // The failure of a pull not waited for is said by the first cycle after it ended.
  const settled = fetching?.then(() => undefined, (err: unknown) => err);
  if (settled && (mode.wait || !puller.last)) {
    const err = await settled;
    if (err !== undefined && !puller.last) throw err;
  }
  const failure = puller.takeFailure();
  if (failure) run.failures.push(`pull: ${failure}`);
  return puller.last!;
}

/** Renders the status and hands it to the committer; waits for the commit only when carried through. */
async function commit(run: Run, next: StatusSnapshot | undefined, revision: string, mode: Mode): Promise<boolean> {
  const { deps, memory } = run;
  const committer = memory.committer!;
  const view = memory.shards;
  const nowMs = run.now().getTime();
  if (view && next) next = showStaleHealth(view, next, nowMs, { log: run.log, metrics: deps.metrics });
  // Without any good revision, everything but gitset.yaml stays as committed.
  const files = next ? memory.status.render(next) : memory.status.committedObjectFiles();
  files.set(memory.status.revisionFile, renderRevisionStatus(view ? withShardRecord(view, memory.revisionStatus, files, nowMs) : memory.revisionStatus));
  // A shard's commit message says what changed in its own part.
  const mine = (s: StatusSnapshot): StatusSnapshot => (view ? ownPart(s, view.shard) : s);
  const errors = memory.errors;
  committer.submit({
    files,
    ...(next ? { snapshot: mine(next) } : {}),
    notes: memory.notes.splice(0),
    ...(revision ? { revision } : {}),
    message: (base, notes) => withNotes(commitMessage(next ? deps.codec.describe(mine(base), mine(next)) : undefined, errors, revision), notes),
  });
  if (mode.wait) await committer.idle();
  const done = committer.take();
  if (done.failure) run.failures.push(`commit status: ${done.failure}`);
  return done.committed;
}

/** Records the calls that ended since the last cycle into its plan, renders and commits, waiting for the commit. */
export async function settle(run: Run): Promise<CycleReport> {
  const { memory } = run;
  const taken = memory.work.take();
  const policies = memory.policies?.take().finished ?? [];
  const last = memory.last;
  if (!last || !memory.committer) return { outcome: 'success', failures: [], committed: false };
  for (const o of taken.finished) {
    if (!o.ok) run.failures.push(`${o.action.action} ${o.action.release.releaseNamespace}/${o.action.release.releaseName} on ${o.action.cluster}: ${o.error}`);
  }
  for (const o of policies) if (o.error) run.failures.push(`policies of ${o.work.profile} on ${o.work.cluster}: ${o.error}`);
  if (taken.finished.length + policies.length > 0) run.log.info({ recorded: taken.finished.length + policies.length }, 'recording the helm and kubectl calls that ended');
  const recorded = recordResults(last.planned, [...last.recorded, ...taken.finished], run.now());
  const policiesRecorded = [...(last.policiesRecorded ?? []), ...policies];
  const next = last.graft ? last.graft(recorded, policiesRecorded) : recorded;
  if (memory.previous) observeChanges(memory.previous, next, { logger: run.log, metrics: run.deps.metrics });
  memory.last = { ...last, recorded: [...last.recorded, ...taken.finished], policiesRecorded };
  const committed = await commit(run, next, memory.puller.last?.revision ?? '', { wait: true });
  memory.previous = next;
  return { outcome: memory.errors ? 'invalid-revision' : run.failures.length > 0 ? 'failure' : 'success', failures: [...run.failures], committed };
}
/** Loads once the Git lane is free, then wakes a cycle to apply what was loaded. */
function loadLater(run: Run, pulled: PullResult): Promise<void> {
  const { memory } = run;
  return memory.lane
    .run(() => loadManifests(run, pulled))
    .then((errors) => void (memory.errors = errors), (err: unknown) => void run.log.error({ err: messageOf(err) }, 'loading the new revision failed'))
    .finally(() => {
      memory.loading = undefined;
      memory.wake('git-pulled');
    });
}

/** Records the breaker in status/gitset.yaml, says so in the log and the metrics when it flips. */
function applyBreaker(run: Run, next: BreakerStatus): void {
  const { deps, memory, log } = run;
  const was = memory.revisionStatus.breaker;
  if (next.state === 'open' && was?.state !== 'open') {
    deps.metrics.breakerTrips.inc();
    memory.notes.push(`mass-failure breaker open, selections frozen: ${next.reason}`);
    log.warn({ breaker: 'open', reason: next.reason }, 'mass-failure breaker open: selections frozen, nothing withdrawn until probes recover');
  } else if (next.state === 'closed' && was?.state === 'open') {
    log.info({ breaker: 'closed', openSince: was.since }, 'mass-failure breaker closed: probes answer again');
    memory.notes.push(`mass-failure breaker closed (open since ${was.since ?? 'unknown'}): probes answer again`);
  } else if (next.state === 'open') {
    log.debug({ breaker: 'open', since: next.since }, 'mass-failure breaker still open');
  }
  deps.metrics.breakerOpen.set(next.state === 'open' ? 1 : 0);
  if (next.since !== undefined) memory.revisionStatus = { ...memory.revisionStatus, breaker: next };
}
