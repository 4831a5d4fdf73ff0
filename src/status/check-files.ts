// What `gitset validate` says about the status folder: files it cannot read, files reporting on an
// object the repository does not have, and files not where gitset writes that object. Reports
// only (warnings): a status file never decides anything on its own (SPEC: the clusters are the
// truth), so a forged or stale one is worth a look, never a failed check. Pure.
import type { Diagnostic } from '../model/diagnostics.ts';
import { objectId } from '../model/objects.ts';
import { statusFileObjects, type StatusFile } from './read.ts';
import { statusPath } from './render.ts';

/**
 * Warnings for `files` (paths relative to the status folder); `known` holds the objectId of every
 * object in the repository; `folder` prefixes the paths shown (the status folder, `status`).
 */
export function statusFileDiagnostics(files: readonly StatusFile[], known: ReadonlySet<string>, folder: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (path: string): Pick<Diagnostic, 'file' | 'line' | 'col' | 'severity'> => ({ file: folder ? `${folder}/${path}` : path, line: 1, col: 1, severity: 'warning' });
  for (const f of statusFileObjects(files)) {
    if (f.problem !== undefined) {
      out.push({ ...at(f.path), code: 'status-unreadable', message: `status file not read: ${f.problem}; gitset ignores it` });
      continue;
    }
    if (!f.object) continue;
    const id = objectId(f.object);
    const expected = statusPath(f.object.kind, f.object.metadata);
    // Another shard's records of a profile sit beside it in shards/<K>/ (status/shards.ts).
    const shardPart = /^shards\/\d+\//.test(f.path) && f.path.replace(/^shards\/\d+\//, '') === expected && /Profile$/.test(f.object.kind);
    if (f.path !== expected && !shardPart) {
      out.push({ ...at(f.path), code: 'status-misplaced', object: id, message: `status file for ${id} is not where gitset writes it (${expected}): hand-made or stale` });
    }
    if (!known.has(id)) out.push({ ...at(f.path), code: 'status-unknown-object', object: id, message: unknownMessage(id, f.object.status) });
  }
  return out;
}

function unknownMessage(id: string, status: object): string {
  const releases = (status as { clusters?: Array<{ releases: unknown[] }> }).clusters?.reduce((n, c) => n + c.releases.length, 0) ?? 0;
  const base = `status file for ${id}, which is not in the repository`;
  if (releases === 0) return `${base}: stale or forged; ignored`;
  const n = `${releases} release${releases === 1 ? '' : 's'}`;
  return `${base}, lists ${n}: withdrawn only if ${id} was deleted and the cluster shows them as gitset's; else the file is stale or forged`;
}
