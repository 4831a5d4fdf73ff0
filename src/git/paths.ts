// Repository paths checked before use: nothing gitset reads or writes may escape the repository,
// the status folder, or land in `.git`.
import { GitError } from './errors.ts';

/** Where the manifests (`--path`) and the status folder are, as path segments from the repository root. */
export interface RepoLayout {
  rootSegs: readonly string[];
  /** Relative to `rootSegs`. */
  statusSegs: readonly string[];
}

/** The status folder's segments from the repository root. */
export function statusFolderSegs(layout: RepoLayout): string[] {
  return [...layout.rootSegs, ...layout.statusSegs];
}

/** Segments from the repository root of `dir`, given relative to the manifests folder; the status folder when absent. */
export function layoutSegs(layout: RepoLayout, dir?: string): string[] {
  return dir === undefined ? statusFolderSegs(layout) : [...layout.rootSegs, ...folderSegments(dir)];
}

/** Splits and checks a repository-relative folder path (`''` is the root). */
export function folderSegments(path: string | undefined): string[] {
  const segs = (path ?? '').split('/').filter((s) => s !== '' && s !== '.');
  if (segs.some((s) => s === '..')) throw new GitError('invalid-status-path', `path "${path}" must stay inside the repository`);
  return segs;
}

/** Checks a status file path relative to the status folder: no escape, no empty segment. */
export function statusFileSegments(path: string): string[] {
  const segs = path.split('/');
  if (path.startsWith('/') || path.includes('\\') || segs.some((s) => s === '' || s === '.' || s === '..' || s === '.git')) {
    throw new GitError('invalid-status-path', `status file path "${path}" must be a relative path inside the status folder`);
  }
  return segs;
}
