// gitset's post-renderer as helm runs it (through the plugin of post-render-plugin.ts): rendered
// manifests on stdin, the request file as the last argument, the manifests patched and without the
// excluded paths on stdout. Any problem fails the helm call, with the reason on stderr: applying
// the manifests unpatched or unstripped would undo what the patches and exclusions are for. Helm 4
// does not pass a plugin's stderr on, so the reason is also left beside the request file, in the
// call's private folder, where gitset reads it back (install-upgrade.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { failureFile, parsePostRenderRequest, postRender } from './post-render.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const file = process.argv[process.argv.length - 1];
try {
  if (file === undefined || !file.startsWith('/')) throw new Error('usage: post-render-main <absolute path of the request file>');
  const req = parsePostRenderRequest(readFileSync(file, 'utf8'));
  process.stdout.write(postRender(await readStdin(), req));
} catch (err) {
  process.stderr.write(`gitset post-renderer: ${(err as Error).message}\n`);
  try {
    if (file?.startsWith('/')) writeFileSync(failureFile(file), (err as Error).message, { mode: 0o600 });
  } catch {
    // stderr has it; helm fails the call either way
  }
  process.exitCode = 1;
}
