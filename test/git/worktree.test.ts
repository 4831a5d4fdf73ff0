// A pull of a new upstream revision writes only what changed; the work tree must still end up
// exactly as git itself would check it out (modes, symlinks, folders appearing and vanishing).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, lstat, readFile, readdir, readlink, rename, rm, symlink, unlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { GitError } from '../../src/git/errors.ts';
import { openRepo } from '../../src/git/open.ts';
import { captureLogger, cliClone, fixture, gitCli, USER, userPush, writeFiles, type Fixture } from './helpers.ts';

/** Every path below `dir` (not .git) with what a user would see: kind, exec bit, content or link target. */
async function snapshot(dir: string, at = dir): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(at)).sort()) {
    if (at === dir && name === '.git') continue;
    const p = join(at, name);
    const rel = relative(dir, p);
    const st = await lstat(p);
    if (st.isSymbolicLink()) out[rel] = `link -> ${await readlink(p)}`;
    else if (st.isDirectory()) Object.assign(out, { [rel]: 'dir' }, await snapshot(dir, p));
    else out[rel] = `${st.mode & 0o100 ? 'exec' : 'file'}: ${await readFile(p, 'utf8')}`;
  }
  return out;
}

/** What git checks out, but the status folder: gitset reads status from Git objects and leaves it out of its work tree. */
function withoutStatus(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).filter(([path]) => path !== 'status' && !path.startsWith('status/')));
}

describe('work tree after a pull of a new revision', () => {
  let fx: Fixture;
  before(async () => {
    fx = await fixture();
  });
  after(async () => {
    await fx.close();
  });

  test('matches a git CLI checkout of the same commit after files, folders, modes and symlinks change', async () => {
    const url = await fx.seed('w1', {
      'clusters/a.yaml': 'a: 1\n', 'clusters/b.yaml': 'b: 1\n', 'old/x.yaml': 'x\n', 'thing': 'a file\n', 'tools/run.sh': 'echo hi\n',
    });
    const workDir = join(fx.tmp, 'work', 'w1');
    const repo = openRepo({ url, branch: 'main', workDir, auth: USER, logger: captureLogger() });
    await repo.pull();

    const user = await cliClone(url, join(fx.tmp, 'user-w1'));
    await writeFiles(user, { 'clusters/a.yaml': 'a: 2\n', 'new/deep/y.yaml': 'y\n' });
    await unlink(join(user, 'clusters/b.yaml'));
    await rm(join(user, 'old'), { recursive: true });
    await unlink(join(user, 'thing'));
    await writeFiles(user, { 'thing/inside.yaml': 'now a folder\n' });
    await chmod(join(user, 'tools/run.sh'), 0o755);
    await symlink('clusters/a.yaml', join(user, 'current'));
    await userPush(user, {}, 'reshape');

    const pulled = await repo.pull();
    assert.equal(pulled.changed, true);
    const reference = await cliClone(url, join(fx.tmp, 'reference-w1'));
    assert.deepEqual(await snapshot(workDir), await snapshot(reference));

    // And back: the folder turns into a file again, the symlink goes.
    await rm(join(user, 'thing'), { recursive: true });
    await writeFiles(user, { 'thing': 'a file again\n' });
    await unlink(join(user, 'current'));
    await userPush(user, {}, 'reshape back');
    await repo.pull();
    await gitCli(reference, ['pull', '-q']);
    assert.deepEqual(await snapshot(workDir), await snapshot(reference));
  });

  test('a restart on the same work dir brings the work tree to the revision in force: a file deleted meanwhile is gone', async () => {
    const url = await fx.seed('w2', { 'clusters/a.yaml': 'a: 1\n' });
    const workDir = join(fx.tmp, 'work', 'w2');
    const first = openRepo({ url, branch: 'main', workDir, auth: USER, logger: captureLogger() });
    await first.pull();
    const user = await cliClone(url, join(fx.tmp, 'user-w2'));
    await writeFiles(user, { 'profiles/ghost.yaml': 'ghost: 1\n' });
    await userPush(user, {}, 'add ghost');
    await first.pull();
    await first.commitStatus(new Map([['a.yaml', 'ready: true\n']]), { subject: 'status' });
    await first.close();

    await gitCli(user, ['pull', '-q', '--rebase']);
    await rm(join(user, 'profiles'), { recursive: true });
    await userPush(user, {}, 'delete ghost');

    const restarted = openRepo({ url, branch: 'main', workDir, auth: USER, logger: captureLogger() });
    const pulled = await restarted.pull();
    assert.equal(pulled.revision, await gitCli(user, ['rev-parse', 'HEAD']));
    const reference = await cliClone(url, join(fx.tmp, 'reference-w2'));
    const checkedOut = await snapshot(reference);
    assert.ok('status/a.yaml' in checkedOut, 'git checks the status out');
    assert.deepEqual(await snapshot(workDir), withoutStatus(checkedOut));
  });

  test('a first pull that writes behind returns before its checkout is on disk, which then is git\'s; a status commit meanwhile waits for it', async () => {
    const url = await fx.seed('w-behind', { 'clusters/a.yaml': 'a: 1\n', 'deep/er/b.yaml': 'b: 1\n', 'tools/run.sh': 'echo hi\n', 'status/a.yaml': 'ready: true\n' });
    const user = await cliClone(url, join(fx.tmp, 'user-w-behind'));
    await chmod(join(user, 'tools/run.sh'), 0o755);
    await symlink('clusters/a.yaml', join(user, 'current'));
    await userPush(user, {}, 'exec bit and a link');
    const reference = withoutStatus(await snapshot(await cliClone(url, join(fx.tmp, 'reference-w-behind'))));

    const workDir = join(fx.tmp, 'work', 'w-behind');
    const repo = openRepo({ url, branch: 'main', workDir, auth: USER, logger: captureLogger() });
    const pulled = await repo.pull({ writeBehind: true });
    assert.ok(pulled.checkout, 'a fresh clone\'s checkout is left to a worker');
    assert.deepEqual([...pulled.checkout.files.files.keys()].sort(), ['clusters/a.yaml', 'deep/er/b.yaml', 'tools/run.sh'], 'its files in memory, the status folder left out');
    assert.deepEqual(pulled.checkout.files.links, ['current']);
    // Nothing is written until the daemon's first cycle is planned (start) or Git needs the work tree.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(Object.keys(await snapshot(workDir)), [], 'not written before it is started');
    // Status is read from Git objects meanwhile, and a commit starts the checkout and waits for it before it moves anything.
    assert.deepEqual((await repo.readStatusFiles()).map((f) => f.path), ['a.yaml']);
    const committed = await repo.commitStatus(new Map([['a.yaml', 'ready: false\n']]), { subject: 'status' });
    assert.equal(committed.committed, true);
    await pulled.checkout.written;
    assert.deepEqual(await snapshot(workDir), reference);
    const again = await repo.pull({ writeBehind: true });
    assert.equal(again.checkout, undefined, 'only the first pull writes behind');
    assert.deepEqual(await snapshot(workDir), reference);
    await repo.close();

    // With the manifests in a folder of the repository (`--path deep`), that folder's files are the ones in memory.
    const below = openRepo({ url, branch: 'main', path: 'deep', workDir: join(fx.tmp, 'work', 'w-behind-path'), auth: USER, logger: captureLogger() });
    const inFolder = await below.pull({ writeBehind: true });
    assert.deepEqual([...(inFolder.checkout?.files.files.keys() ?? [])], ['er/b.yaml']);
    assert.deepEqual(inFolder.checkout?.files.links, []);
    inFolder.checkout?.start();
    await inFolder.checkout?.written;
    assert.equal(await readFile(join(fx.tmp, 'work', 'w-behind-path', 'deep', 'er', 'b.yaml'), 'utf8'), 'b: 1\n');
    await below.close();

    // Without asking, the pull returns with the checkout written, as before.
    const plain = openRepo({ url, branch: 'main', workDir: join(fx.tmp, 'work', 'w-behind-plain'), auth: USER, logger: captureLogger() });
    const written = await plain.pull();
    assert.equal(written.checkout, undefined);
    assert.deepEqual(await snapshot(join(fx.tmp, 'work', 'w-behind-plain')), reference);
    await plain.close();

    // A manifests folder that a commit makes a link is refused, at the first pull and at a restart:
    // a link could point the loader anywhere on the machine. A commit that makes it a folder again is taken.
    await symlink('deep', join(user, 'linked'));
    await userPush(user, {}, 'a link to a folder');
    const linkedDir = join(fx.tmp, 'work', 'w-behind-linked');
    const linked = openRepo({ url, branch: 'main', path: 'linked', workDir: linkedDir, auth: USER, logger: captureLogger() });
    const refused = (e: GitError) => e.code === 'linked-path' && /linked is a symbolic link where the manifests folder \(--path linked\) should be/.test(e.message);
    await assert.rejects(linked.pull({ writeBehind: true }), refused);
    await assert.rejects(linked.pull(), refused, 'every pull of that revision says so');
    await linked.close();
    const restarted = openRepo({ url, branch: 'main', path: 'linked', workDir: linkedDir, auth: USER, logger: captureLogger() });
    assert.equal(await restarted.lastPulled!(), undefined, 'a restart does not start from it either');
    await gitCli(user, ['rm', '-q', 'linked']);
    await userPush(user, { 'linked/c.yaml': 'c: 1\n' }, 'a folder again');
    const fixed = await restarted.pull();
    assert.deepEqual(await readdir(fixed.dir), ['c.yaml']);
    await restarted.close();
  });

  test('the status folder stays out of the work tree; one an older gitset wrote goes at the next pull', async () => {
    const url = await fx.seed('w-status', { 'clusters/a.yaml': 'a: 1\n', 'status/old.yaml': 'ready: true\n' });
    const workDir = join(fx.tmp, 'work', 'w-status');
    const first = openRepo({ url, branch: 'main', workDir, auth: USER, logger: captureLogger() });
    await first.pull();
    assert.deepEqual(await snapshot(workDir), { clusters: 'dir', 'clusters/a.yaml': 'file: a: 1\n' });
    await first.commitStatus(new Map([['a.yaml', 'ready: true\n']]), { subject: 'status' });
    assert.deepEqual(Object.keys(await snapshot(workDir)), ['clusters', 'clusters/a.yaml'], 'our own status commit writes nothing to disk');
    await first.close();

    // What an older gitset left: the status folder on disk.
    await writeFiles(workDir, { 'status/a.yaml': 'ready: true\n', 'status/stale.yaml': 'ready: false\n' });
    const user = await cliClone(url, join(fx.tmp, 'user-w-status'));
    await writeFiles(user, { 'clusters/b.yaml': 'b: 1\n' });
    await userPush(user, {}, 'add b');
    const restarted = openRepo({ url, branch: 'main', workDir, auth: USER, logger: captureLogger() });
    await restarted.pull();
    assert.deepEqual(Object.keys(await snapshot(workDir)), ['clusters', 'clusters/a.yaml', 'clusters/b.yaml']);
    await restarted.close();
  });

  test('a move cut short (a crash while writing) is completed by the next start', async () => {
    const url = await fx.seed('w3', { 'clusters/a.yaml': 'a: 1\n', 'clusters/b.yaml': 'b: 1\n' });
    const workDir = join(fx.tmp, 'work', 'w3');
    const first = openRepo({ url, branch: 'main', workDir, auth: USER, logger: captureLogger() });
    await first.pull();
    const user = await cliClone(url, join(fx.tmp, 'user-w3'));
    await writeFiles(user, { 'clusters/a.yaml': 'a: 2\n' });
    await unlink(join(user, 'clusters/b.yaml'));
    await userPush(user, {}, 'change');
    await first.pull();
    await first.close();
    // What a kill between moving the branch and writing the files leaves: the new branch, old files.
    await writeFiles(workDir, { 'clusters/a.yaml': 'a: 1\n', 'clusters/b.yaml': 'b: 1\n', 'stray.yaml': 'x\n' });
    await rm(join(workDir, '.git', 'gitset-worktree'), { force: true });

    const restarted = openRepo({ url, branch: 'main', workDir, auth: USER, logger: captureLogger() });
    await restarted.pull();
    const reference = await cliClone(url, join(fx.tmp, 'reference-w3'));
    assert.deepEqual(await snapshot(workDir), await snapshot(reference));
  });

  test('a restart while the remote is down starts from the revision the work dir holds; the next pull reports changes against it', async () => {
    const url = await fx.seed('w4', { 'clusters/a.yaml': 'a: 1\n' });
    const workDir = join(fx.tmp, 'work', 'w4');
    const first = openRepo({ url, branch: 'main', workDir, auth: USER, logger: captureLogger() });
    const held = await first.pull();
    await first.close();
    const bare = join(fx.root, 'w4.git');
    await rename(bare, `${bare}.away`); // the remote is gone: any request fails

    const restarted = openRepo({ url, branch: 'main', workDir, auth: USER, logger: captureLogger() });
    const adopted = await restarted.lastPulled!();
    assert.equal(adopted?.revision, held.revision, 'no network needed');
    assert.equal(adopted?.inputsId, held.inputsId);
    assert.equal(adopted?.changed, true, 'the first result of a run: the daemon loads it');
    await assert.rejects(restarted.pull(), 'the remote is down');
    await rename(`${bare}.away`, bare);
    const same = await restarted.pull();
    assert.equal(same.changed, false, 'the same tip: nothing to load again');

    // A move cut short leaves no record of the work tree: nothing is adopted, the pull repairs it.
    await rm(join(workDir, '.git', 'gitset-worktree'), { force: true });
    const again = openRepo({ url, branch: 'main', workDir, auth: USER, logger: captureLogger() });
    assert.equal(await again.lastPulled!(), undefined);
  });
});

