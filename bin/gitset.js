#!/usr/bin/env node
// Runs the JavaScript compiled from src/ into dist/ and bundled into dist/bundle/ (`npm ci` builds
// both, through the prepare script): nothing is transpiled when gitset starts, and the command's
// modules come from a few chunks rather than hundreds of files (scripts/bundle.js).

// A reader that stops early (`gitset run --help | head -1`) closes the pipe: that is the reader's
// choice, not a failure of ours, so end quietly as a shell tool would, without a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
}

// The bundle first; the image leaves it out (the daemon starts once), and runs dist/ as tsc wrote it.
const entries = ['../dist/bundle/main.js', '../dist/cli/main.js'].map((path) => new URL(path, import.meta.url));
let main;
for (const entry of entries) {
  try {
    ({ main } = await import(entry.href));
    break;
  } catch (err) {
    // Only the entry itself missing sends us on; a package or chunk missing from it is an error.
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || err.url !== entry.href) throw err;
  }
}
if (!main) {
  process.stderr.write('gitset: not built (dist/bundle/main.js and dist/cli/main.js are missing); run `npm ci` or `npm run build` first\n');
  process.exit(1);
}
process.exitCode = await main(process.argv.slice(2));
