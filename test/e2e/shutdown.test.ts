// SIGTERM while helm runs, with gitset as a real process: helm gets until --shutdown-grace, then
// it and its children are killed; what happened is recorded and committed, and gitset exits 0.
// The helm here is real helm behind a script that hangs on `upgrade` (with a child of its own),
// the one failure real helm cannot be made to produce on cue.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { alive, hangingHelm, startGitset } from './chaos.ts';
import { startFleet, waitFor, type Fleet } from './fleet.ts';

let fleet: Fleet | undefined;
after(() => fleet?.close());

test('SIGTERM during a helm upgrade: helm and its child killed at the grace period, the abort committed, exit 0', { timeout: 120_000 }, async () => {
  const f = (fleet = await startFleet());
  const helm = await hangingHelm(f.sandbox.root, f.helmPath);
  const { child, logged } = startGitset(f.sandbox.root, ['--repo', f.sandbox.repoUrl, '--credentials', f.sandbox.credentialsDir, '--work-dir', join(f.sandbox.root, 'proc'),
    '--probe-interval', '500ms', '--poll-interval', '1h', '--helm-binary', helm.path, '--shutdown-grace', '2s']);
  try {
    const sleepPid = await waitFor('helm upgrade is running', async () => Number((await readFile(helm.pidFile, 'utf8').catch(() => '')).trim()) || undefined);
    assert.ok(alive(sleepPid));
    child.kill('SIGTERM');
    const result = await child;
    assert.equal(result.exitCode, 0, `exit ${result.exitCode} ${String(result.signal)}: ${String(result.stderr)}`);
    assert.ok(logged('shutting down: taking no new work'), 'the shutdown is logged');
    assert.ok(logged('grace period over: aborting running helm and kubectl calls'));
    assert.ok(logged('stopped'), 'the end is logged');
    await waitFor('helm\'s child is gone', async () => !alive(sleepPid), 5_000);
    const release = (await f.status('ClusterProfile/kyverno.yaml'))?.status?.clusters?.[0]?.releases?.[0];
    assert.equal(release?.state, 'Failed', JSON.stringify(release));
    assert.match(release?.lastError ?? '', /shutdown/);
    const subjects = (await f.log()).map((c) => c.subject);
    assert.ok(subjects.length >= 2, 'a status commit was pushed');
  } finally {
    child.kill('SIGKILL');
  }
});
