// Status pushes sent by gitset itself (one pack, receive-pack over smart HTTP) against the real
// server: what lands must be valid for git, readable back by gitset, and a refusal must surface.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openRepo } from '../../src/git/open.ts';
import { GitError } from '../../src/git/errors.ts';
import { captureLogger, fixture, gitCli, history, USER, type Fixture } from './helpers.ts';

const INPUTS = { 'clusters/c1.yaml': 'kind: SveltosCluster\n', 'status/old.yaml': 'stale: true\n' };

/** Enough files that the status objects are stored as a pack, not loose. */
function manyStatusFiles(round: number): Map<string, string> {
  const files = new Map<string, string>();
  for (let i = 0; i < 150; i++) files.set(`clusters/team-${i % 7}/c${i}.yaml`, `name: c${i}\nround: ${round}\n`);
  files.set('sets/prod.yaml', `round: ${round}\n`);
  return files;
}

describe('status push sent as one pack', () => {
  let fx: Fixture;
  let n = 0;
  before(async () => {
    fx = await fixture();
  });
  after(async () => {
    await fx.close();
  });

  async function setup() {
    const name = `p${++n}`;
    const url = await fx.seed(name, INPUTS);
    const workDir = join(fx.tmp, 'work', name);
    const repo = openRepo({ url, branch: 'main', workDir, auth: USER, logger: captureLogger(), pushBackoffMs: 5 });
    return { name, url, workDir, repo };
  }

  test('a large status change lands as a commit git accepts: server and local clone pass fsck, files read back', async () => {
    const { name, url, workDir, repo } = await setup();
    const base = (await repo.pull()).revision;
    for (const round of [1, 2]) {
      const res = await repo.commitStatus(manyStatusFiles(round), { subject: `round ${round}` });
      assert.deepEqual([res.committed, res.pushed, res.retries], [true, true, 0]);
    }
    await gitCli(join(fx.root, `${name}.git`), ['fsck', '--strict', '--no-dangling']);
    await gitCli(workDir, ['fsck', '--strict', '--no-dangling']);
    const packs = (await readdir(join(workDir, '.git/objects/pack'))).filter((f) => f.endsWith('.idx'));
    assert.equal(packs.length, 3, 'the clone\'s pack plus one per status push');

    const log = await history(url, join(fx.tmp, `cli-${name}`));
    assert.deepEqual(log.map((c) => c.subject), ['round 2', 'round 1', 'Initial commit']);
    assert.equal(log[1]!.parents[0], base);
    assert.ok(log[1]!.paths.includes('status/old.yaml'), 'the stale status file was removed by round 1');
    assert.ok(log.slice(0, 2).every((c) => c.paths.every((p) => p.startsWith('status/'))), 'only the status folder changed');
    const read = await repo.readStatusFiles();
    assert.equal(read.length, 151);
    assert.equal(read.find((f) => f.path === 'sets/prod.yaml')?.text, 'round: 2\n');
    assert.equal(await gitCli(join(fx.tmp, `cli-${name}`), ['show', 'HEAD:status/clusters/team-3/c10.yaml']), 'name: c10\nround: 2');
  });

  test('a push the server refuses (pre-receive hook) is push-rejected with its reason, and nothing moves', async () => {
    const { name, url, repo } = await setup();
    const base = (await repo.pull()).revision;
    const hook = join(fx.root, `${name}.git`, 'hooks', 'pre-receive');
    await writeFile(hook, '#!/bin/sh\necho "branch is frozen" >&2\nexit 1\n');
    await chmod(hook, 0o755);
    await assert.rejects(
      repo.commitStatus(manyStatusFiles(1), { subject: 'blocked' }),
      (e: GitError) => e instanceof GitError && e.code === 'push-rejected' && /hook declined/.test(e.message) && !e.message.includes(USER.password),
    );
    const log = await history(url, join(fx.tmp, `cli-${name}`));
    assert.deepEqual(log.map((c) => c.oid), [base]);
    assert.equal((await repo.pull()).revision, base);
  });

  test('a status branch deleted on the server meanwhile is created again on the next push', async () => {
    const name = `p${++n}`;
    const url = await fx.seed(name, INPUTS);
    const repo = openRepo({ url, branch: 'main', statusBranch: 'status', workDir: join(fx.tmp, 'work', name), auth: USER, logger: captureLogger(), pushBackoffMs: 5 });
    await repo.pull();
    assert.equal((await repo.commitStatus(manyStatusFiles(1), { subject: 'first' })).pushed, true);
    await gitCli(join(fx.root, `${name}.git`), ['update-ref', '-d', 'refs/heads/status']);
    const res = await repo.commitStatus(manyStatusFiles(2), { subject: 'second' });
    assert.equal(res.pushed, true);
    const bare = join(fx.root, `${name}.git`);
    assert.deepEqual((await gitCli(bare, ['log', '--format=%s', 'refs/heads/status', '--'])).split('\n'), ['second', 'first']);
    await gitCli(bare, ['fsck', '--strict', '--no-dangling']);
  });
});
