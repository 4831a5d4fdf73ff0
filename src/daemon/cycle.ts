// One reconcile cycle: pull → load and validate → probe → select and plan (pure) → helm → record
// → render status → commit and push. Level-triggered: every step can be cut short by a kill, and
// the next cycle (or the next start) recomputes from the repository and the committed status.
// An invalid revision is never applied: the last good one stays in force and the error is
// recorded in status/gitset.yaml.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { CommitMessage, PullResult, Repo } from '../git/repo.ts';
import { ManifestCache } from '../load/index.ts';
import type { ClusterKey } from '../model/objects.ts';
import type { HelmRunner, KubectlRunner, ProbeResult, Prober, StatusCodec } from '../model/ports.ts';
import { reconcilePolicies } from './policies.ts';
import type { Observations } from '../observe/fleet.ts';
import { computeCycle, recordResults } from '../plan/cycle.ts';
import type { PreviousStatus, StatusSnapshot } from '../status/snapshot.ts';
import { DEFAULT_BREAKER, type BreakerOptions, type BreakerStatus } from '../select/breaker.ts';
import type { CycleReport, RunCycle } from './daemon.ts';
import type { CycleRequest } from './triggers.ts';
import { runActions } from './execute.ts';
import type { DaemonMetrics } from './metrics.ts';
import { observeChanges } from './observe.ts';
import { observeAnswering, trackedReleases, type ObserveSettings } from './observe-fleet.ts';
import { lastGoodRepository, loadRevision, pullManifests, type InForce, type Revisions } from './revision.ts';
import { nextRevisionStatus, renderRevisionStatus, REVISION_STATUS_FILE, type RevisionStatus } from './revision-status.ts';
import { createStatusWriter, type StatusWriter } from './status-writer.ts';

export interface CycleDeps {
  repo: Repo;
  prober: Prober;
  helm: HelmRunner;
  /** Applies policyRefs objects; without it they are not acted on. */
  kubectl?: KubectlRunner;
  codec: StatusCodec;
  credentialsDir: string;
  /** Status folder relative to the manifests folder, as the loader excludes it. */
  statusDir: string;
  helmParallelism: number;
  /** Reads the answering clusters each cycle (release inventory, closer looks); without it the status' word is taken. */
  observe?: ObserveSettings;
  /** Applied to clusters without their own consecutiveFailureThreshold. */
  failureThreshold?: number;
  /** Mass-failure breaker thresholds (default: more than half, and at least 3). */
  breaker?: BreakerOptions;
  /** The commit the tip's inputs came with (below gitset's own status commits); the tip when absent. */
  introducedAt?: (tip: string) => Promise<string>;
  logger: Logger;
  metrics: DaemonMetrics;
  now?: () => Date;
}

/** What a cycle keeps for the next one; lost on restart and rebuilt from Git. */
interface CycleMemory {
  revisions: Revisions;
  status: StatusWriter;
  /** The status the last cycle rendered; the committed one before the first cycle. */
  previous?: PreviousStatus;
  revisionStatus: RevisionStatus;
  /** Said in the next status commit: the breaker opened or closed in this cycle. */
  breakerNote?: string;
  /** When each release was last looked at closely (`cluster ns/name` → ms); a restart looks again. */
  lastLook: Map<string, number>;
}

/** One run of the cycle: its dependencies, the memory it updates, and what it reports. */
interface CycleRun {
  deps: CycleDeps;
  memory: CycleMemory;
  now: () => Date;
  log: Logger;
  failures: string[];
  /** GETs sent to observe the clusters this cycle. */
  observeRequests: number;
}

export function createCycle(deps: CycleDeps): RunCycle {
  const memory: CycleMemory = { revisions: { cache: new ManifestCache() }, status: createStatusWriter(deps), revisionStatus: {}, lastLook: new Map() };
  const now = deps.now ?? (() => new Date());
  let count = 0;
  return async (request, helmSignal) => {
    const started = performance.now();
    const run: CycleRun = { deps, memory, now, log: deps.logger.child({ cycle: ++count }), failures: [], observeRequests: 0 };
    let report: CycleReport;
    try {
      report = await runOnce(run, request, helmSignal);
    } catch (err) {
      run.log.error({ err: messageOf(err) }, 'cycle failed');
      report = { outcome: 'failure', failures: [...run.failures, messageOf(err)], committed: false };
    }
    reportCycle(run, request, report, (performance.now() - started) / 1000);
    return report;
  };
}

async function runOnce(run: CycleRun, request: CycleRequest, helmSignal: AbortSignal): Promise<CycleReport> {
  const { deps, memory, log, failures } = run;
  const pulled = await pullManifests(deps.repo, memory.revisions, request.pull, log, failures);
  // Once per process the committed status is the previous state; afterwards the last rendered one is.
  if (!memory.previous) {
    const committed = await memory.status.readCommitted();
    // A status file is a report: one that cannot be read costs a warning, never a release.
    for (const p of committed.previous.problems ?? []) log.warn({ file: p.path, err: p.message }, 'status file not read; the clusters are observed instead');
    memory.previous = committed.previous;
    memory.revisionStatus = committed.revisionStatus;
  }
  const previous = memory.previous;
  const errors = await loadManifests(run, pulled);
  const inForce = memory.revisions.inForce;
  const next = inForce ? await reconcile(run, inForce, previous, helmSignal) : undefined;
  // Without any good revision, everything but gitset.yaml stays as committed.
  const files = next ? memory.status.render(next) : memory.status.committedObjectFiles();
  files.set(REVISION_STATUS_FILE, renderRevisionStatus(memory.revisionStatus));
  const note = memory.breakerNote;
  memory.breakerNote = undefined;
  const describe = (): CommitMessage => withNote(commitMessage(next ? deps.codec.describe(previous, next) : undefined, errors, pulled.revision), note);
  const didCommit = await memory.status.commit(files, describe, log, failures);
  if (next) memory.previous = next;
  const outcome = errors ? 'invalid-revision' : failures.length > 0 ? 'failure' : 'success';
  return { outcome, revision: pulled.revision, failures: [...(errors ?? []), ...failures], committed: didCommit };
}

/** Loads the pulled revision and records in status/gitset.yaml whether it applies; returns its errors when it does not. */
async function loadManifests(run: CycleRun, pulled: PullResult): Promise<string[] | undefined> {
  const { deps, memory, log } = run;
  const errors = await loadRevision(pulled, memory.revisions, deps.statusDir, log);
  if (errors && !memory.revisions.inForce && memory.revisionStatus.applied) {
    memory.revisions.inForce = await lastGoodRepository(deps.repo, memory.revisionStatus.applied, deps.statusDir, log);
  }
  const recorded = errors ? memory.revisionStatus.failed : memory.revisionStatus.applied;
  const revision = recorded?.inputs !== pulled.inputsId && deps.introducedAt ? await deps.introducedAt(pulled.revision) : pulled.revision;
  memory.revisionStatus = nextRevisionStatus(memory.revisionStatus, { revision, inputs: pulled.inputsId }, errors);
  deps.metrics.invalidRevision.set(errors ? 1 : 0);
  return errors;
}

/** Observe (probe) → decide (select and plan, pure) → act (helm) → record: the next status of every object. */
async function reconcile(run: CycleRun, inForce: InForce, prev: PreviousStatus, helmSignal: AbortSignal): Promise<StatusSnapshot> {
  const { deps, memory, log, failures, now } = run;
  const repo = inForce.repo;
  const probes = await deps.prober.probeAll(repo.clusters);
  for (const p of probes.values()) deps.metrics.probes.inc({ result: p.ok ? 'ok' : 'failed' });
  const observed = deps.observe ? await observe(run, deps.observe, repo, probes, prev) : undefined;
  const planned = computeCycle({
    revision: inForce.prepared,
    previous: prev,
    probes,
    now: now(),
    defaultFailureThreshold: deps.failureThreshold,
    breaker: { options: deps.breaker ?? DEFAULT_BREAKER, previous: memory.revisionStatus.breaker },
    ...(observed ? { observed } : {}),
  });
  if (planned.breaker) applyBreaker(run, planned.breaker);
  observeChanges(prev, planned.snapshot, { logger: log, metrics: deps.metrics });
  const outcomes = await runActions(planned.actions, {
    helm: deps.helm,
    clusters: repo.clusters,
    credentialsDir: deps.credentialsDir,
    parallelism: deps.helmParallelism,
    signal: helmSignal,
    metrics: deps.metrics,
    logger: log,
  });
  for (const o of outcomes) {
    if (!o.ok) failures.push(`${o.action.action} ${o.action.release.releaseNamespace}/${o.action.release.releaseName} on ${o.action.cluster}: ${o.error}`);
  }
  const recorded = recordResults(planned, outcomes, now());
  if (!deps.kubectl) return recorded;
  return reconcilePolicies({ kubectl: deps.kubectl, repo, credentialsDir: deps.credentialsDir, parallelism: deps.helmParallelism, signal: helmSignal, logger: log, now }, recorded, prev, probes, failures);
}

/** What the answering clusters show of the releases gitset looks after. */
async function observe(run: CycleRun, settings: ObserveSettings, repo: InForce['repo'], probes: ReadonlyMap<ClusterKey, ProbeResult>, prev: PreviousStatus): Promise<Observations> {
  const seen = await observeAnswering({
    settings,
    clusters: repo.clusters,
    probes,
    tracked: trackedReleases(prev, repo.profiles),
    lastLook: run.memory.lastLook,
    now: run.now().getTime(),
    logger: run.log,
    metrics: run.deps.metrics,
  });
  run.observeRequests += seen.requests;
  return seen.observed;
}

/** Records the breaker in status/gitset.yaml, says so in the log and the metrics when it flips. */
function applyBreaker(run: CycleRun, next: BreakerStatus): void {
  const { deps, memory, log } = run;
  const was = memory.revisionStatus.breaker;
  if (next.state === 'open' && was?.state !== 'open') {
    deps.metrics.breakerTrips.inc();
    memory.breakerNote = `mass-failure breaker open, selections frozen: ${next.reason}`;
    log.warn({ breaker: 'open', reason: next.reason }, 'mass-failure breaker open: selections frozen, nothing withdrawn until probes recover');
  } else if (next.state === 'closed' && was?.state === 'open') {
    log.info({ breaker: 'closed', openSince: was.since }, 'mass-failure breaker closed: probes answer again');
    memory.breakerNote = `mass-failure breaker closed (open since ${was.since ?? 'unknown'}): probes answer again`;
  } else if (next.state === 'open') {
    log.debug({ breaker: 'open', since: next.since }, 'mass-failure breaker still open');
  }
  deps.metrics.breakerOpen.set(next.state === 'open' ? 1 : 0);
  if (next.since !== undefined) memory.revisionStatus = { ...memory.revisionStatus, breaker: next };
}

/** Metrics and the closing log line of one cycle. */
function reportCycle(run: CycleRun, request: CycleRequest, report: CycleReport, seconds: number): void {
  const { metrics } = run.deps;
  metrics.cycleDuration.observe({ outcome: report.outcome }, seconds);
  for (const trigger of request.reasons) metrics.cycles.inc({ outcome: report.outcome, trigger });
  if (report.outcome === 'success') metrics.lastSuccessfulCycle.set(Date.now() / 1000);
  // A quiet cycle is routine (one per probe interval); one that did or failed something is news.
  const level = report.committed || report.outcome !== 'success' ? 'info' : 'debug';
  run.log[level]({ durationMs: Math.round(seconds * 1000), outcome: report.outcome, trigger: request.reasons, committed: report.committed, observeRequests: run.observeRequests }, 'cycle done');
}

function commitMessage(described: CommitMessage | undefined, errors: string[] | undefined, revision: string): CommitMessage {
  if (!errors) return described ?? { subject: 'gitset: status' };
  const note = `revision ${revision.slice(0, 12)} does not validate; the last good revision stays in force:\n${errors.slice(0, 5).map((e) => `  ${e}`).join('\n')}`;
  if (!described) return { subject: `gitset: revision ${revision.slice(0, 12)} not applied (invalid)`, body: note };
  return { subject: described.subject, body: [described.body, note].filter(Boolean).join('\n\n') };
}

function withNote(message: CommitMessage, note: string | undefined): CommitMessage {
  if (!note) return message;
  return { subject: `gitset: ${note.split(':')[0]}`, body: [note, message.subject, message.body].filter(Boolean).join('\n\n') };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
