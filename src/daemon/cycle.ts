// One reconcile cycle: pull → load and validate → probe → select and plan (pure) → helm → record
// → render status → commit and push. Level-triggered: every step can be cut short by a kill, and
// the next cycle (or the next start) recomputes from the repository and the committed status.
// An invalid revision is never applied: the last good one stays in force and the error is
// recorded in status/gitset.yaml.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { CommitMessage, PullResult, Repo } from '../git/repo.ts';
import { loadRepository, ManifestCache, type LoadedRepository } from '../load/index.ts';
import { formatDiagnostic } from '../model/diagnostics.ts';
import type { HelmRunner, Prober, StatusCodec } from '../model/ports.ts';
import { computeCycle, recordResults } from '../plan/cycle.ts';
import type { PreviousStatus, StatusSnapshot } from '../status/snapshot.ts';
import { DEFAULT_BREAKER, type BreakerOptions, type BreakerStatus } from '../select/breaker.ts';
import type { CycleReport, RunCycle } from './daemon.ts';
import type { CycleRequest } from './triggers.ts';
import { runActions } from './execute.ts';
import type { DaemonMetrics } from './metrics.ts';
import { observeChanges } from './observe.ts';
import { lastGoodRepository, validate } from './revision.ts';
import { nextRevisionStatus, readRevisionStatus, renderRevisionStatus, REVISION_STATUS_FILE, type RevisionStatus } from './revision-status.ts';

export interface CycleDeps {
  repo: Repo;
  prober: Prober;
  helm: HelmRunner;
  codec: StatusCodec;
  credentialsDir: string;
  /** Status folder relative to the manifests folder, as the loader excludes it. */
  statusDir: string;
  helmParallelism: number;
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

/** The revision of the manifests currently in force. */
interface InForce {
  repo: LoadedRepository;
  revision: string;
  inputs: string;
}

export function createCycle(deps: CycleDeps): RunCycle {
  const now = deps.now ?? (() => new Date());
  const cache = new ManifestCache();
  let lastPull: PullResult | undefined;
  let inForce: InForce | undefined;
  let failedInputs: { inputs: string; errors: string[] } | undefined;
  let previous: PreviousStatus | undefined;
  let committed: Map<string, string> | undefined;
  let revisionStatus: RevisionStatus = {};
  let lastRender: { key: string; files: ReadonlyMap<string, string> } | undefined;
  let count = 0;
  /** Said in the next status commit: the breaker opened or closed in this cycle. */
  let breakerNote: string | undefined;

  /**
   * Status files of a snapshot. Rendering YAML costs far more than comparing JSON (1.6 s against
   * 25 ms for 10,000 clusters), and most probe rounds change nothing: equal JSON renders equal files.
   */
  function render(next: StatusSnapshot): Map<string, string> {
    const key = JSON.stringify([[...next.clusters], [...next.sets], [...next.profiles]]);
    if (lastRender?.key !== key) lastRender = { key, files: deps.codec.render(next) };
    return new Map(lastRender.files);
  }

  /** Fetches when asked (probe-only rounds reuse the last fetched revision). A failed fetch after a good one is not fatal. */
  async function pull(wanted: boolean, log: Logger, failures: string[]): Promise<PullResult> {
    if (!wanted && lastPull) return lastPull;
    try {
      lastPull = await deps.repo.pull();
      if (lastPull.changed) log.info({ revision: lastPull.revision }, 'new revision of the manifests');
    } catch (err) {
      if (!lastPull) throw err;
      failures.push(`pull: ${messageOf(err)}`);
      log.warn({ err: messageOf(err), revision: lastPull.revision }, 'pull failed; continuing with the last fetched revision');
    }
    return lastPull;
  }

  /** Once per process: the committed status is the previous state; afterwards the last rendered one is. */
  async function readCommitted(): Promise<{ previous: PreviousStatus; committed: Map<string, string> }> {
    if (!committed || !previous) {
      const files = await deps.repo.readStatusFiles();
      committed = new Map(files.map((f) => [f.path, f.text]));
      previous = deps.codec.read(files.filter((f) => f.path !== REVISION_STATUS_FILE));
      revisionStatus = readRevisionStatus(committed.get(REVISION_STATUS_FILE));
    }
    return { previous, committed };
  }

  /** Loads when the inputs changed; returns the errors of an invalid head (and keeps the last good one in force). */
  async function load(pulled: PullResult, log: Logger): Promise<string[] | undefined> {
    let errors: string[] | undefined;
    if (inForce?.inputs === pulled.inputsId) errors = undefined;
    else if (failedInputs?.inputs === pulled.inputsId) errors = failedInputs.errors;
    else {
      const loaded = await loadRepository(pulled.dir, { statusDir: deps.statusDir, cache });
      const verdict = validate(loaded);
      if (verdict.ok) {
        inForce = { repo: loaded, revision: pulled.revision, inputs: pulled.inputsId };
        failedInputs = undefined;
        for (const d of loaded.diagnostics) log.warn({ file: d.file, line: d.line, object: d.object, code: d.code }, formatDiagnostic(d));
      } else {
        errors = verdict.errors;
        failedInputs = { inputs: pulled.inputsId, errors };
        log.error({ revision: pulled.revision, errors: errors.slice(0, 5) }, 'revision does not validate: not applied; the last good revision stays in force');
      }
    }
    if (errors && !inForce && revisionStatus.applied) {
      inForce = await lastGoodRepository(deps.repo, revisionStatus.applied, deps.statusDir, log);
    }
    const recorded = errors ? revisionStatus.failed : revisionStatus.applied;
    const revision = recorded?.inputs !== pulled.inputsId && deps.introducedAt ? await deps.introducedAt(pulled.revision) : pulled.revision;
    revisionStatus = nextRevisionStatus(revisionStatus, { revision, inputs: pulled.inputsId }, errors);
    deps.metrics.invalidRevision.set(errors ? 1 : 0);
    return errors;
  }

  /** Probe → select and plan → helm → record: the next status of every object. */
  async function reconcile(repo: LoadedRepository, prev: PreviousStatus, helmSignal: AbortSignal, log: Logger, failures: string[]): Promise<StatusSnapshot> {
    const probes = await deps.prober.probeAll(repo.clusters.filter((c) => c.spec.paused !== true));
    for (const p of probes.values()) deps.metrics.probes.inc({ result: p.ok ? 'ok' : 'failed' });
    const planned = computeCycle({ repo, previous: prev, probes, now: now(), defaultFailureThreshold: deps.failureThreshold, breaker: { options: deps.breaker ?? DEFAULT_BREAKER, previous: revisionStatus.breaker } });
    if (planned.breaker) applyBreaker(planned.breaker, log);
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
    return recordResults(planned, outcomes, now());
  }

  /** Records the breaker in status/gitset.yaml, says so in the log and the metrics when it flips. */
  function applyBreaker(next: BreakerStatus, log: Logger): void {
    const was = revisionStatus.breaker?.state ?? 'closed';
    if (next.state === 'open' && was !== 'open') {
      deps.metrics.breakerTrips.inc();
      breakerNote = `mass-failure breaker open, selections frozen: ${next.reason}`;
      log.warn({ breaker: 'open', reason: next.reason }, 'mass-failure breaker open: selections frozen, nothing withdrawn until probes recover');
    } else if (next.state === 'closed' && was === 'open') {
      log.info({ breaker: 'closed', openSince: revisionStatus.breaker?.since }, 'mass-failure breaker closed: probes answer again');
      breakerNote = `mass-failure breaker closed (open since ${revisionStatus.breaker?.since ?? 'unknown'}): probes answer again`;
    } else if (next.state === 'open') {
      log.debug({ breaker: 'open', since: next.since }, 'mass-failure breaker still open');
    }
    deps.metrics.breakerOpen.set(next.state === 'open' ? 1 : 0);
    if (next.since !== undefined) revisionStatus = { ...revisionStatus, breaker: next };
  }

  /** Commits and pushes when a status file differs from what was committed; a failure is retried next cycle. */
  async function commit(files: Map<string, string>, describe: () => CommitMessage, log: Logger, failures: string[]): Promise<boolean> {
    if (committed && sameFiles(files, committed)) return false;
    const message = describe();
    try {
      const result = await deps.repo.commitStatus(files, message);
      committed = files;
      if (result.committed) deps.metrics.statusCommits.inc();
      if (result.retries > 0) deps.metrics.pushRetries.inc(result.retries);
      log.info({ revision: result.revision, pushed: result.pushed, retries: result.retries, subject: message.subject }, result.committed ? 'status committed' : 'status unchanged');
      return result.committed;
    } catch (err) {
      failures.push(`commit status: ${messageOf(err)}`);
      log.error({ err: messageOf(err) }, 'status commit failed; retried next cycle');
      return false;
    }
  }

  async function cycle(request: CycleRequest, helmSignal: AbortSignal, log: Logger, failures: string[]): Promise<CycleReport> {
    const pulled = await pull(request.pull, log, failures);
    const before = await readCommitted();
    const errors = await load(pulled, log);
    const next = inForce ? await reconcile(inForce.repo, before.previous, helmSignal, log, failures) : undefined;
    // Without any good revision, everything but gitset.yaml stays as committed.
    const files = next ? render(next) : new Map([...before.committed].filter(([p]) => p !== REVISION_STATUS_FILE));
    files.set(REVISION_STATUS_FILE, renderRevisionStatus(revisionStatus));
    const note = breakerNote;
    breakerNote = undefined;
    const describe = (): CommitMessage => withNote(commitMessage(next ? deps.codec.describe(before.previous, next) : undefined, errors, pulled.revision), note);
    const didCommit = await commit(files, describe, log, failures);
    if (next) previous = next;
    const outcome = errors ? 'invalid-revision' : failures.length > 0 ? 'failure' : 'success';
    return { outcome, revision: pulled.revision, failures: [...(errors ?? []), ...failures], committed: didCommit };
  }

  return async (request, helmSignal) => {
    const started = performance.now();
    const log = deps.logger.child({ cycle: ++count });
    const failures: string[] = [];
    let report: CycleReport;
    try {
      report = await cycle(request, helmSignal, log, failures);
    } catch (err) {
      log.error({ err: messageOf(err) }, 'cycle failed');
      report = { outcome: 'failure', failures: [...failures, messageOf(err)], committed: false };
    }
    const seconds = (performance.now() - started) / 1000;
    deps.metrics.cycleDuration.observe({ outcome: report.outcome }, seconds);
    for (const trigger of request.reasons) deps.metrics.cycles.inc({ outcome: report.outcome, trigger });
    if (report.outcome === 'success') deps.metrics.lastSuccessfulCycle.set(Date.now() / 1000);
    // A quiet cycle is routine (one per probe interval); one that did or failed something is news.
    const level = report.committed || report.outcome !== 'success' ? 'info' : 'debug';
    log[level]({ durationMs: Math.round(seconds * 1000), outcome: report.outcome, trigger: request.reasons, committed: report.committed }, 'cycle done');
    return report;
  };
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

function sameFiles(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
