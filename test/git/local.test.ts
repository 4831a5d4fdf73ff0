// Local-path mode: read in place, status committed locally (git repo) or just written (plain
// folder), nothing pushed; chokidar triggers on input edits but not on status writes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRepo } from '../../src/git/open.ts';
import { watchRepo } from '../../src/git/watch.ts';
import { GitError } from '../../src/git/errors.ts';
import { captureLogger, gitCli, writeFiles } from './helpers.ts';

describe('local repository path', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'gitset-local-test-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function localGitRepo(name: string): Promise<string> {
    const dir = join(tmp, name);
    await writeFiles(dir, { 'sets/prod.yaml': 'kind: ClusterSet\n' });
    await gitCli(dir, ['init', '-q', '-b', 'main']);
    await gitCli(dir, ['add', '-A']);
    await gitCli(dir, ['commit', '-q', '-m', 'init']);
    return dir;
  }

  test('a git repository: status committed on the checked-out branch, work tree clean, quiet cycle makes no commit', async () => {
    const dir = await localGitRepo('git');
    await gitCli(dir, ['checkout', '-q', '-b', 'work']);
    const repo = openRepo({ url: dir, branch: 'ignored', logger: captureLogger() });
    assert.equal(repo.kind, 'local-git');
    const pulled = await repo.pull();
    assert.deepEqual([pulled.changed, pulled.dir, pulled.revision], [true, dir, await gitCli(dir, ['rev-parse', 'HEAD'])]);
    assert.equal((await repo.pull()).changed, false);

    const res = await repo.commitStatus(new Map([['sets/prod.yaml', 'selected: []\n'], ['old.yaml', 'x\n']]), { subject: 'status one', body: 'why' });
    assert.deepEqual([res.committed, res.pushed], [true, false]);
    assert.equal(await gitCli(dir, ['rev-parse', 'work']), res.revision);
    assert.equal((await gitCli(dir, ['log', '-1', '--format=%an <%ae>|%s|%b'])).trim(), 'gitset <gitset@localhost>|status one|why');
    assert.equal(await gitCli(dir, ['status', '--porcelain']), '');
    assert.equal(await readFile(join(dir, 'status/sets/prod.yaml'), 'utf8'), 'selected: []\n');
    assert.equal((await repo.pull()).changed, false, 'own status commit is not an input change');

    const quiet = await repo.commitStatus(new Map([['sets/prod.yaml', 'selected: []\n'], ['old.yaml', 'x\n']]), { subject: 'none' });
    assert.equal(quiet.committed, false);
    const res2 = await repo.commitStatus(new Map([['sets/prod.yaml', 'selected: [c1]\n']]), { subject: 'status two' });
    assert.equal(res2.committed, true);
    assert.ok(!existsSync(join(dir, 'status/old.yaml')));
    assert.equal(await gitCli(dir, ['status', '--porcelain']), '');
    assert.deepEqual(await repo.readStatusFiles(), [{ path: 'sets/prod.yaml', text: 'selected: [c1]\n' }]);
    assert.equal(await gitCli(dir, ['rev-list', '--count', 'HEAD']), '3');
  });

  test('a user edit in place (uncommitted, staged elsewhere) is an input change and never swept into a status commit', async () => {
    const dir = await localGitRepo('edit');
    const repo = openRepo({ url: dir, branch: 'main', logger: captureLogger() });
    await repo.pull();
    await writeFile(join(dir, 'sets/prod.yaml'), 'kind: ClusterSet # edited\n');
    await gitCli(dir, ['add', 'sets/prod.yaml']);
    assert.equal((await repo.pull()).changed, true);
    const res = await repo.commitStatus(new Map([['a.yaml', 'a\n']]), { subject: 's' });
    assert.equal(await gitCli(dir, ['show', '--format=', '--name-only', res.revision!]), 'status/a.yaml');
    assert.equal(await gitCli(dir, ['status', '--porcelain']), 'M  sets/prod.yaml', 'the user\'s staged edit is still staged');
  });

  test('separate status branch in a local repository: the work tree is not touched', async () => {
    const dir = await localGitRepo('branch');
    const repo = openRepo({ url: dir, branch: 'main', statusBranch: 'status', logger: captureLogger() });
    const res = await repo.commitStatus(new Map([['a.yaml', 'a\n']]), { subject: 's' });
    assert.equal(await gitCli(dir, ['rev-parse', 'status']), res.revision);
    assert.equal(await gitCli(dir, ['ls-tree', '-r', '--name-only', 'status']), 'status/a.yaml');
    assert.ok(!existsSync(join(dir, 'status')));
    assert.equal(await gitCli(dir, ['rev-list', '--count', 'main']), '1');
    assert.deepEqual(await repo.readStatusFiles(), [{ path: 'a.yaml', text: 'a\n' }]);
  });

  test('a plain folder: status files are written (and stale ones removed), nothing committed', async () => {
    const dir = join(tmp, 'plain');
    await writeFiles(dir, { 'sets/prod.yaml': 'kind: ClusterSet\n', 'status/keep-out.txt': 'stale\n' });
    const repo = openRepo({ url: dir, branch: 'main', logger: captureLogger() });
    assert.equal(repo.kind, 'local-folder');
    assert.equal((await repo.pull()).revision, 'working-tree');
    const res = await repo.commitStatus(new Map([['sets/prod.yaml', 'ok\n']]), { subject: 's' });
    assert.deepEqual([res.changed, res.committed, res.pushed], [true, false, false]);
    assert.ok(!existsSync(join(dir, 'status/keep-out.txt')));
    assert.deepEqual(await repo.readStatusFiles(), [{ path: 'sets/prod.yaml', text: 'ok\n' }]);
    assert.equal((await repo.commitStatus(new Map([['sets/prod.yaml', 'ok\n']]), { subject: 's' })).changed, false);
    assert.equal(await readFile(join(dir, 'sets/prod.yaml'), 'utf8'), 'kind: ClusterSet\n');
  });

  test('history: commits newest first (or first parents only), inputs and folder identities at any commit', async () => {
    const dir = await localGitRepo('history');
    const repo = openRepo({ url: dir, branch: 'ignored', logger: captureLogger() });
    const user = await gitCli(dir, ['rev-parse', 'HEAD']);
    const status = (await repo.commitStatus(new Map([['sets/prod.yaml', 'selected: []\n']]), { subject: 'status' })).revision!;
    const all = [];
    for await (const c of repo.history({ max: 10 })) all.push(c);
    assert.deepEqual(all.map((c) => [c.revision, c.parents]), [[status, [user]], [user, []]]);
    assert.ok(all.every((c) => Math.abs(c.committedAt - Date.now()) < 600_000));
    const walked = [];
    for await (const c of repo.history({ from: status.slice(0, 8), max: 1, firstParent: true })) walked.push(c.revision);
    assert.deepEqual(walked, [status]);
    assert.equal(await repo.inputsIdAt(status), await repo.inputsIdAt(user), 'a status commit leaves the inputs as they were');
    assert.equal(await repo.folderIdAt(user, 'status'), undefined);
    assert.equal(await repo.folderIdAt(status, 'status/sets'), await gitCli(dir, ['rev-parse', `${status}:status/sets`]));
    await assert.rejects(repo.inputsIdAt('no-such-branch'), (e: GitError) => e.code === 'revision-not-found');

    const plain = openRepo({ url: join(dir, 'sets'), branch: 'ignored', logger: captureLogger() });
    await assert.rejects(plain.history({ max: 1 })[Symbol.asyncIterator]().next(), (e: GitError) => e.code === 'revision-not-found');
  });

  test('a missing path is path-not-found', () => {
    assert.throws(() => openRepo({ url: join(tmp, 'missing'), branch: 'main', logger: captureLogger() }), (e: GitError) => e.code === 'path-not-found');
  });

  test('the watcher fires (debounced) on input edits, not on status writes or .git', async () => {
    const dir = await localGitRepo('watch');
    const repo = openRepo({ url: dir, branch: 'main', logger: captureLogger() });
    const batches: string[][] = [];
    let wake: (() => void) | undefined;
    const watcher = watchRepo(dir, (paths) => {
      batches.push(paths);
      wake?.();
    }, { debounceMs: 100, ignore: [join(dir, repo.statusPath)] });
    const nextBatch = (ms: number) =>
      new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), ms);
        wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
    try {
      await watcher.ready;
      await repo.commitStatus(new Map([['a.yaml', 'a\n']]), { subject: 'status' });
      assert.equal(await nextBatch(600), false, 'status commit did not trigger');
      await writeFile(join(dir, 'sets/prod.yaml'), 'kind: ClusterSet # v2\n');
      await writeFile(join(dir, 'sets/dev.yaml'), 'kind: ClusterSet\n');
      assert.equal(await nextBatch(5000), true, 'edit triggered within 5 s');
      assert.equal(batches.length, 1, 'two quick edits, one trigger');
      assert.deepEqual(batches[0], [join(dir, 'sets/dev.yaml'), join(dir, 'sets/prod.yaml')]);
    } finally {
      await watcher.close();
    }
  });
});
