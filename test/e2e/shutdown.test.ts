// SIGTERM while helm runs, with gitset as a real process: helm gets until --shutdown-grace, then
// it and its children are killed; what happened is recorded and committed, and gitset exits 0.
// The helm here is real helm behind a script that hangs on `upgrade` (with a child of its own),
// the one failure real helm cannot be made to produce on cue.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { PROJECT_ROOT } from '../../src/daemon/wiring.ts';
import { startFleet, waitFor, type Fleet } from './fleet.ts';

let fleet: Fleet | undefined;
after(() => fleet?.close());

/** A helm that hangs on `upgrade` (its `sleep` child's pid in `pidFile`) and is real helm otherwise. */
export async function hangingHelm(dir: string, realHelm: string): Promise<{ path: string; pidFile: string }> {
  const path = join(dir, 'hanging-helm');
  const pidFile = join(dir, 'hanging-helm.pid');
  await writeFile(path, `#!/bin/sh\nif [ "$1" = upgrade ]; then\n  sleep 300 &\n  echo $! > '${pidFile}'\n  wait $!\n  exit 1\nfi\nexec '${realHelm}' "$@"\n`);
  await chmod(path, 0o755);
  return { path, pidFile };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('SIGTERM during a helm upgrade: helm and its child killed at the grace period, the abort committed, exit 0', { timeout: 120_000 }, async () => {
  const f = (fleet = await startFleet());
  const helm = await hangingHelm(f.sandbox.root, f.helmPath);
  const lines: Array<Record<string, unknown>> = [];
  const child = execa(
    process.execPath,
    [join(PROJECT_ROOT, 'bin', 'gitset.js'), 'run', '--repo', f.sandbox.repoUrl, '--credentials', f.sandbox.credentialsDir, '--work-dir', join(f.sandbox.root, 'proc'),
      '--listen', '127.0.0.1:0', '--probe-interval', '500ms', '--poll-interval', '1h', '--helm-binary', helm.path, '--shutdown-grace', '2s', '--log-format', 'json'],
    { cwd: f.sandbox.root, reject: false, stdin: 'ignore' },
  );
  child.stdout?.on('data', (chunk: Buffer) => {
    for (const l of String(chunk).split('\n').filter(Boolean)) {
      try {
        lines.push(JSON.parse(l));
      } catch {
        lines.push({ unparsed: l });
      }
    }
  });
  try {
    const sleepPid = await waitFor('helm upgrade is running', async () => Number((await readFile(helm.pidFile, 'utf8').catch(() => '')).trim()) || undefined);
    assert.ok(alive(sleepPid));
    child.kill('SIGTERM');
    const result = await child;
    assert.equal(result.exitCode, 0, `exit ${result.exitCode} ${String(result.signal)}: ${String(result.stderr)}`);
    assert.ok(lines.some((l) => l.msg === 'shutting down: taking no new work'), 'the shutdown is logged');
    assert.ok(lines.some((l) => l.msg === 'stopped'), 'the end is logged');
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
