// `gitset --help` lists every command without loading it (main.ts keeps a summary per command);
// each summary must be the description the command itself shows in `gitset COMMAND --help`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { COMMANDS } from '../../src/cli/main.ts';
import { processIO } from '../../src/cli/io.ts';
import { runCli } from './run-cli.ts';

test('every command appears in gitset --help with its own description', async () => {
  const r = await runCli(['--help'], { cwd: process.cwd() });
  assert.equal(r.code, 0);
  const listed = r.out.replace(/\s+/g, ' ');
  for (const entry of COMMANDS) {
    const program = new Command('gitset');
    (await entry.load()).register(program, processIO());
    const own = program.commands.find((c) => c.name() === entry.name);
    assert.ok(own, `${entry.name} registers a command of that name`);
    assert.equal(entry.summary, own.description(), `summary of ${entry.name} in main.ts`);
    assert.ok(listed.includes(` ${entry.name}`) && listed.includes(entry.summary.replace(/\s+/g, ' ')), `${entry.name} listed`);
  }
});
