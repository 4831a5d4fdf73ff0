import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
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
