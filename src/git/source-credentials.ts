// Credentials of a Flux GitRepository's `secretRef`. In Flux they are a Secret beside the
// GitRepository; here, as for kubeconfigs, a Secret becomes a folder of the credentials
// directory the operator owns, never something in Git: DIR/<namespace>/<secret>/<key>, or the
// flat twin DIR/<namespace>.<secret>.<key> (one mounted Kubernetes Secret for everything).
// Keys, as Flux reads them: `username` + `password`, or `bearerToken`.
import { readFile, realpath } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';

export type SourceAuth = { username: string; password: string } | { bearerToken: string };

export class SourceCredentialsError extends Error {
  override readonly name = 'SourceCredentialsError';
  readonly code = 'source-credentials';
}

const SEGMENT = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Reads the Secret `namespace/name` from the credentials folder; throws SourceCredentialsError naming what is missing. */
export async function readSourceAuth(credentialsDir: string, namespace: string, name: string): Promise<SourceAuth> {
  if (!SEGMENT.test(namespace) || !SEGMENT.test(name)) throw new SourceCredentialsError(`secretRef ${namespace}/${name}: not a valid Secret name`);
  const root = await realpath(resolve(credentialsDir)).catch(() => undefined);
  if (!root) throw new SourceCredentialsError(`secretRef ${namespace}/${name}: the credentials folder does not exist`);
  const read = async (key: string): Promise<string | undefined> => {
    for (const candidate of [join(root, namespace, name, key), join(root, `${namespace}.${name}.${key}`)]) {
      const real = await realpath(candidate).catch(() => undefined);
      if (!real) continue;
      if (!real.startsWith(root + sep)) throw new SourceCredentialsError(`secretRef ${namespace}/${name}: ${key} resolves outside the credentials folder`);
      const text = (await readFile(real, 'utf8').catch(() => '')).trim();
      if (text !== '') return text;
    }
    return undefined;
  };
  const bearerToken = await read('bearerToken');
  if (bearerToken) return { bearerToken };
  const [username, password] = [await read('username'), await read('password')];
  if (username !== undefined && password !== undefined) return { username, password };
  throw new SourceCredentialsError(
    `secretRef ${namespace}/${name}: no credentials in the credentials folder (files ${namespace}/${name}/username and ${namespace}/${name}/password, or ${namespace}/${name}/bearerToken)`,
  );
}

/** The HTTP headers that carry `auth` (sent up front: one request per ref listing). */
export function authHeaders(auth: SourceAuth | undefined): Record<string, string> {
  if (!auth) return {};
  if ('bearerToken' in auth) return { Authorization: `Bearer ${auth.bearerToken}` };
  return { Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
}
