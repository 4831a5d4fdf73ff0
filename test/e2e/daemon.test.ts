// The daemon around the cycle: an invalid revision pushed (and announced by a signed webhook)
// is not applied and shows in status; a stop lets running helm calls finish and commits them;
// `gitset reconcile --once` runs one cycle, says whether anything failed, and a quiet second run
// (from a fresh clone, as after a restart) changes nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import { counterTotal, startFleet, waitFor, type Fleet } from './fleet.ts';

const fleets: Fleet[] = [];
after(async () => {
  for (const f of fleets) await f.close();
});

const SECRET = 'webhook-secret-for-tests';

function signedPush(url: string, body: string, secret = SECRET): Promise<Response> {
  const signature = 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
  return fetch(`${url}/hooks/git`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature },
    body,
  });
}

test('an invalid revision is not applied: the last good one stays in force and the error is in status', { timeout: 120_000 }, async () => {
  const f = await startFleet();
  fleets.push(f);
  // No polling to speak of: only the webhook makes the daemon see new commits quickly.
  const daemon = await f.startDaemon({ pollInterval: '1h' }, { GITSET_WEBHOOK_SECRET: SECRET });
  await waitFor('the release on civo/cluster1', async () => (await f.releases('civo/cluster1')).some((r) => r.name === 'kyverno-latest'));

  // A pull request merged with a broken file, and a change that must not be applied with it.
  const work = await f.clone();
  const profile = join(work, 'profiles', 'kyverno.yaml');
  const { readFile } = await import('node:fs/promises');
  await writeFile(profile, (await readFile(profile, 'utf8')).replace('releaseName: kyverno-latest', 'releaseName: renamed'));
  await writeFile(join(work, 'broken.yaml'), 'apiVersion: lib.projectsveltos.io/v1beta1\nkind: ClusterSet\nmetadata: [not, a, mapping\n');
  const bad = await f.push(work, 'Rename the release (and break a file)');

  const unsigned = await fetch(`${daemon.url}/hooks/git`, { method: 'POST', body: JSON.stringify({ ref: 'refs/heads/main' }) });
  assert.equal(unsigned.status, 401);
  assert.equal((await signedPush(daemon.url, JSON.stringify({ ref: 'refs/heads/main', after: bad }), 'wrong-secret')).status, 401);
  assert.equal((await signedPush(daemon.url, JSON.stringify({ ref: 'refs/heads/main', after: bad }))).status, 202);

  const recorded = await waitFor('status/gitset.yaml records the failed revision', async () => {
    const s = await f.status('gitset.yaml');
    return s?.lastFailedRevision === bad ? s : undefined;
  }, 60_000);
  assert.ok(recorded.errors.some((e: string) => e.startsWith('broken.yaml:')), `errors name the file: ${recorded.errors}`);
  assert.notEqual(recorded.lastAppliedRevision, bad);
  await daemon.queue.idle();
  assert.deepEqual((await f.releases('civo/cluster1')).map((r) => r.name), ['kyverno-latest'], 'the rename was not applied');
  const prof = await f.status('ClusterProfile/kyverno.yaml');
  assert.equal(prof.spec.helmCharts[0].releaseName, 'kyverno-latest');
  assert.match(await (await fetch(`${daemon.url}/metrics`)).text(), /^gitset_invalid_revision 1$/m);
  assert.equal((await fetch(`${daemon.url}/readyz`)).status, 200, 'an invalid head is not a reason to be unready at once');

  // The fix: the broken file goes, the rename is applied, the failure record is cleared.
  await rm(join(work, 'broken.yaml'));
  const good = await f.push(work, 'Remove the broken file');
  assert.equal((await signedPush(daemon.url, JSON.stringify({ ref: 'refs/heads/main', after: good }))).status, 202);
  const cleared = await waitFor('gitset.yaml applies the fixed revision', async () => {
    const s = await f.status('gitset.yaml');
    return s?.lastAppliedRevision === good ? s : undefined;
  }, 60_000);
  assert.equal(cleared.lastFailedRevision, undefined);
  await waitFor('the renamed release replaces the old one', async () => (await f.releases('civo/cluster1')).map((r) => r.name).join() === 'renamed', 30_000);
});

test('stopping lets the running helm call finish, then commits and pushes what it did', { timeout: 120_000 }, async () => {
  const f = await startFleet();
  fleets.push(f);
  // A slow API server keeps helm busy long enough to stop in the middle of its install.
  for (const c of f.sandbox.clusters.values()) c.setLatency(40);
  const daemon = await f.startDaemon({ shutdownGrace: '60s', probeTimeout: '2s' });
  await waitFor('a helm call in flight', async () => f.logs.some((l) => l.includes('"msg":"helm install"')), 30_000);
  assert.equal(await counterTotal(f.metrics, 'gitset_helm_calls_total'), 0, 'stopping while the call runs');
  await daemon.stop('SIGTERM');
  assert.equal(await counterTotal(f.metrics, 'gitset_helm_calls_total'), 1);
  const prof = await f.status('ClusterProfile/kyverno.yaml');
  assert.equal(prof?.status?.clusters?.[0]?.releases?.[0]?.state, 'Deployed', 'the finished install was committed before exit');
  assert.equal((await f.releases('civo/cluster1'))[0]?.status, 'deployed');
});

test('reconcile --once: one cycle, exit status says whether anything failed; a second run changes nothing', { timeout: 120_000 }, async () => {
  const f = await startFleet();
  fleets.push(f);
  const run = async (workDir: string): Promise<{ code: number; out: string; log: string }> => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const chunks: string[] = [];
    const logs: string[] = [];
    stdout.on('data', (c) => chunks.push(String(c)));
    stderr.on('data', (c) => logs.push(String(c)));
    const io = { stdout, stderr, env: { ...process.env, GITSET_LOG_LEVEL: 'info', GITSET_LOG_FORMAT: 'json' }, cwd: f.sandbox.root, exitCode: 0 };
    const code = await main(['reconcile', '--once', '--repo', f.sandbox.repoUrl, '--branch', 'main', '--credentials', f.sandbox.credentialsDir, '--work-dir', workDir, '--probe-timeout', '2s'], io);
    return { code, out: chunks.join(''), log: logs.join('') };
  };
  const first = await run(join(f.sandbox.root, 'once-1'));
  assert.equal(first.code, 0, first.out);
  assert.match(first.out, /status committed/);
  assert.equal((await f.releases('civo/cluster1'))[0]?.name, 'kyverno-latest');
  const commits = (await f.log()).length;

  // A fresh work dir is a restart from nothing but the repository and its committed status. The
  // second run looks at what the first installed: it may record the release's health, nothing else.
  const second = await run(join(f.sandbox.root, 'once-2'));
  assert.equal(second.code, 0, second.out);
  assert.equal(String((await f.releases('civo/cluster1'))[0]?.revision), '1', 'no second helm call');
  const after = await f.status('ClusterProfile/kyverno.yaml');
  assert.equal(after.status.clusters[0].releases[0].health, 'Healthy');
  const settled = (await f.log()).length;
  assert.ok(settled <= commits + 1, 'at most one commit, for the health');
  const again = await run(join(f.sandbox.root, 'once-3'));
  assert.equal(again.code, 0, again.out);
  assert.match(again.out, /nothing changed/);
  assert.equal((await f.log()).length, settled);
  assert.equal(String((await f.releases('civo/cluster1'))[0]?.revision), '1', 'no helm call');

  const work = await f.clone();
  await writeFile(join(work, 'broken.yaml'), 'kind: [\n');
  await f.push(work, 'Break the repository');
  const third = await run(join(f.sandbox.root, 'once-2'));
  assert.equal(third.code, 1, third.out);
  assert.match(third.out, /invalid-revision[\s\S]*broken\.yaml/);

  // A restart on the invalid head (fresh work dir, nothing in memory) keeps the last good state.
  const fourth = await run(join(f.sandbox.root, 'once-3'));
  assert.equal(fourth.code, 1, fourth.out);
  assert.match(fourth.log, /applying the last good revision recorded in status/);
  assert.equal((await f.releases('civo/cluster1'))[0]?.name, 'kyverno-latest', 'nothing withdrawn');
  const prof = await f.status('ClusterProfile/kyverno.yaml');
  assert.equal(prof?.status?.clusters?.[0]?.releases?.[0]?.state, 'Deployed');
  const gitsetStatus = await f.status('gitset.yaml');
  assert.ok(gitsetStatus.lastAppliedRevision && gitsetStatus.lastFailedRevision);
});

test('past the grace period running helm calls are aborted, and that is what gets committed', { timeout: 120_000 }, async () => {
  const f = await startFleet();
  fleets.push(f);
  for (const c of f.sandbox.clusters.values()) c.setLatency(60);
  const daemon = await f.startDaemon({ shutdownGrace: '100ms', probeTimeout: '2s' });
  await waitFor('a helm call in flight', async () => f.logs.some((l) => l.includes('"msg":"helm install"')), 30_000);
  await daemon.stop('SIGTERM');
  const text = await f.metrics.registry.metrics();
  assert.match(text, /^gitset_helm_calls_total\{action="install",outcome="aborted"\} 1$/m);
  const release = (await f.status('ClusterProfile/kyverno.yaml'))?.status?.clusters?.[0]?.releases?.[0];
  assert.equal(release?.state, 'Failed');
  assert.match(release?.lastError ?? '', /aborted at shutdown/);
});
