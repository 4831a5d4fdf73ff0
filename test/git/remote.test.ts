// The remote Repo against a real smart-HTTP server (git http-backend behind startGitServer).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openRepo } from '../../src/git/open.ts';
import { openRemoteRepo } from '../../src/git/remote.ts';
import type { Repo } from '../../src/git/repo.ts';
import { GitError } from '../../src/git/errors.ts';
import { captureLogger, cliClone, fixture, gitCli, history, USER, userPush, writeFiles, type Fixture } from './helpers.ts';

const INPUTS = { 'clusters/c1.yaml': 'kind: SveltosCluster\n', 'sets/prod.yaml': 'kind: ClusterSet\n' };

describe('remote repository over smart HTTP', () => {
  let fx: Fixture;
  let n = 0;
  before(async () => {
    fx = await fixture();
  });
  after(async () => {
    await fx.close();
  });

  async function setup(extra: Partial<Parameters<typeof openRepo>[0]> = {}) {
    const name = `r${++n}`;
    const url = await fx.seed(name, INPUTS);
    const logger = captureLogger();
    const workDir = join(fx.tmp, 'work', name);
    const repo = openRepo({ url, branch: 'main', workDir, auth: USER, logger, pushBackoffMs: 5, ...extra });
    return { name, url, logger, workDir, repo };
  }

  test('clones, then a pull of an unchanged revision is one ref listing and reports no change', async () => {
    const { repo, url } = await setup();
    const first = await repo.pull();
    assert.equal(first.changed, true);
    assert.equal(await readFile(join(first.dir, 'clusters/c1.yaml'), 'utf8'), INPUTS['clusters/c1.yaml']);
    const user = await cliClone(url, join(fx.tmp, 'user-pull'));
    assert.equal(first.revision, await gitCli(user, ['rev-parse', 'HEAD']));

    const before = { ...fx.server.stats };
    const second = await repo.pull();
    assert.deepEqual([second.changed, second.revisionChanged, second.revision], [false, false, first.revision]);
    assert.equal(fx.server.stats.requests - before.requests, 1, 'one request');
    assert.equal(fx.server.stats.uploadPacks - before.uploadPacks, 0, 'no fetch');

    await userPush(user, { 'clusters/c2.yaml': 'kind: SveltosCluster\n' }, 'add c2');
    const third = await repo.pull();
    assert.equal(third.changed, true);
    assert.equal(third.revision, await gitCli(user, ['rev-parse', 'HEAD']));
    assert.ok(existsSync(join(third.dir, 'clusters/c2.yaml')));
  });

  test('status push is visible to a git CLI clone; a quiet cycle makes no commit; own commits are not input changes', async () => {
    const { repo, url } = await setup();
    const pulled = await repo.pull();
    const files = new Map([['clusters/default/c1.yaml', 'ready: true\n'], ['sets/prod.yaml', 'selected: [c1]\n']]);
    const res = await repo.commitStatus(files, { subject: 'prod: selected c1', body: 'c1 became ready' });
    assert.deepEqual([res.committed, res.pushed, res.retries], [true, true, 0]);

    const quiet = await repo.commitStatus(new Map(files), { subject: 'nothing' });
    assert.deepEqual([quiet.changed, quiet.committed, quiet.pushed], [false, false, false]);

    const log = await history(url, join(fx.tmp, 'cli-status'));
    assert.equal(log.length, 2);
    assert.equal(log[0]!.oid, res.revision);
    assert.equal(log[0]!.author, 'gitset');
    assert.equal(log[0]!.subject, 'prod: selected c1');
    assert.deepEqual(log[0]!.paths.sort(), ['status/clusters/default/c1.yaml', 'status/sets/prod.yaml']);
    assert.deepEqual(log[0]!.parents, [pulled.revision]);
    const body = await gitCli(join(fx.tmp, 'cli-status'), ['log', '-1', '--format=%b']);
    assert.equal(body.trim(), 'c1 became ready');

    const after = await repo.pull();
    assert.equal(after.revision, res.revision);
    assert.equal(after.changed, false, 'status-only commit is not an input change');
    assert.deepEqual(await repo.readStatusFiles(), [
      { path: 'clusters/default/c1.yaml', text: 'ready: true\n' },
      { path: 'sets/prod.yaml', text: 'selected: [c1]\n' },
    ]);

    // Removing a status file deletes it, and only inside the status folder.
    const res2 = await repo.commitStatus(new Map([['sets/prod.yaml', 'selected: []\n']]), { subject: 'prod: dropped c1' });
    assert.equal(res2.committed, true);
    assert.deepEqual((await repo.readStatusFiles()).map((f) => f.path), ['sets/prod.yaml']);
    assert.ok(!existsSync(join(pulled.dir, 'status')), 'status is read from Git: the work tree leaves the status folder out');
    assert.deepEqual((await repo.readFilesAt(res.revision!)).map((f) => f.path), ['clusters/default/c1.yaml', 'sets/prod.yaml']);
    assert.deepEqual((await repo.readFilesAt(res.revision!.slice(0, 8), 'sets')).map((f) => f.text), ['kind: ClusterSet\n']);
    await assert.rejects(repo.readFilesAt('0123456789abcdef0123456789abcdef01234567'), (e: GitError) => e.code === 'revision-not-found');
  });

  test('a user commit pushed after the pull is kept, its files untouched, and the status re-rendered on top', async () => {
    const { repo, url } = await setup();
    await repo.pull();
    const user = await cliClone(url, join(fx.tmp, 'user-race'));
    await userPush(user, { 'clusters/c1.yaml': 'kind: SveltosCluster # edited by user\n', 'status/notes.txt': 'user wrote this' }, 'user edit');
    const userTip = await gitCli(user, ['rev-parse', 'HEAD']);
    const seen: string[] = [];
    const res = await repo.commitStatus(new Map([['a.yaml', 'v1\n']]), { subject: 'status v1' }, async (dir, revision) => {
      seen.push(revision, await readFile(join(dir, 'clusters/c1.yaml'), 'utf8'));
      return new Map([['a.yaml', 'v2\n']]);
    });
    assert.deepEqual([res.pushed, res.retries, res.rerenders], [true, 1, 1]);
    assert.deepEqual(seen, [userTip, 'kind: SveltosCluster # edited by user\n']);
    const log = await history(url, join(fx.tmp, 'cli-race'));
    assert.deepEqual(log.map((c) => c.subject), ['status v1', 'user edit', 'Initial commit']);
    assert.deepEqual(log[0]!.parents, [userTip]);
    assert.deepEqual(log[0]!.paths.sort(), ['status/a.yaml', 'status/notes.txt']);
    assert.equal(await readFile(join(fx.tmp, 'cli-race/clusters/c1.yaml'), 'utf8'), 'kind: SveltosCluster # edited by user\n');
    assert.equal(await readFile(join(fx.tmp, 'cli-race/status/a.yaml'), 'utf8'), 'v2\n');
    const next = await repo.pull();
    assert.equal(next.changed, true, 'the user commit is still an input change for the next cycle');
    assert.ok(!existsSync(join(next.dir, 'status')), 'the work tree leaves the status folder out');
    assert.equal(await readFile(join(next.dir, 'clusters/c1.yaml'), 'utf8'), 'kind: SveltosCluster # edited by user\n');
  });

  test('status paths that would leave the status folder are refused before anything is committed', async () => {
    const { repo } = await setup();
    await repo.pull();
    for (const bad of ['../clusters/c1.yaml', '/etc/passwd', 'a//b', '.git/config']) {
      await assert.rejects(repo.commitStatus(new Map([[bad, 'x']]), { subject: 'bad' }), (e: GitError) => e.code === 'invalid-status-path', bad);
    }
    assert.equal((await repo.pull()).revisionChanged, false);
  });

  test('force-pushed upstream: reset to it, reported as forced and logged loudly', async () => {
    const { repo, url, logger } = await setup();
    const user = await cliClone(url, join(fx.tmp, 'user-force'));
    await userPush(user, { 'clusters/c2.yaml': 'kind: SveltosCluster\n' }, 'add c2');
    const first = await repo.pull();
    assert.ok(existsSync(join(first.dir, 'clusters/c2.yaml')));
    await gitCli(user, ['reset', '-q', '--hard', 'HEAD~1']);
    await writeFiles(user, { 'clusters/c3.yaml': 'kind: SveltosCluster\n' });
    await gitCli(user, ['add', '-A']);
    await gitCli(user, ['commit', '-q', '-m', 'add c3 instead']);
    await gitCli(user, ['push', '-q', '--force', 'origin', 'HEAD']);
    const pulled = await repo.pull();
    assert.equal(pulled.forced, true);
    assert.equal(pulled.revision, await gitCli(user, ['rev-parse', 'HEAD']));
    assert.ok(!existsSync(join(pulled.dir, 'clusters/c2.yaml')));
    assert.ok(existsSync(join(pulled.dir, 'clusters/c3.yaml')));
    assert.ok(logger.lines.some((l) => l.level === 'error' && /force-pushed/i.test(l.msg ?? '')));
    const res = await repo.commitStatus(new Map([['x.yaml', 'x\n']]), { subject: 'status after force' });
    assert.deepEqual([res.pushed, res.retries], [true, 0]);
  });

  test('a restart reuses the clone in the work dir', async () => {
    const { repo, url, workDir } = await setup();
    const first = await repo.pull();
    await repo.close();
    const before = fx.server.stats.uploadPacks;
    const again = openRepo({ url, branch: 'main', workDir, auth: USER, logger: captureLogger() });
    const pulled = await again.pull();
    assert.equal(pulled.revision, first.revision);
    assert.equal(pulled.changed, true, 'a new process has loaded nothing yet');
    assert.equal(fx.server.stats.uploadPacks, before, 'no clone, no fetch');

    // A status commit before the first pull of a process does not hide that pull's change.
    const third = openRepo({ url, branch: 'main', workDir, auth: USER, logger: captureLogger() });
    assert.equal((await third.commitStatus(new Map([['x.yaml', 'x\n']]), { subject: 's' })).pushed, true);
    assert.equal((await third.pull()).changed, true);
  });

  test('a clone that piles up packs (one per fetch) is replaced by a fresh clone', async () => {
    const name = `r${++n}`;
    const url = await fx.seed(name, INPUTS);
    const logger = captureLogger();
    const workDir = join(fx.tmp, 'work', name);
    const repo = openRemoteRepo({ url, branch: 'main', rootSegs: [], statusSegs: ['status'], workDir, auth: USER, logger, maxPacks: 2 });
    await repo.pull();
    const user = await cliClone(url, join(fx.tmp, 'user-packs'));
    for (let i = 0; i < 3; i++) {
      await userPush(user, { [`clusters/p${i}.yaml`]: 'kind: SveltosCluster\n' }, `p${i}`);
      const pulled = await repo.pull();
      assert.equal(pulled.revision, await gitCli(user, ['rev-parse', 'HEAD']));
      assert.ok(existsSync(join(pulled.dir, `clusters/p${i}.yaml`)));
    }
    await repo.pull();
    assert.ok(logger.lines.some((l) => /compact/.test(l.msg ?? '')), 're-cloned');
    const packs = (await readdir(join(workDir, '.git/objects/pack'))).filter((f) => f.endsWith('.pack'));
    assert.ok(packs.length <= 2, `${packs.length} packs`);
    assert.equal((await repo.commitStatus(new Map([['x.yaml', 'x\n']]), { subject: 's' })).pushed, true);
  });

  test('separate status branch: created on first push, holds only the status folder; main untouched', async () => {
    const { repo, url } = await setup({ statusBranch: 'gitset-status' });
    const pulled = await repo.pull();
    const res = await repo.commitStatus(new Map([['sets/prod.yaml', 'selected: [c1]\n']]), { subject: 'status on its own branch' });
    assert.deepEqual([res.committed, res.pushed], [true, true]);
    const quiet = await repo.commitStatus(new Map([['sets/prod.yaml', 'selected: [c1]\n']]), { subject: 'again' });
    assert.equal(quiet.committed, false);
    const status = await history(url, join(fx.tmp, 'cli-status-branch'), 'gitset-status');
    assert.equal(status.length, 1);
    assert.deepEqual(status[0]!.paths, ['status/sets/prod.yaml']);
    const main = await history(url, join(fx.tmp, 'cli-main-branch'));
    assert.equal(main[0]!.oid, pulled.revision);
    assert.deepEqual(await repo.readStatusFiles(), [{ path: 'sets/prod.yaml', text: 'selected: [c1]\n' }]);
    assert.equal((await repo.pull()).changed, false);
  });

  test('subfolder (--path): inputs and status live under it', async () => {
    const name = `r${++n}`;
    const url = await fx.seed(name, { 'fleet/sets/prod.yaml': 'kind: ClusterSet\n', 'README.md': 'hello\n' });
    const repo = openRepo({ url, branch: 'main', path: 'fleet', workDir: join(fx.tmp, 'work', name), auth: USER, logger: captureLogger() });
    const pulled = await repo.pull();
    assert.equal(pulled.dir, join(fx.tmp, 'work', name, 'fleet'));
    assert.equal(repo.statusPath, 'fleet/status');
    await repo.commitStatus(new Map([['sets/prod.yaml', 'ok\n']]), { subject: 's' });
    const log = await history(url, join(fx.tmp, 'cli-sub'));
    assert.deepEqual(log[0]!.paths, ['fleet/status/sets/prod.yaml']);
    const user = join(fx.tmp, 'cli-sub');
    await userPush(user, { 'README.md': 'outside the path\n' }, 'readme');
    assert.equal((await repo.pull()).changed, false, 'changes outside --path are not input changes');
    // `show` on a commit the clone has not fetched yet (a fresh Repo on the same work dir).
    await userPush(user, { 'fleet/sets/dev.yaml': 'kind: ClusterSet\n' }, 'dev');
    const shown = openRepo({ url, branch: 'main', path: 'fleet', workDir: join(fx.tmp, 'work', name), auth: USER, logger: captureLogger() });
    const newest = await gitCli(user, ['rev-parse', 'HEAD']);
    assert.deepEqual((await shown.readFilesAt(newest, 'sets')).map((f) => f.path), ['dev.yaml', 'prod.yaml']);
  });
});
