// A push webhook reaches the one replica the Service picks; the others would see the push only at
// their next poll (30 s by default), so shards would apply one merge at different times. With
// `--webhook-peers`, the replica that accepted a push passes it on as it came (the body and the
// provider's signature headers) to every other replica. Each verifies it again with the shared
// webhook secret, as any webhook, and does not pass on what was passed to it (x-gitset-forwarded):
// a push reaches each replica once, and passing on needs no credential of its own.
import type { IncomingHttpHeaders } from 'node:http';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';

/** Set on a push passed on by a replica: the receiver does not pass it on again. */
export const FORWARDED_HEADER = 'x-gitset-forwarded';

/** What the receiving replica needs to verify and read the push again (see webhook.ts). */
const PASSED_ON = ['content-type', 'x-github-event', 'x-github-delivery', 'x-hub-signature-256', 'x-gitlab-event', 'x-gitlab-token'] as const;

const TIMEOUT_MS = 5_000;

/**
 * The peers of `--webhook-peers`: base URLs separated by commas, as origins (`http://host:port`).
 * Throws with what is wrong with an entry: not an http(s) URL, credentials, a path or a query.
 */
export function parsePeers(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      let url: URL;
      try {
        url = new URL(entry);
      } catch {
        throw new Error(`"${entry}" is not a URL (http://host:port)`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`"${entry}" is not an http or https URL`);
      if (url.username || url.password) throw new Error(`"${url.host}": a peer URL carries no credentials (the push is verified by its signature)`);
      if (url.pathname !== '/' || url.search || url.hash) throw new Error(`"${entry}" is a base URL with a path or query: give http://host:port`);
      return url.origin;
    });
}

export interface PeerOptions {
  peers: readonly string[];
  /** The port this replica listens on, once it does: an address of its own with that port is itself. */
  ownPort: () => number | undefined;
  logger: Logger;
  /** For tests: how a name is resolved to its addresses. */
  resolve?: (host: string) => Promise<string[]>;
}

/**
 * Passes a push on to every peer. An http peer named by a host name stands for each address the
 * name resolves to (the chart's headless Service: one per replica), this replica's own left out;
 * an https peer is called by its name, so that its certificate can be checked. Never throws: a
 * peer that cannot be reached is logged and left to its next poll.
 */
export function peerForwarder(opts: PeerOptions): (headers: IncomingHttpHeaders, body: Buffer) => Promise<void> {
  const resolve = opts.resolve ?? (async (host: string) => (await lookup(host, { all: true })).map((a) => a.address));
  return async (headers, body) => {
    const passed: Record<string, string> = { [FORWARDED_HEADER]: '1' };
    for (const name of PASSED_ON) {
      const v = headers[name];
      if (typeof v === 'string') passed[name] = v;
    }
    const targets = (await Promise.all(opts.peers.map((peer) => targetsOf(peer, resolve, opts)))).flat();
    await Promise.all(
      targets.map(async (target) => {
        try {
          const res = await fetch(target, { method: 'POST', headers: passed, body: new Uint8Array(body), redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
          await res.body?.cancel();
          if (res.status === 202) opts.logger.debug({ peer: target }, 'push passed on');
          else opts.logger.warn({ peer: target, status: res.status }, 'push passed on and refused (is the webhook secret the same?)');
        } catch (err) {
          opts.logger.warn({ peer: target, err: err instanceof Error ? err.message : String(err) }, 'cannot pass the push on; that replica pulls at its next poll');
        }
      }),
    );
  };
}

async function targetsOf(peer: string, resolve: (host: string) => Promise<string[]>, opts: PeerOptions): Promise<string[]> {
  const url = new URL(peer);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (url.protocol === 'https:' && !isIP(host)) return [`${peer}/hooks/git`];
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch (err) {
    opts.logger.warn({ peer, err: err instanceof Error ? err.message : String(err) }, 'cannot resolve a webhook peer');
    return [];
  }
  const own = port === opts.ownPort() ? ownAddresses() : new Set<string>();
  return [...new Set(addresses)].filter((a) => !own.has(a)).map((a) => `${url.protocol}//${isIP(a) === 6 ? `[${a}]` : a}:${port}/hooks/git`);
}

function ownAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}
