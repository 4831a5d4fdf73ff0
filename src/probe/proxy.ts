// A kubeconfig's `proxy-url`: the API server reached through an HTTP CONNECT tunnel, the proxy
// itself spoken to in plain HTTP or in TLS (verified, as Go does, with the cluster's CA settings).
// SOCKS is refused with a message naming the field: no SOCKS client ships with gitset.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { KubeconfigError } from './errors.ts';

/** What a failed tunnel rejects with; its message is safe to show (proxy host and port, no userinfo). */
export const PROXY_FAILED = 'EPROXY';

/** Time the proxy has to accept the connection and answer CONNECT. */
const TUNNEL_TIMEOUT_MS = 30_000;

export function parseProxyUrl(raw: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new KubeconfigError('proxy-invalid', `${field}: not a valid URL`);
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme.startsWith('socks')) {
    throw new KubeconfigError('proxy-invalid', `${field}: ${scheme} proxies are not supported (gitset speaks http:// and https:// proxies, with CONNECT)`);
  }
  if (scheme !== 'http' && scheme !== 'https') throw new KubeconfigError('proxy-invalid', `${field}: the ${scheme} scheme is not a proxy (use http:// or https://)`);
  return url;
}

/** TLS settings for an https:// proxy: the cluster's trust, the proxy's own name. */
export type ProxyTls = Pick<tls.ConnectionOptions, 'ca' | 'rejectUnauthorized'>;

/** An agent whose every connection is a CONNECT tunnel through `proxy`, then TLS to the server when `secure`. */
export function tunnelingAgent(proxy: URL, proxyTls: ProxyTls, secure: boolean, options: https.AgentOptions): http.Agent {
  const open = (target: { host?: string | null; port?: number | string | null }, done: (err: Error | null, socket: Duplex) => void, wrap: (s: Duplex) => Duplex) => {
    openTunnel(proxy, proxyTls, target.host ?? 'localhost', Number(target.port))
      .then((socket) => done(null, wrap(socket)))
      .catch((err: Error) => done(err, undefined as unknown as Duplex));
    return undefined;
  };
  if (!secure) {
    const agent = new http.Agent(options);
    agent.createConnection = (o, done) => open(o, done!, (s) => s);
    return agent;
  }
  const agent = new https.Agent(options);
  agent.createConnection = (o, done) => open(o, done!, (socket) => tls.connect({ ...(o as tls.ConnectionOptions), socket: socket as net.Socket }));
  return agent;
}

function openTunnel(proxy: URL, proxyTls: ProxyTls, host: string, port: number): Promise<Duplex> {
  const secure = proxy.protocol === 'https:';
  const proxyPort = Number(proxy.port) || (secure ? 443 : 80);
  const where = `proxy ${proxy.hostname}:${proxyPort}`;
  const target = `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
  const auth = proxy.username || proxy.password
    ? `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}\r\n`
    : '';
  const proxyHost = proxy.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const failed = (why: string) => {
      socket.destroy();
      reject(Object.assign(new Error(`${where}: ${why}`), { code: PROXY_FAILED }));
    };
    const socket: net.Socket = secure
      ? tls.connect({ host: proxyHost, port: proxyPort, ...proxyTls, ...(net.isIP(proxyHost) ? {} : { servername: proxyHost }) })
      : net.connect({ host: proxyHost, port: proxyPort });
    socket.setTimeout(TUNNEL_TIMEOUT_MS, () => failed('no answer to CONNECT'));
    // Stays after the tunnel is up: a later socket error ends the connection instead of the process.
    socket.on('error', (err: NodeJS.ErrnoException) => failed(proxyErrorText(err.code)));
    socket.once(secure ? 'secureConnect' : 'connect', () => socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`));
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 16 * 1024) failed('answered CONNECT with an endless header');
        return;
      }
      socket.off('data', onData);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString('latin1'))?.[1];
      if (status !== '200') return failed(status ? `answered CONNECT with ${status}` : 'did not answer CONNECT in HTTP');
      const rest = head.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      socket.setTimeout(0);
      resolve(socket);
    };
    socket.on('data', onData);
  });
}

function proxyErrorText(code: string | undefined): string {
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET') return 'connection reset';
  if (code !== undefined && /CERT|SIGNATURE|ISSUER|LEAF/.test(code)) return 'x509: its certificate is not trusted by the kubeconfig\'s certificate authority';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'x509: its certificate is not valid for its name';
  return code ?? 'connection failed';
}

/**
 * The proxy a Go client (kubectl, helm) would take from HTTPS_PROXY/HTTP_PROXY and NO_PROXY for a
 * server without `proxy-url`, so the prober goes the way helm does. Loopback is never proxied.
 */
export function proxyFromEnvironment(server: URL, env: Readonly<Record<string, string | undefined>>): URL | undefined {
  const variable = server.protocol === 'https:' ? ['HTTPS_PROXY', 'https_proxy'] : ['HTTP_PROXY', 'http_proxy'];
  const name = variable.find((v) => env[v]);
  if (name === undefined) return undefined;
  const host = server.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || (net.isIP(host) && isLoopback(host))) return undefined;
  const port = server.port || (server.protocol === 'https:' ? '443' : '80');
  const noProxy = env['NO_PROXY'] ?? env['no_proxy'] ?? '';
  if (noProxy.split(',').some((entry) => bypasses(entry.trim().toLowerCase(), host, port))) return undefined;
  const raw = env[name]!;
  return parseProxyUrl(raw.includes('://') ? raw : `http://${raw}`, name);
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.');
}

/** One NO_PROXY entry, as Go reads it: `*`, an IP, a CIDR, or a domain with an optional port. */
function bypasses(entry: string, host: string, port: string): boolean {
  if (entry === '') return false;
  if (entry === '*') return true;
  if (entry.includes('/')) return net.isIP(host) !== 0 && inCidr(host, entry);
  if (net.isIP(entry.replace(/^\[|\]$/g, ''))) return entry.replace(/^\[|\]$/g, '') === host;
  const m = /^(.*?)(?::(\d+))?$/.exec(entry)!;
  if (m[2] !== undefined && m[2] !== port) return false;
  let domain = m[1]!.replace(/^\*\./, '.');
  if (domain === '') return false;
  if (!domain.startsWith('.')) {
    if (host === domain) return true;
    domain = `.${domain}`;
  }
  return host.endsWith(domain);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base = '', bitsText = ''] = cidr.split('/');
  const list = new net.BlockList();
  const family = net.isIPv6(base) ? 'ipv6' : 'ipv4';
  try {
    list.addSubnet(base, Number(bitsText), family);
    return list.check(ip, net.isIPv6(ip) ? 'ipv6' : 'ipv4');
  } catch {
    return false;
  }
}
