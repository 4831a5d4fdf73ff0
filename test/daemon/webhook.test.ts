import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readWebhook } from '../../src/daemon/webhook.ts';

const secret = 's3cret';
const sign = (body: Buffer) => 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');

test('GitHub form-encoded payloads are verified over the raw body and read', () => {
  const body = Buffer.from('payload=' + encodeURIComponent(JSON.stringify({ ref: 'refs/heads/main', after: 'abc' })));
  const verdict = readWebhook({ 'x-github-event': 'push', 'x-hub-signature-256': sign(body), 'content-type': 'application/x-www-form-urlencoded' }, body, secret);
  assert.deepEqual(verdict, { kind: 'push', provider: 'github', ref: 'refs/heads/main', branch: 'main', after: 'abc' });
});

test('tags, non-push events and missing secrets', () => {
  const tag = Buffer.from(JSON.stringify({ object_kind: 'tag_push', ref: 'refs/tags/v1' }));
  assert.equal(readWebhook({ 'x-gitlab-event': 'Tag Push Hook', 'x-gitlab-token': secret }, tag, secret).kind, 'ignored');
  const push = Buffer.from(JSON.stringify({ ref: 'refs/tags/v1' }));
  const v = readWebhook({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': secret }, push, secret);
  assert.equal(v.kind === 'push' && v.branch, undefined, 'a tag is not a branch');
  assert.equal(readWebhook({ 'x-gitlab-token': '' }, push, undefined).kind, 'unverified', 'no secret configured: nothing is verified');
  assert.equal(readWebhook({ 'x-gitlab-token': secret.slice(0, 3) }, push, secret).kind, 'unverified');
});
