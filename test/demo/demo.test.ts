// `npm start` is the first thing a user runs: the demo must fail over on example-repo/ and
// leave nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { runDemo } from '../../src/demo/demo.ts';

test('gitset demo narrates a failover on example-repo and cleans up', { timeout: 180_000 }, async () => {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c) => chunks.push(String(c)));
  const summary = await runDemo({ out, isTTY: false, env: process.env, keepRunning: false, interrupted: new Promise(() => {}), waitTimeoutMs: 90_000 });
  const text = chunks.join('');
  assert.notEqual(summary.from, summary.to);
  assert.match(text, /gitset show addons:/);
  assert.match(text, new RegExp(`${summary.set} failed over from ${summary.from} to ${summary.to}`));
  assert.match(text, /git log on the Git server/);
  assert.doesNotMatch(text, /\x1b\[/, 'no terminal escapes when not on a terminal');
  const root = /log: (\/\S+)\/gitset\.log/.exec(text)?.[1];
  assert.ok(root, 'the demo says where its files are');
  assert.equal(existsSync(root), false, 'the temporary folder is removed');
  console.log(`# demo failover time: ${summary.failoverMs} ms`);
});
