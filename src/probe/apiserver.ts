// One GET to a Kubernetes API server with a kubeconfig's TLS settings and credential, and the
// translation of Node's socket and TLS error codes into the short messages people know from
// kubectl (`connection refused`, `x509: certificate signed by unknown authority`).
import http from 'node:http';
import https from 'node:https';
import { ExecPluginError } from './errors.ts';
import type { ExecCredential } from './exec-plugin.ts';
import type { ClusterEndpoint } from './kubeconfig.ts';
import { PROXY_FAILED, tunnelingAgent } from './proxy.ts';

export interface APIServerAnswer {
  status: number;
  body: string;
}

/** Probes cut larger bodies off: `/version` and `/readyz` answer in a few hundred bytes. */
export const PROBE_BODY_BYTES = 64 * 1024;

/** How one GET asks and how much of the answer it takes. */
export interface GetOptions {
  /** `Accept` header; `application/json` when absent. */
  accept?: string;
  /** Bytes of body kept (default PROBE_BODY_BYTES). */
  maxBodyBytes?: number;
  /** A larger body fails the request (code `EBODYTOOLARGE`) instead of being cut off. */
  rejectLarger?: boolean;
  /** The answer must begin within this time (code `ENOANSWER`); a long body may then take longer. */
  answerWithinMs?: number;
  userAgent?: string;
}

/** What a GET rejects with when no answer began within `answerWithinMs`. */
export const NO_ANSWER = 'ENOANSWER';

/** What a GET rejects with when the body is over `maxBodyBytes` and `rejectLarger` is set. */
export const BODY_TOO_LARGE = 'EBODYTOOLARGE';

/**
 * A keep-alive agent carrying the endpoint's TLS settings, reused by every probe of the cluster
 * so a healthy cluster costs one request per path, not a TCP and TLS handshake per cycle.
 */
export function createAgent(endpoint: ClusterEndpoint): http.Agent {
  // Probes of one cluster are sequential; a second socket only covers a reset keep-alive one.
  const common = { keepAlive: true, maxSockets: 2, maxFreeSockets: 1 };
  const secure = endpoint.server.protocol === 'https:';
  const options: https.AgentOptions = { ...common };
  if (secure) {
    options.rejectUnauthorized = !endpoint.insecureSkipTLSVerify;
    // An exec plugin may hand out client certificates per request: those only apply without a shared context.
    if (endpoint.secureContext !== undefined && endpoint.auth.kind !== 'exec') {
      options.secureContext = endpoint.secureContext;
    } else {
      if (endpoint.ca !== undefined) options.ca = endpoint.ca;
      if (endpoint.clientCert !== undefined) options.cert = endpoint.clientCert;
      if (endpoint.clientKey !== undefined) options.key = endpoint.clientKey;
    }
    if (endpoint.tlsServerName !== undefined) options.servername = endpoint.tlsServerName;
  }
  if (endpoint.proxy !== undefined) {
    const proxyTls = { rejectUnauthorized: !endpoint.insecureSkipTLSVerify, ...(endpoint.ca !== undefined ? { ca: endpoint.ca } : {}) };
    return tunnelingAgent(endpoint.proxy, proxyTls, secure, options);
  }
  return secure ? new https.Agent(options) : new http.Agent(common);
}

/**
 * GET `path` below the server URL. Rejects with Node's error on network/TLS failure or abort, or an
 * ExecPluginError when the credential plugin gives nothing. A 401 to a plugin's credential runs the
 * plugin again and asks once more: the token may have been revoked before its expiry.
 */
export async function getFromAPIServer(
  endpoint: ClusterEndpoint,
  agent: http.Agent,
  path: string,
  signal: AbortSignal,
  options: GetOptions = {},
): Promise<APIServerAnswer> {
  const auth = endpoint.auth;
  if (auth.kind !== 'exec') return getReusing(endpoint, agent, path, signal, options, staticCredential(endpoint));
  const used = await untilAborted(auth.source.current(), signal);
  const answer = await getReusing(endpoint, agent, path, signal, options, pluginCredential(used));
  if (answer.status !== 401) return answer;
  auth.source.refused(used);
  const fresh = await untilAborted(auth.source.current(), signal);
  if (fresh.token === used.token && fresh.clientCertificate?.cert === used.clientCertificate?.cert) return answer;
  return getReusing(endpoint, agent, path, signal, options, pluginCredential(fresh));
}

/** What a request presents besides the agent's TLS settings. */
interface RequestCredential {
  authorization?: string;
  cert?: string;
  key?: string;
}

function staticCredential(endpoint: ClusterEndpoint): RequestCredential {
  const auth = endpoint.auth;
  switch (auth.kind) {
    case 'none':
    case 'exec':
      return {};
    case 'bearer':
      return { authorization: `Bearer ${auth.token}` };
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
    default: {
      const never: never = auth;
      throw new Error(`unknown auth ${String(never)}`);
    }
  }
}

function pluginCredential(credential: ExecCredential): RequestCredential {
  return {
    ...(credential.token !== undefined ? { authorization: `Bearer ${credential.token}` } : {}),
    ...(credential.clientCertificate ? { cert: credential.clientCertificate.cert, key: credential.clientCertificate.key } : {}),
  };
}

/** A plugin run is shared by every request of the cluster: a probe that gives up does not stop it. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function getReusing(
  endpoint: ClusterEndpoint,
  agent: http.Agent,
  path: string,
  signal: AbortSignal,
  options: GetOptions,
  credential: RequestCredential,
): Promise<APIServerAnswer> {
  try {
    return await getOnce(endpoint, agent, path, signal, options, credential);
  } catch (err) {
    // A keep-alive socket the server closed while idle fails the first write: retry once on a new one.
    if ((err as RequestError).reusedSocket && isResetCode((err as RequestError).code) && !signal.aborted) {
      return await getOnce(endpoint, agent, path, signal, options, credential);
    }
    throw err;
  }
}

interface RequestError extends NodeJS.ErrnoException {
  reusedSocket?: boolean;
}

function isResetCode(code: string | undefined): boolean {
  return code === 'ECONNRESET' || code === 'EPIPE';
}

function getOnce(endpoint: ClusterEndpoint, agent: http.Agent, path: string, signal: AbortSignal, options: GetOptions, credential: RequestCredential): Promise<APIServerAnswer> {
  const url = new URL(endpoint.server.href);
  // `path` may carry a query (`?labelSelector=owner%3Dhelm`); the server URL's own is dropped.
  const [pathname = '', query] = splitQuery(path);
  url.pathname = url.pathname.replace(/\/+$/, '') + pathname;
  url.search = query ?? '';
  url.hash = '';
  const maxBodyBytes = options.maxBodyBytes ?? PROBE_BODY_BYTES;
  const headers: http.OutgoingHttpHeaders = { accept: options.accept ?? 'application/json', 'user-agent': options.userAgent ?? 'gitset-probe' };
  if (credential.authorization !== undefined) headers['authorization'] = credential.authorization;
  const request = url.protocol === 'https:' ? https.request : http.request;

  return new Promise<APIServerAnswer>((resolve, reject) => {
    const tlsCredential = credential.cert !== undefined ? { cert: credential.cert, key: credential.key } : {};
    const req = request(url, { method: 'GET', agent, headers, signal, ...tlsCredential });
    const ms = options.answerWithinMs;
    const waiting = ms === undefined ? undefined : setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${ms}ms`), { code: NO_ANSWER })), ms);
    req.on('error', (err: RequestError) => {
      clearTimeout(waiting);
      err.reusedSocket = req.reusedSocket;
      reject(err);
    });
    req.on('response', (res) => {
      clearTimeout(waiting);
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBodyBytes && options.rejectLarger) {
          const err = Object.assign(new Error(`answer larger than ${maxBodyBytes} bytes`), { code: BODY_TOO_LARGE });
          reject(err);
          res.destroy(err);
          return;
        }
        if (size - chunk.length < maxBodyBytes) chunks.push(chunk);
      });
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('close', () => {
        if (!res.complete) reject(Object.assign(new Error('response cut off'), { code: 'ECONNRESET' }));
      });
    });
    req.end();
  });
}

function splitQuery(path: string): [string, string | undefined] {
  const q = path.indexOf('?');
  return q < 0 ? [path, undefined] : [path.slice(0, q), path.slice(q)];
}

/** What went wrong on the wire, in words a person knows; only error codes are looked at. */
export function describeConnectionError(err: unknown, endpoint: ClusterEndpoint): string {
  // The plugin's messages name the kubeconfig field and were written to be shown.
  if (err instanceof ExecPluginError) return err.message;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  const tls = describeTlsError(code, endpoint.tlsServerName ?? endpoint.server.hostname, err);
  if (tls) return tls;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection reset by server';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve host ${endpoint.server.hostname}`;
    case 'EHOSTUNREACH':
      return 'host unreachable';
    case 'ENETUNREACH':
      return 'network unreachable';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case BODY_TOO_LARGE:
    case NO_ANSWER:
    case PROXY_FAILED:
      return (err as Error).message;
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_VERSION':
      return 'the server did not answer HTTP';
    default:
      return code ? `request failed (${code})` : 'request failed';
  }
}

/** A certificate or TLS handshake error in words (`host`: the name the certificate must hold); undefined for any other code. */
function describeTlsError(code: string, host: string, err: unknown): string | undefined {
  switch (code) {
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_SIGNATURE_FAILURE':
      return 'x509: certificate signed by unknown authority';
    case 'CERT_HAS_EXPIRED':
      return 'x509: certificate has expired';
    case 'CERT_NOT_YET_VALID':
      return 'x509: certificate is not yet valid';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `x509: certificate is not valid for ${host}`;
    case 'CERT_REVOKED':
      return 'x509: certificate has been revoked';
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
      return 'TLS handshake failed: the server does not speak TLS';
    case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED':
    case 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE':
      return 'TLS handshake failed: the server requires a client certificate';
    case 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE':
    case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA':
    case 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN':
      return 'TLS handshake failed: the server rejected the client certificate';
    default:
      // OpenSSL 3 reports a plain-HTTP peer as EPROTO; only its reason text tells.
      if (code === 'EPROTO' && /wrong version number|packet length too long/.test(String((err as Error).message))) {
        return 'TLS handshake failed: the server does not speak TLS';
      }
      if (code.startsWith('ERR_SSL_') || code === 'EPROTO') return 'TLS handshake failed';
      return undefined;
  }
}

/** `401 Unauthorized` and `403 Forbidden` read the same from any path; others name it. */
export function describeStatus(status: number, path: string): string {
  if (status === 401) return '401 Unauthorized';
  if (status === 403) return '403 Forbidden';
  return `HTTP ${status} from ${path}`;
}
