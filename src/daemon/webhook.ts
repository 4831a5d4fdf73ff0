// Verifies and reads Git hosting push webhooks. GitHub signs the raw body with HMAC-SHA256
// (X-Hub-Signature-256: sha256=<hex>); GitLab sends the shared token as X-Gitlab-Token.
// Both are compared in constant time. Pure: takes headers and the raw body, returns a verdict.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type WebhookVerdict =
  | { kind: 'unverified'; reason: string }
  | { kind: 'push'; provider: Provider; ref: string; branch?: string; after?: string }
  | { kind: 'ignored'; provider: Provider; reason: string };

export type Provider = 'github' | 'gitlab';

type Headers = Record<string, string | string[] | undefined>;

export function readWebhook(headers: Headers, body: Buffer, secret: string | undefined): WebhookVerdict {
  const provider = verify(headers, body, secret);
  if (typeof provider !== 'string' || (provider !== 'github' && provider !== 'gitlab')) return provider;
  const event = header(headers, provider === 'github' ? 'x-github-event' : 'x-gitlab-event');
  const isPush = provider === 'github' ? event === 'push' : event === 'Push Hook';
  if (!isPush) return { kind: 'ignored', provider, reason: `event ${event ?? '(none)'} is not a push` };
  const payload = parsePayload(headers, body);
  const ref = typeof payload?.ref === 'string' ? payload.ref : undefined;
  if (!ref) return { kind: 'ignored', provider, reason: 'push payload without ref' };
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
  const after = typeof payload?.after === 'string' ? payload.after : undefined;
  return { kind: 'push', provider, ref, branch, after };
}

function verify(headers: Headers, body: Buffer, secret: string | undefined): Provider | WebhookVerdict {
  if (!secret) return { kind: 'unverified', reason: 'no webhook secret configured' };
  const signature = header(headers, 'x-hub-signature-256');
  if (signature !== undefined) {
    const expected = 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
    return safeEqual(signature, expected) ? 'github' : { kind: 'unverified', reason: 'signature mismatch' };
  }
  const token = header(headers, 'x-gitlab-token');
  if (token !== undefined) return safeEqual(token, secret) ? 'gitlab' : { kind: 'unverified', reason: 'token mismatch' };
  return { kind: 'unverified', reason: 'neither X-Hub-Signature-256 nor X-Gitlab-Token present' };
}

/** Constant time in the length of `expected`, whatever `given` is. */
function safeEqual(given: string, expected: string): boolean {
  const a = createHmac('sha256', 'gitset-compare').update(given).digest();
  const b = createHmac('sha256', 'gitset-compare').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

function parsePayload(headers: Headers, body: Buffer): Record<string, unknown> | undefined {
  try {
    const type = header(headers, 'content-type') ?? '';
    const text = type.includes('application/x-www-form-urlencoded')
      ? new URLSearchParams(body.toString('utf8')).get('payload') ?? ''
      : body.toString('utf8');
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
