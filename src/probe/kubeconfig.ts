// Reading a kubeconfig into what a probe needs: the API server URL, the TLS settings, an optional
// proxy and one credential: a token, a tokenFile, a client certificate, username/password, or an
// exec credential plugin (run by exec-plugin.ts). auth-provider, gone from kubectl since 1.26, is
// refused. Messages name kubeconfig fields (`users[0].user.exec.apiVersion`), never their values.
import { readFile } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { KubeconfigError } from './errors.ts';
import { DEFAULT_EXEC_TIMEOUT_MS, execCredentialSource, type CredentialSource, type ExecRuntime } from './exec-plugin.ts';
import { execClusterInfo, parseExecConfig } from './kubeconfig-exec.ts';
import { selectKubeconfigContext, stringField, type KubeconfigEntry, type YamlMap } from './kubeconfig-select.ts';
import { pluginEnvironment } from './plugin-env.ts';
import { parseProxyUrl } from './proxy.ts';

export type ClusterAuth =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | { kind: 'basic'; username: string; password: string }
  /** A credential plugin's token (or client certificate), asked for when a request needs it. */
  | { kind: 'exec'; source: CredentialSource };

export interface ClusterEndpoint {
  /** Base URL of the API server (may carry a path prefix, e.g. behind Rancher), no userinfo. */
  server: URL;
  /** PEM of the CA bundle to trust; absent: the system's roots. */
  ca?: string;
  insecureSkipTLSVerify: boolean;
  /** SNI and name to verify, when it differs from the server URL's host. */
  tlsServerName?: string;
  clientCert?: string;
  clientKey?: string;
  /** `proxy-url`: an http:// or https:// proxy reached with CONNECT (userinfo kept for Proxy-Authorization). */
  proxy?: URL;
  auth: ClusterAuth;
  /**
   * CA and client certificate, parsed once per kubeconfig change and shared by every connection
   * to the cluster (building it costs about a millisecond: too much to repay per connection).
   */
  secureContext?: SecureContext;
  /** Absolute paths of files read besides the kubeconfig (CA, client cert/key, tokenFile). */
  files: string[];
}

/** What running exec plugins needs; by default the process's environment (filtered) and clock. */
export function defaultExecRuntime(): ExecRuntime {
  return { env: pluginEnvironment(process.env), timeoutMs: DEFAULT_EXEC_TIMEOUT_MS, now: () => Date.now() };
}

/**
 * Reads a kubeconfig's text into a `ClusterEndpoint`, loading the files it refers to (relative
 * paths are relative to `baseDir`, the kubeconfig's folder, as kubectl does). Throws `KubeconfigError`.
 */
export async function loadClusterEndpoint(text: string, baseDir: string, exec: ExecRuntime = defaultExecRuntime()): Promise<ClusterEndpoint> {
  const { cluster: clusterEntry, user: userEntry } = selectKubeconfigContext(text);
  const cluster = clusterEntry.entry;
  const user = userEntry.entry;
  rejectUnsupported(userEntry);
  const files: string[] = [];
  const fileField = (entry: KubeconfigEntry, field: string) => readReferencedFile(entry, field, baseDir, files);

  const server = serverURL(clusterEntry);
  const insecureSkipTLSVerify = cluster['insecure-skip-tls-verify'] === true;
  const ca = pemData(clusterEntry, 'certificate-authority-data') ?? (await fileField(clusterEntry, 'certificate-authority'));
  const clientCert = pemData(userEntry, 'client-certificate-data') ?? (await fileField(userEntry, 'client-certificate'));
  const clientKey = pemData(userEntry, 'client-key-data') ?? (await fileField(userEntry, 'client-key'));
  if ((clientCert === undefined) !== (clientKey === undefined)) {
    throw new KubeconfigError('tls-material-invalid', `${userEntry.field}: has a client certificate without its key, or a key without its certificate`);
  }

  let auth: ClusterAuth = { kind: 'none' };
  const token = stringField(user, 'token');
  const username = stringField(user, 'username');
  if (user['exec'] !== undefined && user['exec'] !== null) {
    const config = parseExecConfig(user['exec'], `${userEntry.field}.exec`, baseDir);
    auth = { kind: 'exec', source: execCredentialSource(config, config.provideClusterInfo ? execClusterInfo(cluster, server, ca) : undefined, exec) };
  } else if (token) {
    auth = { kind: 'bearer', token };
  } else if (stringField(user, 'tokenFile')) {
    const fromFile = ((await fileField(userEntry, 'tokenFile')) ?? '').trim();
    if (fromFile !== '') auth = { kind: 'bearer', token: fromFile };
  } else if (username) {
    auth = { kind: 'basic', username, password: stringField(user, 'password') ?? '' };
  }

  const endpoint: ClusterEndpoint = { server, insecureSkipTLSVerify, auth, files };
  if (!insecureSkipTLSVerify && ca !== undefined) endpoint.ca = ca;
  const tlsServerName = stringField(cluster, 'tls-server-name');
  if (tlsServerName) endpoint.tlsServerName = tlsServerName;
  const proxy = stringField(cluster, 'proxy-url');
  if (proxy) endpoint.proxy = parseProxyUrl(proxy, `${clusterEntry.field}.proxy-url`);
  if (clientCert !== undefined && clientKey !== undefined) {
    endpoint.clientCert = clientCert;
    endpoint.clientKey = clientKey;
  }
  if (server.protocol === 'https:') endpoint.secureContext = secureContextOf(endpoint, clusterEntry.field, userEntry.field);
  return endpoint;
}

/** A file a kubeconfig field names, read and remembered in `files` so a change is noticed. */
async function readReferencedFile(entry: KubeconfigEntry, field: string, baseDir: string, files: string[]): Promise<string | undefined> {
  const name = stringField(entry.entry, field);
  if (name === undefined || name === '') return undefined;
  const path = isAbsolute(name) ? name : join(baseDir, name);
  files.push(path);
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : 'unreadable';
    // Messages are committed to Git: an absolute path would show the host's layout, so only its file name.
    const shown = isAbsolute(name) ? `${basename(name)} (absolute path)` : name;
    throw new KubeconfigError('referenced-file-unreadable', `${entry.field}.${field}: file ${why}: ${shown}`);
  }
}

function rejectUnsupported(user: KubeconfigEntry): void {
  if (user.entry['auth-provider'] !== undefined && user.entry['auth-provider'] !== null) {
    throw new KubeconfigError(
      'unsupported-auth',
      `${user.field}.auth-provider: not supported (kubectl dropped auth providers in 1.26; use the provider's exec plugin, such as gke-gcloud-auth-plugin or kubelogin)`,
    );
  }
}

function serverURL(cluster: KubeconfigEntry): URL {
  const raw = stringField(cluster.entry, 'server');
  if (raw === undefined || raw === '') throw new KubeconfigError('server-missing', `${cluster.field}.server: is missing`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new KubeconfigError('server-invalid', `${cluster.field}.server: is not a valid URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new KubeconfigError('server-invalid', `${cluster.field}.server: must be an https:// URL (got ${url.protocol})`);
  }
  // Credentials in the URL would travel into messages with it; the kubeconfig's user carries them.
  url.username = '';
  url.password = '';
  return url;
}

/** A `*-data` field: base64 of PEM text. */
function pemData(entry: KubeconfigEntry, field: string): string | undefined {
  const raw = stringField(entry.entry, field);
  if (raw === undefined || raw === '') return undefined;
  const text = Buffer.from(raw, 'base64').toString('utf8');
  if (!text.includes('-----BEGIN')) {
    throw new KubeconfigError('tls-material-invalid', `${entry.field}.${field}: is not base64-encoded PEM`);
  }
  return text;
}

/** Fails now, with the field named, rather than at every connection with an OpenSSL code. */
function secureContextOf(endpoint: ClusterEndpoint, clusterField: string, userField: string): SecureContext {
  try {
    return createSecureContext({
      ...(endpoint.ca !== undefined ? { ca: endpoint.ca } : {}),
      ...(endpoint.clientCert !== undefined ? { cert: endpoint.clientCert, key: endpoint.clientKey } : {}),
    });
  } catch {
    // Only on failure: find out which half to name.
    const caIsValid = endpoint.ca === undefined || succeeds(() => createSecureContext({ ca: endpoint.ca }));
    if (!caIsValid) throw new KubeconfigError('tls-material-invalid', `${clusterField}.certificate-authority: is not a valid PEM certificate`);
    throw new KubeconfigError('tls-material-invalid', `${userField}: the client certificate or key is invalid, or they do not match`);
  }
}

function succeeds(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}
