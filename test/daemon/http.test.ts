import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { startHttpEndpoint, MAX_BODY_BYTES, type HttpEndpoint } from '../../src/daemon/http.ts';
import { createMetrics } from '../../src/daemon/metrics.ts';
import { silentLogger } from '../../src/daemon/logger.ts';

const SECRET = 'It is a secret to everybody';

describe('daemon HTTP endpoint', () => {
  let endpoint: HttpEndpoint;
  const pushes: Array<{ provider: string; branch: string }> = [];
  const metrics = createMetrics();
  let ready = false;

  before(async () => {
    endpoint = await startHttpEndpoint({
      listen: { host: '127.0.0.1', port: 0 },
      registry: metrics.registry,
      readiness: () => ({ ready, reason: ready ? 'ok' : 'first cycle not done' }),
      webhook: { secret: SECRET, branches: ['main'], onPush: (p) => pushes.push(p) },
      logger: silentLogger(),
    });
  });
  after(() => endpoint.close());

  const post = (headers: Record<string, string>, body: string) =>
    fetch(`${endpoint.url}/hooks/git`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const sign = (body: string, secret = SECRET) => 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');

  test('healthz answers at once; readyz only after the first cycle', async () => {
    assert.equal((await fetch(`${endpoint.url}/healthz`)).status, 200);
    const before = await fetch(`${endpoint.url}/readyz`);
    assert.equal(before.status, 503);
    assert.match(await before.text(), /first cycle/);
    ready = true;
    assert.equal((await fetch(`${endpoint.url}/readyz`)).status, 200);
  });

  test('GitHub push signed with the secret enqueues a cycle; a wrong or missing signature gets 401', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/main', after: 'abc123' });
    assert.equal((await post({ 'x-github-event': 'push', 'x-hub-signature-256': sign(body) }, body)).status, 202);
    assert.deepEqual(pushes.at(-1), { provider: 'github', branch: 'main', after: 'abc123' });
    const count = pushes.length;
    assert.equal((await post({ 'x-github-event': 'push', 'x-hub-signature-256': sign(body, 'wrong') }, body)).status, 401);
    assert.equal((await post({ 'x-github-event': 'push' }, body)).status, 401);
    // The signature covers the raw body: a changed body with the old signature is refused.
    const tampered = JSON.stringify({ ref: 'refs/heads/main', after: 'evil' });
    assert.equal((await post({ 'x-github-event': 'push', 'x-hub-signature-256': sign(body) }, tampered)).status, 401);
    assert.equal(pushes.length, count);
  });

  test('GitLab push with the token enqueues; other branches and events are accepted and ignored', async () => {
    const main = JSON.stringify({ object_kind: 'push', ref: 'refs/heads/main' });
    assert.equal((await post({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET }, main)).status, 202);
    assert.equal(pushes.at(-1)?.provider, 'gitlab');
    const count = pushes.length;
    assert.equal((await post({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'guess' }, main)).status, 401);
    const other = JSON.stringify({ ref: 'refs/heads/feature' });
    const ignored = await post({ 'x-github-event': 'push', 'x-hub-signature-256': sign(other) }, other);
    assert.equal(ignored.status, 202);
    assert.match(await ignored.text(), /not a watched branch/);
    const ping = JSON.stringify({ zen: 'hi' });
    assert.equal((await post({ 'x-github-event': 'ping', 'x-hub-signature-256': sign(ping) }, ping)).status, 202);
    assert.equal(pushes.length, count);
  });

  test('oversized bodies are refused before they are read', async () => {
    const big = 'x'.repeat(MAX_BODY_BYTES + 1);
    assert.equal((await post({ 'x-github-event': 'push', 'x-hub-signature-256': sign(big) }, big)).status, 413);
  });

  test('metrics are served in Prometheus text format from the daemon\'s own registry', async () => {
    metrics.probes.inc({ result: 'ok' }, 3);
    metrics.helmCalls.inc({ action: 'install', outcome: 'success' });
    const res = await fetch(`${endpoint.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    assert.match(text, /^gitset_probes_total\{result="ok"\} 3$/m);
    assert.match(text, /^gitset_helm_calls_total\{action="install",outcome="success"\} 1$/m);
    assert.match(text, /^# TYPE gitset_cycle_duration_seconds histogram$/m);
  });
});

/**
 * Sends the start of a request, then one byte at a time, never finishing: what a client holding
 * connections open does. Resolves with what the server answered (status line or nothing) once it
 * closes the connection, or with `still open` once the client has sent `maxBytes`.
 */
function trickle(url: string, head: string, maxBytes: number): Promise<{ answer: string; outcome: 'closed' | 'reset' | 'still open' }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: 'closed' | 'reset' | 'still open'): void => {
      clearInterval(timer);
      socket.destroy();
      resolve({ answer: answer.split('\r\n')[0] ?? '', outcome });
    };
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('end', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.on('error', () => finish('reset'));
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent++ >= maxBytes) finish('still open');
        else socket.write('x');
      }, 100);
    });
  });
}

describe('slow clients', () => {
  let endpoint: HttpEndpoint;
  before(async () => {
    endpoint = await startHttpEndpoint({
      listen: { host: '127.0.0.1', port: 0 },
      registry: createMetrics().registry,
      readiness: () => ({ ready: true, reason: 'ok' }),
      webhook: { secret: SECRET, branches: ['main'], onPush: () => undefined },
      logger: silentLogger(),
      requestTimeoutMs: 1000,
    });
  });
  after(() => endpoint.close());

  // The client would need 60 s to send its 600 bytes; the server must not wait for them.
  test('a webhook body sent a byte at a time is cut off with 408', async () => {
    const head = 'POST /hooks/git HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-github-event: push\r\ncontent-length: 100000\r\n\r\n';
    const r = await trickle(endpoint.url, head, 600);
    assert.notEqual(r.outcome, 'still open');
    assert.equal(r.answer, 'HTTP/1.1 408 Request Timeout');
  });

  test('headers sent a byte at a time are cut off too', async () => {
    const r = await trickle(endpoint.url, 'GET /metrics HTTP/1.1\r\nx-slow: ', 600);
    assert.notEqual(r.outcome, 'still open');
    assert.match(r.answer, /^(HTTP\/1\.1 408 Request Timeout)?$/);
  });

  test('a slow body to a route that reads none is cut off as well', async () => {
    const head = 'POST /healthz HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\n';
    const r = await trickle(endpoint.url, head, 600);
    assert.notEqual(r.outcome, 'still open');
  });
});
