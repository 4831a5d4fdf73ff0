#!/usr/bin/env node
// Runs the JavaScript compiled from src/ into dist/ (`npm ci` builds it, through the prepare
// script): nothing is transpiled when gitset starts.

// A reader that stops early (`gitset run --help | head -1`) closes the pipe: that is the reader's
// choice, not a failure of ours, so end quietly as a shell tool would, without a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
}

let main;
try {
  ({ main } = await import('../dist/cli/main.js'));
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/cli/main.js')) throw err;
  process.stderr.write('gitset: not built (dist/cli/main.js is missing); run `npm ci` or `npm run build` first\n');
  process.exit(1);
}
process.exitCode = await main(process.argv.slice(2));
