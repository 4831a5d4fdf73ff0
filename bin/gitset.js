#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx: no build step between `npm ci` and `gitset`.
import { register } from 'tsx/esm/api';

// A reader that stops early (`gitset run --help | head -1`) closes the pipe: that is the reader's
// choice, not a failure of ours, so end quietly as a shell tool would, without a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
}

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
