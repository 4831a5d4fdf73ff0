import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { gitCliEnv } from '../../src/sim/git-server.ts';
import { introducedAtFinder } from '../../src/daemon/introduced-at.ts';
import { openRepo } from '../../src/git/open.ts';

let dir: string | undefined;
after(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

test('the commit that brought the inputs is found below status-only commits', async () => {
  dir = await mkdtemp(join(tmpdir(), 'gitset-introduced-'));
  const env = gitCliEnv();
  const git = (...args: string[]) => execa('git', args, { cwd: dir, env });
  const commit = async (path: string, text: string, message: string): Promise<string> => {
    await mkdir(join(dir!, path, '..'), { recursive: true });
    await writeFile(join(dir!, path), text);
    await git('add', '-A');
    await git('commit', '--quiet', '-m', message);
    return (await git('rev-parse', 'HEAD')).stdout.trim();
  };
  await git('init', '--quiet', '--initial-branch=main');
  await commit('sets/prod.yaml', 'a: 1\n', 'first');
  const user = await commit('sets/prod.yaml', 'a: 2\n', 'user change');
  await commit('status/ClusterSet/prod.yaml', 's: 1\n', 'status one');
  const tip = await commit('status/gitset.yaml', 's: 2\n', 'status two');
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const find = introducedAtFinder(openRepo({ url: dir, branch: 'main', logger: silent }));
  assert.equal(await find(tip), user);
  assert.equal(await find(user), user);
  const next = await commit('sets/prod.yaml', 'a: 3\n', 'another change');
  assert.equal(await find(next), next);
  assert.equal(await find('0'.repeat(40)), '0'.repeat(40), 'unknown commits are named as given');
});
