// The helm plugin that runs the drift-exclusions post-renderer, written into a plugins folder of
// gitset's own (never the user's HELM_PLUGINS). Helm 4 takes a postrenderer/v1 plugin's name for
// --post-renderer; helm 3 takes an executable's path: the same launcher script serves both.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HelmDialect } from './args.ts';

export const POST_RENDER_PLUGIN = 'gitset-drift-exclusions';

export interface PostRenderer {
  /** HELM_PLUGINS for the helm call. */
  pluginsDir: string;
  /** The --post-renderer value: the plugin name (helm 4) or the launcher's path (helm 3). */
  renderer: string;
}

/** Single-quoted for sh; paths holding a quote (or `$`, which helm expands in plugin commands) are refused. */
function quoted(path: string): string {
  if (/['$\n]/.test(path)) throw new Error(`cannot run the drift-exclusions post-renderer from ${JSON.stringify(path)}: the path holds a quote, "$" or a newline`);
  return `'${path}'`;
}

function writeIfChanged(path: string, text: string, mode: number): void {
  let old: string | undefined;
  try {
    old = readFileSync(path, 'utf8');
  } catch {
    old = undefined;
  }
  if (old !== text) writeFileSync(path, text, { mode });
  chmodSync(path, mode);
}

/**
 * Writes (or refreshes) the plugin under `pluginsDir` and says how to name it to helm. Idempotent
 * and cheap: the files are only rewritten when their content differs (a new node or checkout).
 */
export function installPostRenderer(pluginsDir: string, dialect: HelmDialect): PostRenderer {
  const dir = join(pluginsDir, POST_RENDER_PLUGIN);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const main = fileURLToPath(new URL('./post-render-main.ts', import.meta.url));
  const tsx = import.meta.resolve('tsx');
  const launcher = join(dir, 'post-render.sh');
  quoted(launcher); // helm expands `$` in the plugin's command
  writeIfChanged(launcher, `#!/bin/sh\nexec ${quoted(process.execPath)} --import ${quoted(tsx)} ${quoted(main)} "$@"\n`, 0o700);
  const manifest = [
    'apiVersion: v1',
    'type: postrenderer/v1',
    `name: ${POST_RENDER_PLUGIN}`,
    'version: 1.0.0',
    'runtime: subprocess',
    'runtimeConfig:',
    '  platformCommand:',
    `  - command: ${JSON.stringify(launcher)}`,
    '',
  ].join('\n');
  writeIfChanged(join(dir, 'plugin.yaml'), manifest, 0o600);
  return { pluginsDir, renderer: dialect === 'v4' ? POST_RENDER_PLUGIN : launcher };
}
