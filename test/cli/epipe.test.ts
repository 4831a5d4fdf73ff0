// A reader that stops early (`gitset run --help | head -1`) closes the pipe under gitset: the
// real CLI, spawned with its stdout closed before it writes, must end quietly, not with a stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

const BIN = new URL('../../bin/gitset.js', import.meta.url).pathname;

function runWithClosedStdout(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Closed at once: the CLI needs far longer than this to load before its first write.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

for (const args of [['run', '--help'], ['--help']]) {
  test(`gitset ${args.join(' ')} into a closed pipe ends quietly`, async () => {
    const r = await runWithClosedStdout(args);
    assert.equal(r.stderr, '');
    assert.equal(r.signal, null);
    assert.equal(r.code, 0);
  });
}
