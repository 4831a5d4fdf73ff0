// `gitset run` as a real process: JSON logs on stdout, SIGHUP enqueues a cycle, SIGTERM stops it
// cleanly with exit status 0 after the status is committed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execa } from 'execa';
import { PROJECT_ROOT } from '../../src/daemon/wiring.ts';
import { startFleet, waitFor, type Fleet } from './fleet.ts';

let fleet: Fleet | undefined;
after(() => fleet?.close());

test('gitset run: logs JSON, answers SIGHUP with a cycle, exits 0 on SIGTERM', { timeout: 120_000 }, async () => {
  const f = (fleet = await startFleet());
  const lines: Array<Record<string, unknown>> = [];
  const child = execa(
    process.execPath,
    [join(PROJECT_ROOT, 'bin', 'gitset.js'), 'run', '--repo', f.sandbox.repoUrl, '--credentials', f.sandbox.credentialsDir, '--work-dir', join(f.sandbox.root, 'proc'), '--listen', '127.0.0.1:0', '--probe-interval', '1h', '--poll-interval', '1h', '--log-level', 'debug'],
    { cwd: f.sandbox.root, env: { GITSET_GIT_TOKEN: 'never-logged-token' }, reject: false, stdin: 'ignore' },
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
    const url = await waitFor('the daemon announces its URL', async () => lines.find((l) => l.msg === 'gitset is running')?.url as string | undefined);
    await waitFor('ready after the first cycle', async () => (await fetch(`${url}/readyz`)).status === 200);
    await waitFor('the release is recorded', async () => (await f.status('ClusterProfile/kyverno.yaml'))?.status?.clusters?.[0]?.releases?.[0]?.state === 'Deployed');

    const cycles = () => lines.filter((l) => l.msg === 'cycle done').length;
    const before = cycles();
    child.kill('SIGHUP');
    await waitFor('SIGHUP runs a cycle', async () => cycles() > before || undefined);
    assert.ok(lines.some((l) => l.msg === 'SIGHUP: cycle enqueued'));

    child.kill('SIGTERM');
    const result = await child;
    assert.equal(result.exitCode, 0, String(result.stderr));
    assert.ok(lines.some((l) => l.msg === 'stopped'));
    assert.ok(lines.every((l) => typeof l.level === 'number' && typeof l.time === 'string'), 'every line is pino JSON');
    const logged = JSON.stringify(lines);
    assert.doesNotMatch(logged, /never-logged-token/);
    assert.match(logged, /"cluster":"civo\/cluster1"/, 'lines about a cluster name it');
  } finally {
    child.kill('SIGKILL');
  }
});
