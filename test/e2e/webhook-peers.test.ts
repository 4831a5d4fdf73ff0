// Two replicas as processes, polling once an hour: a push webhook sent to one of them (as a
// Service would pick one) is passed on to the other, which verifies it with the shared secret and
// pulls the new revision at once; the one passed on is not passed back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, waitFor, type Fleet } from './fleet.ts';
import { startReplica, type Replica } from './replicas.ts';

const SECRET = 'webhook-secret-shared-by-replicas';

let fleet: Fleet | undefined;
let work: string | undefined;
const replicas: Replica[] = [];
after(async () => {
  for (const r of replicas) r.child.kill('SIGKILL');
  await fleet?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const pushes = (r: Replica) => r.said('webhook push: cycle enqueued');
// A replica's status commit may land on top of the push before it pulls (its push rebased on it):
// the revision it then reports is its own commit. Only the push changes the inputs, so any new
// revision of the manifests after it is the push's.
const newRevisions = (r: Replica) => r.said('new revision of the manifests').length;

test('a push webhook sent to one replica reaches the other at once', { timeout: 240_000 }, async () => {
  const f = (fleet = await startFleet());
  work = await mkdtemp(join(tmpdir(), 'gitset-webhook-peers-'));
  const secretFile = join(work, 'webhook-secret');
  await writeFile(secretFile, SECRET);
  const ports = [await freePort(), await freePort()];
  const peers = ports.map((p) => `http://127.0.0.1:${p}`).join(',');
  for (const k of [0, 1]) {
    replicas.push(startReplica(f.sandbox, k, 2, { listen: `127.0.0.1:${ports[k]}`, 'webhook-peers': peers, 'webhook-secret-file': secretFile, 'poll-interval': '1h' }));
  }
  await waitFor('both replicas ran a cycle', async () => replicas.every((r) => r.lines.some((l) => l.msg === 'status committed' || l.msg === 'status unchanged')) || undefined, 120_000);

  const clone = await f.clone();
  const profile = join(clone, 'profiles', 'kyverno.yaml');
  await writeFile(profile, `${await readFile(profile, 'utf8')}# reviewed\n`);
  const before = replicas.map(newRevisions);
  const revision = await f.push(clone, 'Note a review');
  const body = JSON.stringify({ ref: 'refs/heads/main', after: revision });
  const res = await fetch(`http://127.0.0.1:${ports[0]}/hooks/git`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` },
    body,
  });
  assert.equal(res.status, 202);

  const [first, second] = replicas as [Replica, Replica];
  await waitFor('the other replica pulls the pushed revision', async () => newRevisions(second) > before[1]! || undefined, 30_000);
  await waitFor('the first one too', async () => newRevisions(first) > before[0]! || undefined, 30_000);
  assert.deepEqual(pushes(first).map((l) => [l.revision, l.forwarded]), [[revision, false]], 'the first replica got the push once, from the host');
  assert.deepEqual(pushes(second).map((l) => [l.revision, l.forwarded]), [[revision, true]], 'the second got it passed on, once');
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(pushes(first).length, 1, 'a push passed on is not passed back');
});
