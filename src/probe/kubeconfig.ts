// Reading a kubeconfig into what a probe needs: the API server URL, the TLS settings and one
// credential. Only static credentials are supported (token, tokenFile, client certificate,
// username/password); exec plugins and auth-provider run code or talk to identity providers,
// which a reconciler that commits its findings to Git should not do, so they are rejected
// with a message that says so. Messages name kubeconfig fields, never their values.
import { readFile } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { parseDocument } from 'yaml';
import { KubeconfigError } from './errors.ts';

export type ClusterAuth =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | { kind: 'basic'; username: string; password: string };

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
  auth: ClusterAuth;
  /**
   * CA and client certificate, parsed once per kubeconfig change and shared by every connection
   * to the cluster (building it costs about a millisecond: too much to repay per connection).
   */
  secureContext?: SecureContext;
  /** Absolute paths of files read besides the kubeconfig (CA, client cert/key, tokenFile). */
  files: string[];
}

type YamlMap = Record<string, unknown>;

/** The cluster and user entries the kubeconfig's current context points at. Pure. */
interface KubeconfigSelection {
  cluster: YamlMap;
  user: YamlMap;
}

/** Parses kubeconfig text and picks the current context's cluster and user. Throws `KubeconfigError`. */
function selectKubeconfigContext(text: string): KubeconfigSelection {
  const doc = parseDocument(text, { prettyErrors: false });
  const firstError = doc.errors[0];
  if (firstError) {
    // The YAML library quotes the offending source, which may be a key: only the line number.
    const line = firstError.linePos?.[0]?.line;
    throw new KubeconfigError('kubeconfig-syntax', `kubeconfig is not valid YAML${line ? ` (line ${line})` : ''}`);
  }
  const root: unknown = doc.toJS();
  if (!isMap(root)) throw new KubeconfigError('kubeconfig-syntax', 'kubeconfig is not a YAML mapping');

  const clusters = namedEntries(root, 'clusters', 'cluster');
  const users = namedEntries(root, 'users', 'user');
  const contexts = namedEntries(root, 'contexts', 'context');
  const current = typeof root['current-context'] === 'string' ? root['current-context'] : '';

  let context: YamlMap | undefined;
  if (current !== '') {
    context = contexts.get(current);
    if (!context) throw new KubeconfigError('context-not-found', `kubeconfig current-context "${current}" is not among its contexts`);
  } else if (contexts.size === 1) {
    context = [...contexts.values()][0];
  } else if (contexts.size > 1) {
    throw new KubeconfigError('context-not-found', 'kubeconfig has several contexts and no current-context');
  }

  if (!context) {
    // No contexts at all: accept the unambiguous single cluster (and single user, if any).
    if (clusters.size !== 1 || users.size > 1) {
      throw new KubeconfigError('context-not-found', 'kubeconfig has no context');
    }
    return { cluster: [...clusters.values()][0]!, user: [...users.values()][0] ?? {} };
  }
  const clusterName = stringField(context, 'cluster') ?? '';
  const cluster = clusters.get(clusterName);
  if (!cluster) throw new KubeconfigError('cluster-not-found', `kubeconfig context refers to cluster "${clusterName}", which it does not define`);
  const userName = stringField(context, 'user');
  if (userName === undefined || userName === '') return { cluster, user: {} };
  const user = users.get(userName);
  if (!user) throw new KubeconfigError('user-not-found', `kubeconfig context refers to user "${userName}", which it does not define`);
  return { cluster, user };
}

/**
 * Reads a kubeconfig's text into a `ClusterEndpoint`, loading the files it refers to (relative
 * paths are relative to `baseDir`, the kubeconfig's folder, as kubectl does). Throws `KubeconfigError`.
 */
export async function loadClusterEndpoint(text: string, baseDir: string): Promise<ClusterEndpoint> {
  const { cluster, user } = selectKubeconfigContext(text);
  rejectUnsupported(cluster, user);
  const files: string[] = [];
  const fileField = async (entry: YamlMap, field: string): Promise<string | undefined> => {
    const name = stringField(entry, field);
    if (name === undefined || name === '') return undefined;
    const path = isAbsolute(name) ? name : join(baseDir, name);
    files.push(path);
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : 'unreadable';
      // Messages are committed to Git: an absolute path would show the host's layout, so only its file name.
      const shown = isAbsolute(name) ? `${basename(name)} (absolute path)` : name;
      throw new KubeconfigError('referenced-file-unreadable', `kubeconfig ${field} file ${why}: ${shown}`);
    }
  };

  const server = serverURL(cluster);
  const insecureSkipTLSVerify = cluster['insecure-skip-tls-verify'] === true;
  const ca = pemData(cluster, 'certificate-authority-data') ?? (await fileField(cluster, 'certificate-authority'));
  const clientCert = pemData(user, 'client-certificate-data') ?? (await fileField(user, 'client-certificate'));
  const clientKey = pemData(user, 'client-key-data') ?? (await fileField(user, 'client-key'));
  if ((clientCert === undefined) !== (clientKey === undefined)) {
    throw new KubeconfigError('tls-material-invalid', 'kubeconfig has a client certificate without its key, or a key without its certificate');
  }

  let auth: ClusterAuth = { kind: 'none' };
  const token = stringField(user, 'token');
  const username = stringField(user, 'username');
  if (token) {
    auth = { kind: 'bearer', token };
  } else if (stringField(user, 'tokenFile')) {
    const fromFile = ((await fileField(user, 'tokenFile')) ?? '').trim();
    if (fromFile !== '') auth = { kind: 'bearer', token: fromFile };
  } else if (username) {
    auth = { kind: 'basic', username, password: stringField(user, 'password') ?? '' };
  }

  const endpoint: ClusterEndpoint = { server, insecureSkipTLSVerify, auth, files };
  if (!insecureSkipTLSVerify && ca !== undefined) endpoint.ca = ca;
  const tlsServerName = stringField(cluster, 'tls-server-name');
  if (tlsServerName) endpoint.tlsServerName = tlsServerName;
  if (clientCert !== undefined && clientKey !== undefined) {
    endpoint.clientCert = clientCert;
    endpoint.clientKey = clientKey;
  }
  if (server.protocol === 'https:') endpoint.secureContext = secureContextOf(endpoint);
  return endpoint;
}

function rejectUnsupported(cluster: YamlMap, user: YamlMap): void {
  const unsupported = (what: string) =>
    new KubeconfigError('unsupported-auth', `kubeconfig uses ${what}, which gitset does not support`);
  if (user['exec'] !== undefined && user['exec'] !== null) throw unsupported('an exec plugin');
  if (user['auth-provider'] !== undefined && user['auth-provider'] !== null) throw unsupported('an auth-provider');
  if (stringField(cluster, 'proxy-url')) throw unsupported('a proxy-url');
}

function serverURL(cluster: YamlMap): URL {
  const raw = stringField(cluster, 'server');
  if (raw === undefined || raw === '') throw new KubeconfigError('server-missing', 'kubeconfig cluster has no server');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new KubeconfigError('server-invalid', 'kubeconfig server is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new KubeconfigError('server-invalid', `kubeconfig server must be an https:// URL (got ${url.protocol})`);
  }
  // Credentials in the URL would travel into messages with it; the kubeconfig's user carries them.
  url.username = '';
  url.password = '';
  return url;
}

/** A `*-data` field: base64 of PEM text. */
function pemData(entry: YamlMap, field: string): string | undefined {
  const raw = stringField(entry, field);
  if (raw === undefined || raw === '') return undefined;
  const text = Buffer.from(raw, 'base64').toString('utf8');
  if (!text.includes('-----BEGIN')) {
    throw new KubeconfigError('tls-material-invalid', `kubeconfig ${field} is not base64-encoded PEM`);
  }
  return text;
}

/** Fails now, with the field named, rather than at every connection with an OpenSSL code. */
function secureContextOf(endpoint: ClusterEndpoint): SecureContext {
  try {
    return createSecureContext({
      ...(endpoint.ca !== undefined ? { ca: endpoint.ca } : {}),
      ...(endpoint.clientCert !== undefined ? { cert: endpoint.clientCert, key: endpoint.clientKey } : {}),
    });
  } catch {
    // Only on failure: find out which half to name.
    const caIsValid = endpoint.ca === undefined || succeeds(() => createSecureContext({ ca: endpoint.ca }));
    if (!caIsValid) throw new KubeconfigError('tls-material-invalid', 'kubeconfig certificate-authority is not a valid PEM certificate');
    throw new KubeconfigError('tls-material-invalid', 'kubeconfig client certificate or key is invalid, or they do not match');
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

function isMap(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(entry: YamlMap, field: string): string | undefined {
  const value = entry[field];
  return typeof value === 'string' ? value : undefined;
}

/** `clusters: [{name, cluster: {...}}]` → name → inner map. */
function namedEntries(root: YamlMap, listField: string, innerField: string): Map<string, YamlMap> {
  const result = new Map<string, YamlMap>();
  const list = root[listField];
  if (list === undefined || list === null) return result;
  if (!Array.isArray(list)) throw new KubeconfigError('kubeconfig-syntax', `kubeconfig ${listField} is not a list`);
  for (const item of list) {
    if (!isMap(item) || typeof item['name'] !== 'string') {
      throw new KubeconfigError('kubeconfig-syntax', `kubeconfig ${listField} has an entry without a name`);
    }
    const inner = item[innerField];
    result.set(item['name'], isMap(inner) ? inner : {});
  }
  return result;
}
