// The HTTP client under isomorphic-git: its Node client plus a socket timeout and one retry of
// read-only requests that hit a connection the server had just closed (keep-alive race).
import nodeHttp from 'isomorphic-git/http/node';

export type GitHttpClient = typeof nodeHttp;
type Request = Parameters<GitHttpClient['request']>[0];

const STALE_SOCKET = new Set(['ECONNRESET', 'EPIPE']);

/** Ref listings and fetches change nothing on the server, so sending them twice is harmless. */
function readOnly(req: Request): boolean {
  if ((req.method ?? 'GET').toUpperCase() === 'GET') return true;
  return req.url.endsWith('/git-upload-pack') && (req.body === undefined || Array.isArray(req.body));
}

export function gitHttpClient(opts: { timeoutMs: number; base?: GitHttpClient }): GitHttpClient {
  const base = opts.base ?? nodeHttp;
  const send = (req: Request) => base.request({ ...req, fetchOptions: { timeout: opts.timeoutMs, ...req.fetchOptions } });
  return {
    request: async (req) => {
      try {
        return await send(req);
      } catch (err) {
        // A pushed pack is never re-sent: it may have landed before the reset.
        if (!STALE_SOCKET.has((err as { code?: string }).code ?? '') || !readOnly(req)) throw err;
        return send(req);
      }
    },
  };
}

/**
 * Every request carries the credentials of the moment: a token file rotated under a running daemon
 * is used from the next request on, without a restart (isomorphic-git takes its credentials once).
 */
export function withCurrentCredentials(base: GitHttpClient, current: () => Promise<{ username: string; password: string } | undefined>): GitHttpClient {
  return {
    request: async (req) => {
      const credentials = await current();
      if (!credentials) return base.request(req);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers ?? {})) if (name.toLowerCase() !== 'authorization') headers[name] = value;
      headers['Authorization'] = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      return base.request({ ...req, headers });
    },
  };
}
