// Authentication of the simulated API server, as kube-apiserver does it: a client certificate
// signed by the cluster's CA (asked for, never required), or a bearer token it knows and that has
// not expired (a token file or webhook authenticator in a real cluster). Anything else is 401.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export class SimAuthenticator {
  /** Token → expiry (epoch ms), undefined: never expires. */
  private readonly tokens = new Map<string, number | undefined>();

  constructor(
    staticToken: string,
    private readonly now: () => Date,
  ) {
    this.tokens.set(staticToken, undefined);
  }

  /** Accepts `token` from now on, until `expiresAt` (by the server's clock) when given. */
  grant(token: string, expiresAt?: Date): void {
    this.tokens.set(token, expiresAt?.getTime());
  }

  /** `token` is refused from now on (a revoked or rotated credential). */
  revoke(token: string): void {
    this.tokens.delete(token);
  }

  authenticated(req: IncomingMessage): boolean {
    const socket = req.socket as TLSSocket;
    // Verified against the CA by TLS; a certificate that failed verification leaves `authorized` false.
    if (socket.authorized && Object.keys(socket.getPeerCertificate?.() ?? {}).length > 0) return true;
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return false;
    const token = m[1]!.trim();
    if (!this.tokens.has(token)) return false;
    const expiresAt = this.tokens.get(token);
    return expiresAt === undefined || this.now().getTime() < expiresAt;
  }
}
