// A fresh clone's first revision is loaded from memory while its checkout is written to disk
// (git/clone.ts): the loader must read the same folder in memory exactly as on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { eachManifest, type FolderInMemory } from '../../src/load/walk.ts';
import { MAX_MANIFEST_BYTES } from '../../src/load/parse-file.ts';

/** The folder as git/clone.ts keeps a checkout in memory: every file's bytes and every link, by relative path. */
function inMemory(root: string, rel = '', out: { files: Map<string, Uint8Array>; links: string[] } = { files: new Map(), links: [] }): FolderInMemory {
  for (const name of readdirSync(join(root, rel))) {
    const p = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(root, p));
    if (st.isSymbolicLink()) out.links.push(p);
    else if (st.isDirectory()) inMemory(root, p, out);
    else out.files.set(p, readFileSync(join(root, p)));
  }
  return out;
}

async function read(dir: string, opts: { statusDir?: string; inMemory?: FolderInMemory }): Promise<{ files: string[]; diagnostics: string[] }> {
  const files: string[] = [];
  const diagnostics = await eachManifest(dir, opts, (f) => files.push(`${f.path}: ${f.text}`));
  return { files, diagnostics: diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.message}`).sort() };
}

test('a folder in memory is read as the same folder on disk: the same manifests, texts and diagnostics', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitset-in-memory-'));
  try {
    const files: Record<string, string | Buffer> = {
      'clusters/a.yaml': 'kind: SveltosCluster\n',
      'clusters/deep/b.yml': 'kind: ClusterSet\n',
      'profiles/C.YAML': 'kind: ClusterProfile\n',
      'README.md': '# not a manifest\n',
      '.gitlab-ci.yml': 'stages: []\n',
      '.github/workflows/ci.yaml': 'on: push\n',
      'node_modules/pkg/x.yaml': 'a: 1\n',
      'status/SveltosCluster/a.yaml': 'ready: true\n',
      'ops/status/kept.yaml': 'kind: ClusterSet\n',
      'big.yaml': `a: "${'x'.repeat(MAX_MANIFEST_BYTES)}"\n`,
      'latin1.yaml': Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]),
    };
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    symlinkSync('clusters/a.yaml', join(dir, 'link.yaml'));
    symlinkSync('clusters', join(dir, 'linked-folder'));
    symlinkSync('../a.yaml', join(dir, 'clusters/deep/up.yaml'));
    symlinkSync('x', join(dir, '.hidden-link'));
    symlinkSync('x', join(dir, '.github/inside.yaml'));
    symlinkSync('x', join(dir, 'status/s.yaml'));
    for (const statusDir of [undefined, 'ops/status']) {
      const onDisk = await read(dir, statusDir ? { statusDir } : {});
      assert.ok(onDisk.files.length >= 4 && onDisk.diagnostics.length >= 4, JSON.stringify(onDisk));
      assert.deepEqual(await read(dir, { ...(statusDir ? { statusDir } : {}), inMemory: inMemory(dir) }), onDisk);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
