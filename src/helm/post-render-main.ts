// The drift-exclusions post-renderer as helm runs it (through the plugin of post-render-plugin.ts):
// rendered manifests on stdin, the request file as the last argument, the manifests without the
// excluded paths on stdout. Any problem fails the helm call, with the reason on stderr: applying
// the manifests unstripped would reset what the exclusions protect.
import { readFileSync } from 'node:fs';
import { parsePostRenderRequest, stripExcluded } from './post-render.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

try {
  const file = process.argv[process.argv.length - 1];
  if (file === undefined || !file.startsWith('/')) throw new Error('usage: post-render-main <absolute path of the request file>');
  const req = parsePostRenderRequest(readFileSync(file, 'utf8'));
  process.stdout.write(stripExcluded(await readStdin(), req));
} catch (err) {
  process.stderr.write(`gitset drift exclusions: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
