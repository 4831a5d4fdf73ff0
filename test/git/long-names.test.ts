// A repository whose status folder holds a file name too long for the file system (what gitset
// committed before status file names were shortened, or what Git plumbing can make): cloning,
// pulling and committing status must still work; such a file is never a reason to stop.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openRepo } from '../../src/git/open.ts';
import { captureLogger, cliClone, fixture, gitCli, USER, type Fixture } from './helpers.ts';

const LONG = `ClusterSet/${'a'.repeat(253)}.yaml`; // 258 bytes: ENAMETOOLONG on ext4

/** Commits `status/<LONG>` through Git plumbing (no file on disk can have that name) and pushes. */
async function pushLongName(user: string): Promise<void> {
  const oid = (await execGit(user, ['hash-object', '-w', '--stdin'], 'kind: ClusterSet\nmetadata: {name: long}\n')).trim();
  await gitCli(user, ['update-index', '--add', '--cacheinfo', `100644,${oid},status/${LONG}`]);
  await gitCli(user, ['commit', '-q', '-m', 'status written by an older gitset']);
  await gitCli(user, ['push', '-q', 'origin', 'HEAD']);
}

async function execGit(cwd: string, args: string[], input: string): Promise<string> {
  const { execa } = await import('execa');
  const { gitCliEnv } = await import('../../src/sim/git-server.ts');
  return (await execa('git', args, { cwd, input, env: gitCliEnv({ GIT_TERMINAL_PROMPT: '0' }) })).stdout;
}

describe('status file names too long for the file system', () => {
  let fx: Fixture;
  before(async () => {
    fx = await fixture();
  });
  after(async () => {
    await fx.close();
  });

  test('a fresh clone and a pull of such a commit work; the next status commit drops the file', async () => {
    const url = await fx.seed('long', { 'clusters/c1.yaml': 'kind: SveltosCluster\n' });
    const user = await cliClone(url, join(fx.tmp, 'user-long'));
    const running = openRepo({ url, branch: 'main', workDir: join(fx.tmp, 'work', 'running'), auth: USER, logger: captureLogger() });
    await running.pull();
    await pushLongName(user);

    const logger = captureLogger();
    const fresh = openRepo({ url, branch: 'main', workDir: join(fx.tmp, 'work', 'fresh'), auth: USER, logger });
    const pulled = await fresh.pull();
    assert.ok(existsSync(join(pulled.dir, 'clusters/c1.yaml')), 'the inputs are there');
    assert.ok(!existsSync(join(pulled.dir, 'status')), 'status is read from Git objects: the work tree leaves it out');
    assert.deepEqual(logger.lines.filter((l) => l.level === 'warn' || l.level === 'error'), [], 'nothing to warn about');

    const moved = await running.pull();
    assert.equal(moved.revision, pulled.revision, 'a running clone moves onto it too');

    const res = await fresh.commitStatus(new Map([['ClusterSet/short.yaml', 'kind: ClusterSet\n']]), { subject: 'status: shortened' });
    assert.equal(res.pushed, true);
    await gitCli(user, ['pull', '-q']);
    assert.equal(await gitCli(user, ['ls-tree', '-r', '--name-only', 'HEAD', 'status']), 'status/ClusterSet/short.yaml');
  });
});
