#!/usr/bin/env node
// Compiles src/ to dist/ with tsc (tsconfig.build.json) when dist/ is older than the sources, so
// that `gitset` starts without transpiling, the JSON Schemas to ajv's validator code, and bundles
// the CLI into dist/bundle/ (scripts/bundle.js), which bin/gitset.js starts from. Run by
// `npm ci` (prepare), `npm start` and `npm test`; `--force` (`npm run build`) compiles everything
// whatever the dates say. Exits with tsc's status, or 1 when bundling fails.
import { existsSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { BUNDLE_ENTRY, bundle } from './bundle.js';

const root = new URL('..', import.meta.url).pathname;
const stamp = join(root, 'dist', '.built');
const entry = join(root, 'dist', 'cli', 'main.js');
const bundleEntry = join(root, BUNDLE_ENTRY);
const buildInfo = join(root, 'dist', '.tsbuildinfo');
const INPUTS = ['src', 'schemas', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

/** Newest modification time of a file or of anything under a folder (folders count: a deleted file changes them). */
function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = s.mtimeMs;
  for (const e of readdirSync(path)) t = Math.max(t, newest(join(path, e)));
  return t;
}

export function isStale() {
  if (!existsSync(stamp) || !existsSync(entry) || !existsSync(bundleEntry)) return true;
  const built = statSync(stamp).mtimeMs;
  return INPUTS.some((p) => newest(join(root, p)) > built);
}

/** ajv's code for schemas/*.json, compiled once here instead of at every start (src/load/schemas.ts). */
async function precompileValidators() {
  const schemas = await import('../dist/load/schemas.js');
  writeFileSync(join(root, 'dist', 'load', schemas.PRECOMPILED_VALIDATORS), schemas.precompiledValidatorsSource());
}

/** dist/bundle/ from dist/, written afresh (chunk names change with their content). */
async function bundled() {
  try {
    await bundle(root);
    return true;
  } catch (err) {
    const missing = err?.code === 'ERR_MODULE_NOT_FOUND' && /'esbuild'/.test(err.message);
    console.error(missing
      ? 'gitset: cannot bundle dist/: esbuild is not installed (a dev dependency; run `npm ci` without --omit=dev)'
      : `gitset: bundling dist/ failed: ${err?.message ?? err}`);
    return false;
  }
}

export async function build({ force = false } = {}) {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    console.error('gitset: cannot compile src/ to dist/: typescript is not installed (a dev dependency; run `npm ci` without --omit=dev)');
    return 1;
  }
  // tsc --incremental re-emits only what changed: a deleted output would stay missing.
  if (force || !existsSync(entry)) rmSync(buildInfo, { force: true });
  const started = Date.now();
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('gitset: compiling src/ to dist/ failed (see above)');
    return result.status ?? 1;
  }
  await precompileValidators();
  if (!(await bundled())) return 1;
  // Dated when the compile started: a source saved while tsc ran is newer, so the next run compiles again.
  writeFileSync(stamp, `${new Date(started).toISOString()}\n`);
  utimesSync(stamp, started / 1000, started / 1000);
  console.error(`gitset: compiled src/ to dist/ and bundled the CLI in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return 0;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const force = process.argv.includes('--force');
  process.exitCode = force || isStale() ? await build({ force }) : 0;
}
