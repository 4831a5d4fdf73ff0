// A committed symbolic link in the status folder (or the folder itself as a link) must never make
// gitset read or write outside its work dir: the link is reported and replaced, never followed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openRepo } from '../../src/git/open.ts';
import { GitError } from '../../src/git/errors.ts';
import { readStatusDir } from '../../src/status/status-dir.ts';
import { runCli } from '../cli/run-cli.ts';
import { captureLogger, cliClone, fixture, gitCli, history, USER, writeFiles, type Fixture } from './helpers.ts';

const PRECIOUS = 'kind: SveltosCluster\nmetadata: {name: cluster1, namespace: civo}\nstatus: {ready: false}\n';

describe('symbolic links in the status folder', () => {
  let fx: Fixture;
  let outside: string;
  before(async () => {
    fx = await fixture();
    outside = join(fx.tmp, 'outside');
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, 'cluster1.yaml'), PRECIOUS);
  });
  after(async () => {
    await fx.close();
  });

  test('remote: a committed link status/SveltosCluster/civo -> /elsewhere is neither checked out nor written through', async () => {
    const url = await fx.seed('links', { 'clusters/c1.yaml': 'kind: SveltosCluster\n' });
    const user = await cliClone(url, join(fx.tmp, 'user-links'));
    await mkdir(join(user, 'status/SveltosCluster'), { recursive: true });
    await symlink(outside, join(user, 'status/SveltosCluster/civo'));
    await gitCli(user, ['add', '-A']);
    await gitCli(user, ['commit', '-q', '-m', 'a hostile link']);
    await gitCli(user, ['push', '-q', 'origin', 'HEAD']);

    const workDir = join(fx.tmp, 'work', 'links');
    const repo = openRepo({ url, branch: 'main', workDir, auth: USER, logger: captureLogger() });
    await repo.pull();
    assert.deepEqual(await repo.readStatusFiles(), [], 'a committed link is not read as a status file');
    const res = await repo.commitStatus(new Map([['SveltosCluster/civo/cluster1.yaml', 'ready: true\n'], ['SveltosCluster/civo/cluster2.yaml', 'ready: true\n']]), { subject: 'status' });
    assert.equal(res.pushed, true);
    assert.deepEqual(await readdir(outside), ['cluster1.yaml'], 'nothing new outside the work dir');
    assert.equal(await readFile(join(outside, 'cluster1.yaml'), 'utf8'), PRECIOUS, 'nothing overwritten outside the work dir');
    assert.deepEqual(await readdir(workDir), ['.git', 'clusters'], 'the status folder, link included, stays out of the work tree');
    const log = await history(url, join(fx.tmp, 'check-links'));
    assert.deepEqual(log[0]!.paths.sort(), ['status/SveltosCluster/civo', 'status/SveltosCluster/civo/cluster1.yaml', 'status/SveltosCluster/civo/cluster2.yaml']);
  });

  test('a plain folder: a link inside the status folder is replaced; the status folder as a link is refused', async () => {
    const dir = join(fx.tmp, 'plain');
    await writeFiles(dir, { 'clusters/c1.yaml': 'kind: SveltosCluster\n' });
    await mkdir(join(dir, 'status/SveltosCluster'), { recursive: true });
    await symlink(outside, join(dir, 'status/SveltosCluster/civo'));
    const repo = openRepo({ url: dir, branch: 'main', logger: captureLogger() });
    assert.deepEqual(await repo.readStatusFiles(), [], 'the link is not read through');
    await repo.commitStatus(new Map([['SveltosCluster/civo/cluster1.yaml', 'ready: true\n']]), { subject: 's' });
    assert.equal(await readFile(join(outside, 'cluster1.yaml'), 'utf8'), PRECIOUS);
    assert.ok((await lstat(join(dir, 'status/SveltosCluster/civo'))).isDirectory());

    const linked = join(fx.tmp, 'linked');
    await writeFiles(linked, { 'clusters/c1.yaml': 'kind: SveltosCluster\n' });
    await symlink(outside, join(linked, 'status'));
    const repo2 = openRepo({ url: linked, branch: 'main', logger: captureLogger() });
    assert.deepEqual(await repo2.readStatusFiles(), []);
    await assert.rejects(repo2.commitStatus(new Map([['cluster1.yaml', 'ready: true\n']]), { subject: 's' }), (err: unknown) => err instanceof GitError && err.code === 'invalid-status-path');
    assert.deepEqual(await readdir(outside), ['cluster1.yaml']);
    assert.equal(await readFile(join(outside, 'cluster1.yaml'), 'utf8'), PRECIOUS);
  });

  test('plan, show and validate read no status through a link and say where the link is', async () => {
    const dir = join(fx.tmp, 'cli');
    await writeFiles(dir, { 'clusters/c1.yaml': 'apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: cluster1, namespace: civo}\nspec: {}\n' });
    await mkdir(join(dir, 'status/SveltosCluster'), { recursive: true });
    await symlink(outside, join(dir, 'status/SveltosCluster/civo'));
    const snapshot = await readStatusDir(join(dir, 'status'));
    assert.equal(snapshot.clusters.size, 0, 'the forged file behind the link is not read');
    assert.deepEqual(snapshot.problems?.map((p) => p.path), ['SveltosCluster/civo']);
    const validated = await runCli(['validate', '.'], { cwd: dir });
    assert.match(validated.out, /^status\/SveltosCluster\/civo:1:1 warning status\/SveltosCluster\/civo is a symbolic link/m);
    const planned = await runCli(['plan', '.'], { cwd: dir });
    assert.match(planned.err, /ignoring status file SveltosCluster\/civo: a symbolic link/);

    const whole = join(fx.tmp, 'cli-whole');
    await writeFiles(whole, { 'clusters/c1.yaml': 'apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: cluster1, namespace: civo}\nspec: {}\n' });
    await symlink(join(fx.tmp, 'cli/status'), join(whole, 'status'));
    assert.deepEqual((await readStatusDir(join(whole, 'status'))).problems?.map((p) => p.path), ['.']);
  });
});
