// Where a cluster's kubeconfig lives. Kubeconfigs are secrets, so they are kept outside the
// repository in a credentials directory the operator owns; the repository only names files in
// it. Those names come from pull requests, so none may lead out of the directory.
//
// Mapping (Sveltos keeps kubeconfigs in Secrets; a Secret becomes a file or a folder here):
//   default                                   DIR/<namespace>/<name>.kubeconfig
//   spec.kubeconfigName: N                    DIR/<namespace>/N
//   spec.kubeconfigName: N, kubeconfigKeyName: K   DIR/<namespace>/N/K   (Secret N, key K)
//   spec.kubeconfigKeyName: K alone           DIR/<namespace>/<name>/K
//
// Each has a flat twin, the same names joined by dots (DIR/<namespace>.<name>.kubeconfig,
// DIR/<namespace>.N.K), so that one Kubernetes Secret, whose keys cannot hold a `/`, mounted as
// DIR carries a whole fleet. Namespaces hold no dots, so the first dot always ends the namespace.
// The folder layout is looked at first.
import { realpathSync, statSync, type Stats } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { SveltosCluster } from '../model/objects.ts';
import { CredentialsError } from './errors.ts';

/** The kubeconfig's path relative to the credentials directory, as messages show it. */
export function kubeconfigRelativePath(cluster: SveltosCluster): string {
  return kubeconfigSegments(cluster)
    .map((s) => s.value)
    .join('/');
}

/**
 * Absolute path of the kubeconfig file of `cluster` (symlinks resolved), checked to exist and to
 * stay inside `credentialsDir`. Throws `CredentialsError` (`path-escape`, `kubeconfig-not-found`,
 * `kubeconfig-unreadable`). Cheap enough to call every cycle, which is what lets an operator
 * rotate a kubeconfig by replacing the file (or the symlink a Kubernetes Secret mount swaps).
 */
export function kubeconfigPathFor(credentialsDir: string, cluster: SveltosCluster): string {
  return locateKubeconfig(credentialsDir, cluster).path;
}

export interface KubeconfigLocation {
  /** Absolute, symlinks resolved. */
  path: string;
  /** Changes whenever the file may have (mtime, ctime, size, inode): lets a caller skip re-reading it. */
  stamp: string;
}

/** `kubeconfigPathFor`, with a stamp of the file from the same `stat` that checked it is a file. */
export function locateKubeconfig(credentialsDir: string, cluster: SveltosCluster): KubeconfigLocation {
  const segments = kubeconfigSegments(cluster);
  for (const s of segments) checkSegment(s.value, s.field);
  const names = segments.map((s) => s.value);
  const shown = names.join('/');
  const root = resolve(credentialsDir);
  const realRoot = realpathOrThrow(root, shown);
  const realPath = realpathOf(join(root, ...names), shown) ?? realpathOf(join(root, names.join('.')), names.join('.'));
  if (realPath === undefined) throw new CredentialsError('kubeconfig-not-found', `kubeconfig not found: ${shown} (nor ${names.join('.')})`);
  if (!realPath.startsWith(realRoot + sep)) {
    throw new CredentialsError('path-escape', `kubeconfig ${shown} resolves to a file outside the credentials directory`);
  }
  let stats: Stats;
  try {
    stats = statSync(realPath);
  } catch {
    throw new CredentialsError('kubeconfig-unreadable', `kubeconfig unreadable: ${shown}`);
  }
  if (!stats.isFile()) throw new CredentialsError('kubeconfig-unreadable', `kubeconfig is not a file: ${shown}`);
  return { path: realPath, stamp: `${stats.mtimeMs}:${stats.ctimeMs}:${stats.size}:${stats.ino}` };
}

/** The real path of `path`, undefined when it does not exist; other failures throw. */
function realpathOf(path: string, shown: string): string | undefined {
  try {
    return realpathOrThrow(path, shown);
  } catch (err) {
    if (err instanceof CredentialsError && err.code === 'kubeconfig-not-found') return undefined;
    throw err;
  }
}

interface Segment {
  value: string;
  /** Where the value came from, for the message when it is rejected. */
  field: string;
}

function kubeconfigSegments(cluster: SveltosCluster): Segment[] {
  const ns: Segment = { value: cluster.metadata.namespace ?? '', field: 'metadata.namespace' };
  const fileName = cluster.spec.kubeconfigName;
  const keyName = cluster.spec.kubeconfigKeyName;
  const named = typeof fileName === 'string' && fileName !== '';
  const keyed = typeof keyName === 'string' && keyName !== '';
  if (named && keyed) {
    return [ns, { value: fileName, field: 'spec.kubeconfigName' }, { value: keyName, field: 'spec.kubeconfigKeyName' }];
  }
  if (named) return [ns, { value: fileName, field: 'spec.kubeconfigName' }];
  if (keyed) {
    return [ns, { value: cluster.metadata.name, field: 'metadata.name' }, { value: keyName, field: 'spec.kubeconfigKeyName' }];
  }
  return [ns, { value: `${cluster.metadata.name}.kubeconfig`, field: 'metadata.name' }];
}

/** One plain name: no separators, no `.`/`..`, so joining it can only go one level down. */
function checkSegment(value: string, field: string): void {
  const bad =
    value === '' || value === '.' || value === '..' || value.includes('/') || value.includes('\\') || value.includes('\0');
  if (bad) {
    throw new CredentialsError(
      'path-escape',
      `${field} ${JSON.stringify(value)} must be a plain file name inside the credentials directory`,
    );
  }
}

function realpathOrThrow(path: string, shown: string): string {
  try {
    return realpathSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new CredentialsError('kubeconfig-not-found', `kubeconfig not found: ${shown}`);
    }
    if (code === 'ELOOP') throw new CredentialsError('path-escape', `kubeconfig ${shown} is a symlink loop`);
    throw new CredentialsError('kubeconfig-unreadable', `kubeconfig unreadable: ${shown} (${code ?? 'error'})`);
  }
}
