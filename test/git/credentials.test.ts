// Git credentials that change under a running daemon, and repository addresses that only look local.
import assert from 'node:assert/strict';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resolveConfig } from '../../src/daemon/config.ts';
import { GitError } from '../../src/git/errors.ts';
import { isScpLike, parseRepoLocation } from '../../src/git/location.ts';
import { openRepo } from '../../src/git/open.ts';
import { captureLogger, fixture, type Fixture } from './helpers.ts';

const isGitError = (code: GitError['code']) => (e: unknown) => e instanceof GitError && e.code === code;

/** Replaces `path` as a Secret volume update does: a new file renamed over the old one. */
async function rotate(path: string, text: string): Promise<void> {
  await writeFile(`${path}.new`, text);
  await rename(`${path}.new`, path);
}

describe('token and password files', () => {
  let fx: Fixture;
  let url: string;
  before(async () => {
    fx = await fixture();
    url = await fx.seed('fleet', { 'clusters/c1.yaml': 'kind: SveltosCluster\n' });
  });
  after(() => fx.close());

  test('a rotated token file is used from the next request on, without reopening the repository', async () => {
    const tokenFile = join(fx.tmp, 'token');
    await rotate(tokenFile, 'ghs_first\n');
    fx.server.setAuth({ username: 'x-access-token', password: 'ghs_first' });
    const repo = openRepo({ url, branch: 'main', workDir: join(fx.tmp, 'work-token'), auth: { token: 'ghs_first', tokenFile }, logger: captureLogger() });
    assert.equal((await repo.pull()).changed, true);

    // The App token expired: the server takes only the new one; the file still holds the old one.
    fx.server.setAuth({ username: 'x-access-token', password: 'ghs_second' });
    await assert.rejects(repo.pull(), isGitError('auth-failed'));
    await rotate(tokenFile, 'ghs_second\n');
    assert.equal((await repo.pull()).changed, false);
    const pushed = await repo.commitStatus(new Map([['clusters/c1.yaml', 'ready: true\n']]), { subject: 'c1: ready' });
    assert.ok(pushed, 'the status push carries the new token too');
  });

  test('a password file is read again when it changes; a moment without it keeps the last one', async () => {
    const passwordFile = join(fx.tmp, 'password');
    await rotate(passwordFile, 'pw-1\n');
    fx.server.setAuth({ username: 'bot', password: 'pw-1' });
    const repo = openRepo({ url, branch: 'main', workDir: join(fx.tmp, 'work-password'), auth: { username: 'bot', password: 'pw-1', passwordFile }, logger: captureLogger() });
    await repo.pull();
    await writeFile(passwordFile, '');
    await repo.pull();
    fx.server.setAuth({ username: 'bot', password: 'pw-2' });
    await rotate(passwordFile, 'pw-2');
    await repo.pull();
  });
});

describe('scp-style SSH addresses', () => {
  const ssh = (e: unknown) => isGitError('unsupported-transport')(e) && /SSH URLs are not supported/.test((e as Error).message);

  test('are refused like ssh:// URLs, with the https address to use instead', () => {
    assert.throws(() => parseRepoLocation('git@github.com:acme/fleet.git', '/srv'), (e: Error) => ssh(e) && e.message.includes('(https://github.com/acme/fleet.git)'));
    assert.throws(() => parseRepoLocation('github.com:acme/fleet.git', '/srv'), ssh);
    assert.throws(() => parseRepoLocation('ssh://git@github.com:22/acme/fleet.git', '/srv'), (e: Error) => ssh(e) && e.message.includes('(https://github.com/acme/fleet.git)'));
  });

  test('the daemon configuration leaves them as addresses instead of resolving them as folders', () => {
    const config = resolveConfig({ flags: { repo: 'git@github.com:acme/fleet.git' }, env: {}, cwd: '/srv' });
    assert.equal(config.repo, 'git@github.com:acme/fleet.git');
    assert.throws(() => openRepo({ url: config.repo, branch: 'main', cwd: '/srv', logger: captureLogger() }), ssh);
  });

  test('folders with a colon after a slash stay folders, as with git', () => {
    assert.equal(isScpLike('./fleet:v2'), false);
    assert.equal(isScpLike('/srv/fleet:v2'), false);
    assert.deepEqual(parseRepoLocation('./fleet:v2', '/srv'), { kind: 'local', path: '/srv/fleet:v2' });
  });

  test('token files are kept as paths, resolved against the working directory', () => {
    const config = resolveConfig({ flags: { repo: 'https://github.com/acme/fleet.git', gitTokenFile: 'run/token' }, env: {}, cwd: '/srv', readFile: () => 'ghs_x\n' });
    assert.equal(config.secrets.gitTokenFile, '/srv/run/token');
    assert.equal(config.secrets.gitToken, 'ghs_x');
  });
});
