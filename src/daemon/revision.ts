// Which revision of the manifests may be applied: one whose load found no error. After a
// restart on an invalid head, the last good revision recorded in status/gitset.yaml is read
// back from Git, so the fleet keeps the state it had rather than losing it.
import type { Logger } from 'pino';
import type { Repo } from '../git/repo.ts';
import { parseManifests, type LoadedRepository } from '../load/index.ts';
import { formatDiagnostic } from '../model/diagnostics.ts';
import type { RevisionRecord } from './revision-status.ts';

export type Validation = { ok: true } | { ok: false; errors: string[] };

export function validate(loaded: LoadedRepository): Validation {
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  return errors.length === 0 ? { ok: true } : { ok: false, errors };
}

export async function lastGoodRepository(
  repo: Repo,
  applied: RevisionRecord,
  statusDir: string,
  logger: Logger,
): Promise<{ repo: LoadedRepository; revision: string; inputs: string } | undefined> {
  try {
    const files = await repo.readFilesAt(applied.revision, '');
    const loaded = parseManifests(files, { statusDir });
    if (!validate(loaded).ok) return undefined;
    logger.info({ revision: applied.revision }, 'head does not validate: applying the last good revision recorded in status');
    return { repo: loaded, revision: applied.revision, inputs: applied.inputs };
  } catch (err) {
    logger.error({ revision: applied.revision, err: err instanceof Error ? err.message : String(err) }, 'cannot read the last good revision; nothing is applied until the head validates');
    return undefined;
  }
}
