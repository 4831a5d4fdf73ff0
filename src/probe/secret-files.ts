// Files of Secrets that a helmCharts entry names (registry credentials, a CA, a GPG keyring) in
// the credentials folder, as kubeconfigs are: Secret N of namespace NS with key K is
// `DIR/NS/N/K`, or `DIR/NS.N.K` flat (one mounted Secret carrying many). Without a key, the
// Secret's only key: the file `DIR/NS/N` (or `DIR/NS.N`), or the one file in the folder `DIR/NS/N`
// (a mounted Secret; its `..data` bookkeeping aside). Names come from pull requests: none may
// lead out of the folder, and messages name files, never their content.
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { SecretFileRef } from '../model/chart-access.ts';
import { CredentialsError } from './errors.ts';

/** Absolute path (symlinks resolved) of the Secret's file. Throws CredentialsError. */
export function locateSecretFile(credentialsDir: string, ref: SecretFileRef): string {
  const names = [ref.namespace, ref.name, ...(ref.key !== undefined ? [ref.key] : [])];
  for (const n of names) {
    if (n === '' || n === '.' || n === '..' || n.includes('/') || n.includes('\\') || n.includes('\0')) {
      throw new CredentialsError('path-escape', `Secret ${ref.namespace}/${ref.name}: ${JSON.stringify(n)} must be a plain file name inside the credentials folder`);
    }
  }
  const root = realpathOrUndefined(resolve(credentialsDir), 'the credentials folder');
  const what = `Secret ${ref.namespace}/${ref.name}${ref.key !== undefined ? ` key ${ref.key}` : ''}`;
  if (root === undefined) throw new CredentialsError('secret-file-not-found', `${what}: the credentials folder does not exist`);
  const found = [join(root, ...names), join(root, names.join('.'))].map((p) => realpathOrUndefined(p, what)).find((p) => p !== undefined);
  if (found === undefined) throw new CredentialsError('secret-file-not-found', `${what}: no file ${names.join('/')} (nor ${names.join('.')}) in the credentials folder`);
  const file = statSync(found).isDirectory() && ref.key === undefined ? onlyFile(found, what) : found;
  if (!file.startsWith(root + sep)) throw new CredentialsError('path-escape', `${what} resolves to a file outside the credentials folder`);
  if (!statSync(file).isFile()) throw new CredentialsError('secret-file-not-found', `${what}: ${names.join('/')} is not a file`);
  return file;
}

/** The one key file of a folder holding a Secret without a key named. */
function onlyFile(dir: string, what: string): string {
  const keys = readdirSync(dir).filter((n) => !n.startsWith('..'));
  if (keys.length !== 1) {
    throw new CredentialsError('secret-file-not-found', `${what}: the folder has ${keys.length} files; name the one to use with key`);
  }
  return realpathOrUndefined(join(dir, keys[0]!), what) ?? join(dir, keys[0]!);
}

function realpathOrUndefined(path: string, shown: string): string | undefined {
  try {
    return realpathSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP') throw new CredentialsError('path-escape', `${shown}: a symlink loop`);
    throw new CredentialsError('secret-file-not-found', `${shown}: unreadable (${code ?? 'error'})`);
  }
}
