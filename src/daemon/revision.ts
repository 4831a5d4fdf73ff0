// Which revision of the manifests may be applied: one whose load found no error. After a
// restart on an invalid head, the last good revision recorded in status/gitset.yaml is read
// back from Git, so the fleet keeps the state it had rather than losing it.
import type { Logger } from 'pino';
import type { PullResult, Repo } from '../git/repo.ts';
import { loadRepository, parseManifests, type LoadedRepository, type LoadOptions, type ManifestCache } from '../load/index.ts';
import { formatDiagnostic } from '../model/diagnostics.ts';
import type { ClusterPromotion } from '../model/objects.ts';
import { approvalKey } from './approvals.ts';
import { prepareRevision, type Revision } from '../plan/cycle.ts';
import type { DaemonMetrics } from './metrics.ts';
import { nextRevisionStatus, type RevisionRecord, type RevisionStatus } from './revision-status.ts';

export type Validation = { ok: true } | { ok: false; errors: string[] };

export function validate(loaded: LoadedRepository): Validation {
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  return errors.length === 0 ? { ok: true } : { ok: false, errors };
}

export async function lastGoodRepository(
  repo: Repo,
  applied: RevisionRecord,
  load: RevisionLoad,
  logger: Logger,
  approvals?: ApprovalLookup,
): Promise<InForce | undefined> {
  try {
    const files = await repo.readFilesAt(applied.revision, '');
    const read = parseManifests(files, load);
    if (!validate(read).ok) return undefined;
    const loaded = await withApprovals(read, applied.revision, approvals);
    logger.info({ revision: applied.revision }, 'head does not validate: applying the last good revision recorded in status');
    return { repo: loaded, prepared: prepareRevision(loaded), revision: applied.revision, inputs: applied.inputs };
  } catch (err) {
    logger.error({ revision: applied.revision, err: err instanceof Error ? err.message : String(err) }, 'cannot read the last good revision; nothing is applied until the head validates');
    return undefined;
  }
}

/** The revision of the manifests currently in force. */
export interface InForce {
  repo: LoadedRepository;
  /** The repository prepared for planning when it was loaded: its caches live as long as it is in force. */
  prepared: Revision;
  revision: string;
  inputs: string;
}

/** What a cycle keeps between runs about the manifests; all of it is found again after a restart. */
export interface Revisions {
  cache: ManifestCache;
  inForce?: InForce;
  /** The inputs of the last head that did not validate, with its errors: not loaded again. */
  failedInputs?: { inputs: string; errors: string[] };
}

/** Loads when the inputs changed; returns the errors of an invalid head, which leaves the last good revision in force. */
/** How a revision is loaded: the status folder left out, the chart sources allowed. */
export type RevisionLoad = Pick<LoadOptions, 'statusDir' | 'chartRepos'>;

/** Finds, in Git's history, the content each approval of the promotions was given for (src/daemon/approvals.ts). */
export type ApprovalLookup = (tip: string, promotions: readonly ClusterPromotion[]) => Promise<ReadonlyMap<string, string>>;

export async function loadRevision(pulled: PullResult, revisions: Revisions, load: RevisionLoad, log: Logger, approvals?: ApprovalLookup): Promise<string[] | undefined> {
  if (revisions.inForce?.inputs === pulled.inputsId) return undefined;
  if (revisions.failedInputs?.inputs === pulled.inputsId) return revisions.failedInputs.errors;
  // A fresh clone's checkout is read from memory: its files are on their way to disk meanwhile.
  const read = await loadRepository(pulled.dir, { ...load, cache: revisions.cache, ...(pulled.checkout ? { inMemory: pulled.checkout.files } : {}) });
  const verdict = validate(read);
  if (!verdict.ok) {
    revisions.failedInputs = { inputs: pulled.inputsId, errors: verdict.errors };
    log.error({ revision: pulled.revision, errors: verdict.errors.slice(0, 5) }, 'revision does not validate: not applied; the last good revision stays in force');
    return verdict.errors;
  }
  // Git's history is walked only for a revision that will be in force.
  const loaded = await withApprovals(read, pulled.revision, approvals);
  revisions.inForce = { repo: loaded, prepared: prepareRevision(loaded), revision: pulled.revision, inputs: pulled.inputsId };
  revisions.failedInputs = undefined;
  for (const d of loaded.diagnostics) log.warn({ file: d.file, line: d.line, object: d.object, code: d.code }, formatDiagnostic(d));
  return undefined;
}

/** The promotions with the content each approval was committed with, when any stage is approved. */
async function withApprovals(loaded: LoadedRepository, revision: string, approvals: ApprovalLookup | undefined): Promise<LoadedRepository> {
  const promotions = loaded.promotions ?? [];
  if (!approvals || !promotions.some((p) => p.spec.stages.some((s) => s.trigger?.manual?.approved === true))) return loaded;
  const found = await approvals(revision, promotions);
  const stamped = promotions.map((p) => {
    const approvedContent = Object.fromEntries(p.spec.stages.flatMap((s) => {
      const hash = found.get(approvalKey(p, s.name));
      return hash ? [[s.name, hash]] : [];
    }));
    return Object.keys(approvedContent).length > 0 ? { ...p, approvedContent } : p;
  });
  return { ...loaded, promotions: stamped };
}

/** What loading reads and updates of a cycle's memory. */
export interface LoadState {
  revisions: Revisions;
  revisionStatus: RevisionStatus;
}

export interface LoadRun {
  deps: { repo: Repo; statusDir: string; chartRepos?: LoadOptions['chartRepos']; introducedAt?: (tip: string) => Promise<string>; approvals?: ApprovalLookup; metrics: DaemonMetrics };
  memory: LoadState;
  log: Logger;
}

/** Whether loading the pulled inputs reads Git or the work tree (else it only re-records what is known). */
export function needsGit(memory: LoadState, pulled: PullResult): boolean {
  const { inForce, failedInputs } = memory.revisions;
  const known = inForce?.inputs === pulled.inputsId || failedInputs?.inputs === pulled.inputsId;
  const recorded = memory.revisionStatus.applied?.inputs === pulled.inputsId || memory.revisionStatus.failed?.inputs === pulled.inputsId;
  return !known || !recorded || (failedInputs?.inputs === pulled.inputsId && !inForce);
}

/** Loads the pulled revision and records in status/gitset.yaml whether it applies; returns its errors when it does not. */
export async function loadManifests(run: LoadRun, pulled: PullResult): Promise<string[] | undefined> {
  const { deps, memory, log } = run;
  const load: RevisionLoad = { statusDir: deps.statusDir, ...(deps.chartRepos ? { chartRepos: deps.chartRepos } : {}) };
  const errors = await loadRevision(pulled, memory.revisions, load, log, deps.approvals);
  if (errors && !memory.revisions.inForce && memory.revisionStatus.applied) {
    memory.revisions.inForce = await lastGoodRepository(deps.repo, memory.revisionStatus.applied, load, log, deps.approvals);
  }
  const recorded = errors ? memory.revisionStatus.failed : memory.revisionStatus.applied;
  const revision = recorded?.inputs !== pulled.inputsId && deps.introducedAt ? await deps.introducedAt(pulled.revision) : pulled.revision;
  memory.revisionStatus = nextRevisionStatus(memory.revisionStatus, { revision, inputs: pulled.inputsId }, errors);
  deps.metrics.invalidRevision.set(errors ? 1 : 0);
  return errors;
}

