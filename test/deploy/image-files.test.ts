// scripts/image-files.js, the stand-in for `docker build` on CI: it assembles the image's files
// (here from node_modules, --local, as the registry may be out of reach) and holds them to a limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

const ROOT = new URL('../..', import.meta.url).pathname;

test('the image holds production packages, compiled code, helm and kubectl, and fails above its limit', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'gitset-image-test-')), 'files');
  try {
    const r = await execa(process.execPath, [join(ROOT, 'scripts', 'image-files.js'), '--local', '--out', out, '--limit-mb', '1'], { cwd: ROOT, reject: false });
    assert.equal(r.exitCode, 1, r.stderr);
    // The size is the one problem: no dev-only package, and the CLI starts from these files.
    const problems = String(r.stderr).trim().split('\n');
    assert.equal(problems.length, 1, String(r.stderr));
    assert.match(problems[0]!, /^image-files: the image would be \d+\.\d MB, above 1 MB$/);
    assert.match(String(r.stdout), /MB {2}helm\n/);
    assert.match(String(r.stdout), /MB {2}kubectl \(policyRefs, kustomize\)\n/);
    assert.match(String(r.stdout), /MB {2}image total \(limit 1 MB\)/);
    const app = join(out, 'app');
    for (const dev of ['aws-cdk-lib', '@aws-cdk', 'typescript', 'tsx']) assert.equal(existsSync(join(app, 'node_modules', dev)), false, dev);
    for (const needed of ['commander', 'ajv', 'isomorphic-git', 'pino']) assert.ok(existsSync(join(app, 'node_modules', needed)), needed);
    assert.ok(existsSync(join(app, 'dist', 'cli', 'main.js')));
    assert.ok(existsSync(join(app, 'dist', 'load', 'kind-validators.cjs')), 'validators compiled at build time');
    for (const tool of ['helm', 'kubectl']) assert.ok(existsSync(join(out, 'usr', 'local', 'bin', tool)), tool);
    assert.equal(existsSync(join(app, 'src')), false, 'no TypeScript sources');
    // The deps stage's pruning: nothing Node loads at run time, and the CLI still starts (no second problem above).
    const pruned = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? pruned(join(dir, e.name)) : /\.(d\.ts|map|md)$/.test(e.name) ? [join(dir, e.name)] : []));
    assert.deepEqual(pruned(join(app, 'node_modules')), []);
    assert.match(String(r.stdout), /MB {2}node binary \(v\d+\.\d+\.\d+, (stripped|not stripped: no strip here)\)\n/);
  } finally {
    rmSync(join(out, '..'), { recursive: true, force: true });
  }
});
