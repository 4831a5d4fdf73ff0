// What a pull request can put into the repository besides manifests: symbolic links out of it,
// huge files, bytes that are not UTF-8. Each is a diagnostic naming the file, never a read of
// something outside the repository, never a parse that takes minutes.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type { Worker } from 'node:worker_threads';
import { loadRepository, parseFile } from '../../src/load/index.ts';
import { MAX_MANIFEST_BYTES } from '../../src/load/parse-file.ts';

const root = mkdtempSync(join(tmpdir(), 'gitset-hostile-'));
after(() => rmSync(root, { recursive: true, force: true }));

const cluster = (name: string): string =>
  `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: ${name}, namespace: civo}\n`;

/** A repository folder with `files`, plus a folder outside it holding a manifest of its own. */
function repository(name: string, files: Record<string, string | Buffer>): { repo: string; outside: string } {
  const base = join(root, name);
  const repo = join(base, 'repo');
  const outside = join(base, 'outside');
  mkdirSync(repo, { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'secret.yaml'), cluster('from-outside'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(repo, path, '..'), { recursive: true });
    writeFileSync(join(repo, path), text);
  }
  return { repo, outside };
}

describe('symbolic links', () => {
  test('a link to a file outside the repository is an error naming it, and is never read', async () => {
    const { repo, outside } = repository('file-link', { 'a.yaml': cluster('a') });
    symlinkSync(join(outside, 'secret.yaml'), join(repo, 'b.yaml'));
    const loaded = await loadRepository(repo);
    assert.deepEqual(loaded.diagnostics.map((d) => [d.file, d.severity, d.code]), [['b.yaml', 'error', 'read-error']]);
    assert.deepEqual(loaded.clusters.map((c) => c.metadata.name), ['a']);
  });

  test('a link to a folder is an error naming it, and nothing under it is read', async () => {
    const { repo, outside } = repository('dir-link', { 'clusters/a.yaml': cluster('a') });
    symlinkSync(outside, join(repo, 'clusters', 'more'));
    const loaded = await loadRepository(repo);
    assert.deepEqual(loaded.diagnostics.map((d) => [d.file, d.severity, d.code]), [['clusters/more', 'error', 'read-error']]);
    assert.deepEqual(loaded.clusters.map((c) => c.metadata.name), ['a']);
  });

  test('links inside skipped folders (hidden, node_modules, status) are not reported', async () => {
    const { repo, outside } = repository('skipped-link', { 'a.yaml': cluster('a'), '.github/x': '', 'status/s.yaml': '' });
    symlinkSync(outside, join(repo, '.github', 'o'));
    symlinkSync(outside, join(repo, 'status', 'o'));
    symlinkSync(outside, join(repo, '.hidden'));
    assert.deepEqual((await loadRepository(repo)).diagnostics, []);
    // A hidden file is not a manifest (`.gitlab-ci.yml`): a hidden link of that name is not read either.
    symlinkSync(join(outside, 'secret.yaml'), join(repo, '.b.yaml'));
    assert.deepEqual((await loadRepository(repo)).diagnostics, []);
    // A visible one is reported.
    symlinkSync(join(outside, 'secret.yaml'), join(repo, 'b.yaml'));
    assert.deepEqual((await loadRepository(repo)).diagnostics.map((d) => d.file), ['b.yaml']);
  });
});

describe('file size', () => {
  test('a manifest over the limit is an error naming the file and the limit, and is not parsed', async () => {
    const big = `${cluster('big')}data:\n${'#'.repeat(MAX_MANIFEST_BYTES)}\n`;
    const { repo } = repository('too-large', { 'a.yaml': cluster('a'), 'big.yaml': big });
    const loaded = await loadRepository(repo);
    assert.deepEqual(loaded.diagnostics.map((d) => [d.file, d.code]), [['big.yaml', 'read-error']]);
    assert.match(loaded.diagnostics[0]!.message, /1 MiB/);
    assert.deepEqual(loaded.clusters.map((c) => c.metadata.name), ['a']);
    // Texts that do not come from a folder (a Git tree) are held to the same limit.
    assert.deepEqual(parseFile('big.yaml', big).diagnostics.map((d) => d.code), ['read-error']);
  });

  test('a large flat mapping below the limit parses, and a duplicate key in it is still reported where it is', () => {
    const lines: string[] = [];
    for (let i = 0; lines.join('\n').length < MAX_MANIFEST_BYTES - 100_000; i++) {
      for (let j = 0; j < 1000; j++) lines.push(`  key${i * 1000 + j}: v`);
    }
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n${lines.join('\n')}\n  key7: again\n`;
    assert.ok(Buffer.byteLength(text) < MAX_MANIFEST_BYTES);
    const r = parseFile('flat.yaml', text);
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.line, d.col]), [['yaml-syntax', lines.length + 5, 3]]);
    const ok = parseFile('flat.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n${lines.join('\n')}\n`);
    assert.deepEqual(ok.diagnostics.map((d) => d.code), [], 'a ConfigMap is read (policyRefs content); its keys are checked only when a profile names it');
  });

  test('duplicate keys are reported in block and flow mappings, at every depth; equal-looking keys of other types are not duplicates', () => {
    const r = parseFile('d.yaml', `${cluster('a')}spec: {paused: true, paused: false}\n---\nkind: X\nkind: Y\n---\na: {1: x, "1": y}\n`);
    assert.deepEqual(r.diagnostics.filter((d) => d.code === 'yaml-syntax').map((d) => [d.line, d.col]), [[4, 22], [7, 1]]);
  });
});

describe('many keys in one mapping', () => {
  test('every diagnostic about one of thousands of annotations points at its own line', () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `    gitset.dev/unknown-${i}: x`);
    const text = `apiVersion: lib.projectsveltos.io/v1beta1\nkind: ClusterSet\nmetadata:\n  name: prod\n  annotations:\n${keys.join('\n')}\nspec: {maxReplicas: 1, clusterSelector: {matchLabels: {a: b}}}\n`;
    const warnings = parseFile('a.yaml', text).diagnostics.filter((d) => d.code === 'bad-annotation').sort((a, b) => a.line - b.line);
    assert.equal(warnings.length, keys.length);
    warnings.forEach((d, i) => assert.deepEqual([d.line, d.col, d.field], [i + 6, `    gitset.dev/unknown-${i}: `.length + 1, `metadata.annotations.gitset.dev/unknown-${i}`]));
  });
});

describe('encoding', () => {
  test('bytes that are not UTF-8 are an error naming the file and the line, not silently U+FFFD', async () => {
    const bad = Buffer.concat([Buffer.from(`${cluster('bad')}metadata2:\n  x: caf`), Buffer.from([0xe9]), Buffer.from('\n')]);
    const { repo } = repository('latin1', { 'a.yaml': cluster('a'), 'bad.yaml': bad, 'ok.yaml': `${cluster('ok')}# café ☃ 𝄞\n` });
    const loaded = await loadRepository(repo);
    assert.deepEqual(loaded.diagnostics.map((d) => [d.file, d.line, d.col, d.code]), [['bad.yaml', 5, 9, 'read-error']]);
    assert.deepEqual(loaded.clusters.map((c) => c.metadata.name), ['a', 'ok']);
  });

  test('overlong forms and surrogates are refused too; a byte order mark is kept as before', async () => {
    const { repo } = repository('overlong', {
      'overlong.yaml': Buffer.from([0x61, 0x3a, 0x20, 0xc0, 0xaf, 0x0a]),
      'surrogate.yaml': Buffer.from([0x61, 0x3a, 0x20, 0xed, 0xa0, 0x80, 0x0a]),
      'bom.yaml': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(cluster('bom'))]),
    });
    const loaded = await loadRepository(repo);
    assert.deepEqual(loaded.diagnostics.map((d) => [d.file, d.line, d.col, d.code]), [
      ['overlong.yaml', 1, 4, 'read-error'],
      ['surrogate.yaml', 1, 4, 'read-error'],
    ]);
    assert.deepEqual(loaded.clusters.map((c) => c.metadata.name), ['bom']);
  });
});

describe('a repository of many files (read on a worker thread)', () => {
  test('the same objects and diagnostics as the small-repository reads, in the same order', async () => {
    const files: Record<string, string | Buffer> = {};
    for (let i = 0; i < 1500; i++) files[`clusters/team-${i % 7}/c${String(i).padStart(4, '0')}.yaml`] = cluster(`c${String(i).padStart(4, '0')}`);
    const hostile = {
      'clusters/team-3/big.yaml': `${cluster('big')}data:\n${'#'.repeat(MAX_MANIFEST_BYTES)}\n`,
      'clusters/team-5/bad.yaml': Buffer.concat([Buffer.from(`${cluster('bad')}x: caf`), Buffer.from([0xe9]), Buffer.from('\n')]),
      'clusters/team-1/.hidden.yaml': cluster('hidden'),
      'status/SveltosCluster/civo/c0001.yaml': cluster('status'),
    };
    const many = repository('many', { ...files, ...hostile });
    symlinkSync(join(many.outside, 'secret.yaml'), join(many.repo, 'clusters', 'team-2', 'link.yaml'));
    const few = repository('few', { ...hostile, 'clusters/team-0/c0000.yaml': cluster('c0000'), 'clusters/team-2/c0002.yaml': cluster('c0002') });
    symlinkSync(join(few.outside, 'secret.yaml'), join(few.repo, 'clusters', 'team-2', 'link.yaml'));
    const small = await loadRepository(few.repo);
    const said = (r: typeof small) => r.diagnostics.map((d) => [d.file, d.line, d.col, d.code, d.message]);
    const expect = async (how: string): Promise<void> => {
      const large = await loadRepository(many.repo);
      assert.equal(large.clusters.length, 1500, how);
      assert.deepEqual(large.clusters.map((c) => c.metadata.name), Object.keys(files).map((p) => p.slice(-10, -5)).sort(), how);
      assert.ok(!large.clusters.some((c) => ['big', 'bad', 'hidden', 'status', 'from-outside'].includes(c.metadata.name)), how);
      assert.deepEqual(said(large), said(small), how);
      assert.deepEqual(said(large).map((d) => d[0]), ['clusters/team-2/link.yaml', 'clusters/team-3/big.yaml', 'clusters/team-5/bad.yaml'], how);
    };
    await expect('read on the worker');
    // The worker dies after handing over its first batch (what it sent later is lost): the rest is read on the main thread.
    let handed = 0;
    await withWorker((Real) => class extends Real {
      override emit(event: string | symbol, ...args: unknown[]): boolean {
        if (event === 'message' && handed++ > 0) {
          if (handed === 2) void this.terminate();
          return false;
        }
        return super.emit(event, ...args);
      }
    }, () => expect('the worker dies after one batch'));
    assert.ok(handed >= 2, 'the worker had more than one batch to hand over');
    // No thread can be started (a pids limit, say): Worker's constructor throws, and all is read here.
    await withWorker(() => class {
      constructor() {
        throw Object.assign(new Error('Worker initialization failure: EAGAIN'), { code: 'ERR_WORKER_INIT_FAILED' });
      }
    } as unknown as typeof Worker, () => expect('no worker can start'));
  });
});

/** Runs `fn` with node:worker_threads' Worker replaced (also for ES modules' imports of it), then puts it back. */
async function withWorker(make: (real: typeof Worker) => typeof Worker, fn: () => Promise<void>): Promise<void> {
  const threads = createRequire(import.meta.url)('node:worker_threads') as { Worker: typeof Worker };
  const real = threads.Worker;
  threads.Worker = make(real);
  syncBuiltinESMExports();
  try {
    await fn();
  } finally {
    threads.Worker = real;
    syncBuiltinESMExports();
  }
}
