// Which revision of the manifests may be applied: one whose load found no error. After a
// restart on an invalid head, the last good revision recorded in status/gitset.yaml is read
// back from Git, so the fleet keeps the state it had rather than losing it.
import type { Logger } from 'pino';
import type { PullResult, Repo } from '../git/repo.ts';
import { loadRepository, parseManifests, type LoadedRepository, type LoadOptions, type ManifestCache } from '../load/index.ts';
import { formatDiagnostic } from '../model/diagnostics.ts';
import { prepareRevision, type Revision } from '../plan/cycle.ts';
import type { RevisionRecord } from './revision-status.ts';

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
): Promise<InForce | undefined> {
  try {
    const files = await repo.readFilesAt(applied.revision, '');
    const loaded = parseManifests(files, load);
    if (!validate(loaded).ok) return undefined;
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
  lastPull?: PullResult;
  inForce?: InForce;
  /** The inputs of the last head that did not validate, with its errors: not loaded again. */
  failedInputs?: { inputs: string; errors: string[] };
}

/** Fetches when asked (probe-only rounds reuse the last fetched revision). A failed fetch after a good one is not fatal. */
export async function pullManifests(repo: Repo, revisions: Revisions, wanted: boolean, log: Logger, failures: string[]): Promise<PullResult> {
  if (!wanted && revisions.lastPull) return revisions.lastPull;
  try {
    revisions.lastPull = await repo.pull();
    if (revisions.lastPull.changed) log.info({ revision: revisions.lastPull.revision }, 'new revision of the manifests');
  } catch (err) {
    if (!revisions.lastPull) throw err;
    const message = err instanceof Error ? err.message : String(err);
    failures.push(`pull: ${message}`);
    log.warn({ err: message, revision: revisions.lastPull.revision }, 'pull failed; continuing with the last fetched revision');
  }
  return revisions.lastPull;
}

/** Loads when the inputs changed; returns the errors of an invalid head, which leaves the last good revision in force. */
/** How a revision is loaded: the status folder left out, the chart sources allowed. */
export type RevisionLoad = Pick<LoadOptions, 'statusDir' | 'chartRepos'>;

export async function loadRevision(pulled: PullResult, revisions: Revisions, load: RevisionLoad, log: Logger): Promise<string[] | undefined> {
  if (revisions.inForce?.inputs === pulled.inputsId) return undefined;
  if (revisions.failedInputs?.inputs === pulled.inputsId) return revisions.failedInputs.errors;
  const loaded = await loadRepository(pulled.dir, { ...load, cache: revisions.cache });
  const verdict = validate(loaded);
  if (!verdict.ok) {
    revisions.failedInputs = { inputs: pulled.inputsId, errors: verdict.errors };
    log.error({ revision: pulled.revision, errors: verdict.errors.slice(0, 5) }, 'revision does not validate: not applied; the last good revision stays in force');
    return verdict.errors;
  }
  revisions.inForce = { repo: loaded, prepared: prepareRevision(loaded), revision: pulled.revision, inputs: pulled.inputsId };
  revisions.failedInputs = undefined;
  for (const d of loaded.diagnostics) log.warn({ file: d.file, line: d.line, object: d.object, code: d.code }, formatDiagnostic(d));
  return undefined;
}
