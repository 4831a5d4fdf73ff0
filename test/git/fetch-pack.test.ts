// The first clone fetched and indexed by gitset (src/git/fetch-pack.ts) and objects read straight
// from packs (src/git/pack-read.ts): checked against git itself on packs with deltas.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';
import { join } from 'node:path';
import fc from 'fast-check';
import { indexPack, PackIndexer, type IndexedPack } from '../../src/git/pack-index.ts';
import { GitError } from '../../src/git/errors.ts';
import { openRepo } from '../../src/git/open.ts';
import { buildPackIndex } from '../../src/git/pack.ts';
import { readPacked } from '../../src/git/pack-read.ts';
import { readBlob, treeEntries } from '../../src/git/store.ts';
import { captureLogger, fixture, gitCli, USER, writeFiles, type Fixture } from './helpers.ts';

/** A manifest long enough that git stores its next versions as deltas. */
function manifest(round: number): string {
  const lines = Array.from({ length: 200 }, (_, i) => `  key${i}: value ${i}${i === 100 ? ` round ${round}` : ''}`);
  return `kind: ClusterProfile\nspec:\n${lines.join('\n')}\n`;
}

/** A local repository of several commits, repacked by git with deltas; its pack and index. */
async function deltaRepo(dir: string): Promise<{ pack: Buffer; idx: Buffer }> {
  await mkdir(dir, { recursive: true });
  await gitCli(dir, ['init', '-q', '-b', 'main']);
  for (let round = 0; round < 4; round++) {
    await writeFiles(dir, { 'profiles/a.yaml': manifest(round), 'profiles/b.yaml': manifest(round + 10), [`status/r${round}.yaml`]: `round: ${round}\n` });
    await gitCli(dir, ['add', '-A']);
    await gitCli(dir, ['commit', '-q', '-m', `round ${round}`]);
  }
  await gitCli(dir, ['repack', '-q', '-a', '-d', '-f', '--depth=10']);
  const packDir = join(dir, '.git', 'objects', 'pack');
  const name = (await readdir(packDir)).find((n) => n.endsWith('.pack'))!;
  return { pack: await readFile(join(packDir, name)), idx: await readFile(join(packDir, name.replace(/\.pack$/, '.idx'))) };
}

describe('first clone fetched and indexed by gitset', () => {
  let fx: Fixture;
  before(async () => {
    fx = await fixture();
  });
  after(async () => {
    await fx.close();
  });

  test('a pack with deltas is indexed byte for byte as git index-pack does; every version reads back as git shows it', async () => {
    const dir = join(fx.tmp, 'deltas');
    const { pack, idx } = await deltaRepo(dir);
    assert.match(await gitCli(dir, ['verify-pack', '-v', join(dir, '.git', 'objects', 'pack', (await readdir(join(dir, '.git', 'objects', 'pack'))).find((n) => n.endsWith('.idx'))!)]), /chain length = [1-9]/, 'the pack holds deltas');
    assert.ok(buildPackIndex(indexPack(pack)).equals(idx), 'same index as git');

    const store = { gitdir: join(dir, '.git'), cache: {} };
    for (let back = 0; back < 4; back++) {
      const rev = `HEAD~${back}`;
      const profiles = (await gitCli(dir, ['rev-parse', `${rev}:profiles`])).trim();
      const entries = await treeEntries(store, profiles);
      assert.deepEqual(entries.map((e) => [e.path, e.mode, e.type]), [['a.yaml', '100644', 'blob'], ['b.yaml', '100644', 'blob']]);
      assert.equal(Buffer.from(await readBlob(store, entries[0]!.oid)).toString('utf8'), manifest(3 - back));
      assert.equal(Buffer.from(await readBlob(store, entries[1]!.oid)).toString('utf8'), manifest(13 - back));
    }
  });

  test('a pack arriving in pieces of any size is indexed as the whole pack is, objects and all', async () => {
    const { pack } = await deltaRepo(join(fx.tmp, 'pieces'));
    const whole = new PackIndexer();
    whole.push(pack);
    const reference = whole.end();
    const objects = (x: IndexedPack) => [...x.objects].sort((a, b) => a[0] - b[0]).map(([at, o]) => [at, o.type, o.data.toString('hex')]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 200 }), (sizes) => {
        const indexer = new PackIndexer();
        for (let at = 0, i = 0; at < pack.length; at += sizes[i++ % sizes.length]!) indexer.push(pack.subarray(at, at + sizes[i % sizes.length]!));
        // Objects are read as their bytes come, not all at the end (a large one waits until what came of it doubled).
        if (Math.max(...sizes) * 3 < pack.length) assert.ok(indexer.read > 0, 'objects were read before the last byte');
        const got = indexer.end();
        assert.ok(buildPackIndex(got.pack).equals(buildPackIndex(reference.pack)));
        assert.deepEqual(objects(got), objects(reference));
      }),
      { numRuns: 200 },
    );
    // One byte at a time, and a pack whose last bytes never came.
    const bytewise = new PackIndexer();
    for (let i = 0; i < pack.length; i++) bytewise.push(pack.subarray(i, i + 1));
    assert.ok(bytewise.read >= reference.pack.entries.length / 2, `${bytewise.read} of ${reference.pack.entries.length} read before the end`);
    assert.ok(buildPackIndex(bytewise.end().pack).equals(buildPackIndex(reference.pack)));
    const cut = new PackIndexer();
    cut.push(pack.subarray(0, pack.length - 30));
    assert.throws(() => cut.end(), /checksum/);
    const altered = Buffer.from(pack);
    altered[Math.floor(pack.length / 2)]! ^= 0xff;
    const bad = new PackIndexer();
    bad.push(altered);
    assert.throws(() => bad.end(), /checksum/);
  });

  test('two packs of one clone: an offset names an object in its own pack only', async () => {
    // Pack A: a blob at offset 12 and a delta on it; pack B: another blob at offset 12. Reading A's
    // delta keeps its base; B's object at the same offset must still be B's (a deepened or
    // fetched pack beside the clone's).
    const entry = (kind: number, size: number, rest: Buffer[]): Buffer => {
      const head = [((kind << 4) | (size & 0x0f)) | (size > 15 ? 0x80 : 0)];
      for (let n = size >> 4; n > 0; n >>= 7) head.push((n & 0x7f) | (n >> 7 > 0 ? 0x80 : 0));
      return Buffer.concat([Buffer.from(head), ...rest]);
    };
    const packOf = (entries: Buffer[]): Buffer => {
      const body = Buffer.concat([Buffer.from('PACK\0\0\0\x02', 'latin1'), Buffer.from([0, 0, 0, entries.length]), ...entries]);
      return Buffer.concat([body, createHash('sha1').update(body).digest()]);
    };
    const base = Buffer.from('kind: ClusterSet\nmetadata: {name: a}\n');
    const result = Buffer.from('kind: ClusterSet\nmetadata: {name: b}\n');
    const delta = Buffer.concat([Buffer.from([base.length, result.length, result.length]), result]); // insert-only
    const first = entry(3, base.length, [deflateSync(base)]);
    const a = packOf([first, entry(6, delta.length, [Buffer.from([first.length]), deflateSync(delta)])]);
    const other = Buffer.from('kind: SveltosCluster\nmetadata: {name: c}\n');
    const b = packOf([entry(3, other.length, [deflateSync(other)])]);
    const gitdir = join(fx.tmp, 'two-packs', '.git');
    const packDir = join(gitdir, 'objects', 'pack');
    await mkdir(packDir, { recursive: true });
    for (const bytes of [a, b]) {
      const pack = indexPack(bytes);
      await writeFile(join(packDir, `pack-${pack.checksum}.pack`), bytes);
      await writeFile(join(packDir, `pack-${pack.checksum}.idx`), buildPackIndex(pack));
    }
    const cache = {};
    const oid = (data: Buffer) => createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
    assert.equal(readPacked(gitdir, cache, oid(result))?.data.toString(), result.toString());
    assert.equal(readPacked(gitdir, cache, oid(other))?.data.toString(), other.toString());
    assert.equal(readPacked(gitdir, cache, oid(base))?.data.toString(), base.toString());
  });

  test('a pack cut short or altered is refused', () => {
    const pack = Buffer.from('PACK\0\0\0\x02\0\0\0\x01', 'latin1');
    assert.throws(() => indexPack(Buffer.concat([pack, Buffer.alloc(40)])), /checksum/);
    assert.throws(() => indexPack(Buffer.from('not a pack')), /no pack/);
  });

  test('a clone over smart HTTP passes git fsck and holds the branch; a missing branch is branch-not-found', async () => {
    const url = await fx.seed('fetched', { 'clusters/c1.yaml': 'kind: SveltosCluster\n', 'status/s.yaml': 'ready: true\n', 'profiles/p.yaml': manifest(1) });
    const workDir = join(fx.tmp, 'work', 'fetched');
    const repo = openRepo({ url, branch: 'main', workDir, auth: USER, logger: captureLogger() });
    const pulled = await repo.pull();
    await gitCli(workDir, ['fsck', '--strict']);
    assert.equal((await gitCli(workDir, ['rev-parse', 'main', 'origin/main'])).split('\n').map((l) => l.trim()).join(' '), `${pulled.revision} ${pulled.revision}`);
    assert.equal(await readFile(join(workDir, 'profiles/p.yaml'), 'utf8'), manifest(1));
    assert.deepEqual(await repo.readStatusFiles(), [{ path: 's.yaml', text: 'ready: true\n' }]);

    const other = openRepo({ url, branch: 'nope', workDir: join(fx.tmp, 'work', 'nope'), auth: USER, logger: captureLogger() });
    await assert.rejects(other.pull(), (e: GitError) => e.code === 'branch-not-found');
  });
});
