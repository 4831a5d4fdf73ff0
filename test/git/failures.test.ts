// Failure modes of the remote Repo: server down, wrong credentials, unknown branch, SSH URLs,
// and credentials that must never show up in errors, logs or the clone's config.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import nodeHttp from 'isomorphic-git/http/node';
import { openRepo } from '../../src/git/open.ts';
import { openRemoteRepo } from '../../src/git/remote.ts';
import { GitError } from '../../src/git/errors.ts';
import { startGitServer } from '../../src/sim/git-server.ts';
import { captureLogger, fixture, USER, type Fixture } from './helpers.ts';

const isGitError = (code: GitError['code']) => (e: unknown) => e instanceof GitError && e.code === code;

describe('remote repository failures', () => {
  let fx: Fixture;
  let url: string;
  before(async () => {
    fx = await fixture();
    url = await fx.seed('repo', { 'sets/prod.yaml': 'kind: ClusterSet\n' });
  });
  after(async () => {
    await fx.close();
  });

  test('server down: typed transient error; the next pull works once it is back', async () => {
    const root = fx.root;
    const server = await startGitServer({ root, auth: USER });
    const port = server.port;
    const repo = openRepo({ url: server.url('repo.git'), branch: 'main', workDir: join(fx.tmp, 'work-down'), auth: USER, logger: captureLogger() });
    const first = await repo.pull();
    await server.close();
    await assert.rejects(repo.pull(), (e: GitError) => isGitError('unreachable')(e) && /cannot reach/.test(e.message));
    await assert.rejects(repo.commitStatus(new Map([['reset.yaml', 'never lands\n']]), { subject: 's' }), isGitError('unreachable'));
    const back = await startGitServer({ root, auth: USER, port });
    try {
      const pulled = await repo.pull();
      assert.equal(pulled.revision, first.revision);
      const res = await repo.commitStatus(new Map([['a.yaml', 'a\n']]), { subject: 's' });
      assert.equal(res.pushed, true);
    } finally {
      await back.close();
    }
  });

  test('a clone that fails while the server is down leaves nothing half-made behind', async () => {
    const server = await startGitServer({ root: fx.root, auth: USER });
    const port = server.port;
    await server.close();
    const workDir = join(fx.tmp, 'work-never');
    const repo = openRepo({ url: `http://127.0.0.1:${port}/repo.git`, branch: 'main', workDir, auth: USER, logger: captureLogger() });
    await assert.rejects(repo.pull(), isGitError('unreachable'));
    const back = await startGitServer({ root: fx.root, auth: USER, port });
    try {
      assert.equal((await repo.pull()).changed, true);
    } finally {
      await back.close();
    }
  });

  test('wrong or missing credentials: auth-failed, and the secret appears nowhere', async () => {
    const wrong = { username: USER.username, password: 'wrong-Pa55-zz9' };
    for (const auth of [wrong, { token: 'tok-ABCDEF-123456' }, undefined]) {
      const logger = captureLogger();
      const repo = openRepo({ url, branch: 'main', workDir: join(fx.tmp, `work-auth-${auth ? Object.keys(auth)[0] : 'none'}`), logger, ...(auth ? { auth } : {}) });
      const err = await repo.pull().then(() => undefined, (e: unknown) => e);
      assert.ok(isGitError('auth-failed')(err), String(err));
      const everything = inspect(err, { depth: 10 }) + logger.text();
      for (const secret of ['wrong-Pa55-zz9', 'tok-ABCDEF-123456', USER.password]) assert.ok(!everything.includes(secret), `leaked ${secret}`);
    }
  });

  test('credentials embedded in the URL work but are redacted from errors, logs and the clone config', async () => {
    const logger = captureLogger();
    const secretUrl = url.replace('http://', `http://${USER.username}:${USER.password}@`);
    const workDir = join(fx.tmp, 'work-url-creds');
    const repo = openRepo({ url: secretUrl, branch: 'main', workDir, logger });
    assert.equal(repo.displayUrl, url);
    await repo.pull();
    await repo.commitStatus(new Map([['a.yaml', 'a\n']]), { subject: 'with url creds' });
    const config = await readFile(join(workDir, '.git/config'), 'utf8');
    assert.ok(!config.includes(USER.password));
    const missing = openRepo({ url: secretUrl, branch: 'no-such-branch', workDir: join(fx.tmp, 'work-url-creds-2'), logger });
    const err = await missing.pull().then(() => undefined, (e: unknown) => e);
    assert.ok(isGitError('branch-not-found')(err));
    assert.ok(!(inspect(err, { depth: 10 }) + logger.text()).includes(USER.password));
  });

  test('a server that accepts but never answers: unreachable after the timeout', async () => {
    const sockets = new Set<Socket>();
    const hung = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    try {
      const port = (hung.address() as AddressInfo).port;
      const repo = openRepo({ url: `http://127.0.0.1:${port}/repo.git`, branch: 'main', workDir: join(fx.tmp, 'work-hung'), timeoutMs: 300, logger: captureLogger() });
      await assert.rejects(repo.pull(), (e: GitError) => isGitError('unreachable')(e) && /in time/.test(e.message));
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => hung.close(resolve));
    }
  });

  test('a connection reset on a read is retried once; on a push it is reported, never re-sent', async () => {
    let resets = 0;
    let pushes = 0;
    const flaky: typeof nodeHttp = {
      request: async (req) => {
        const isPush = req.url.endsWith('/git-receive-pack');
        if (isPush) pushes++;
        if (resets < 1 || isPush) {
          resets++;
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        }
        return nodeHttp.request(req);
      },
    };
    const repo = openRemoteRepo({ url, branch: 'main', rootSegs: [], statusSegs: ['status'], workDir: join(fx.tmp, 'work-reset'), auth: USER, logger: captureLogger(), http: flaky });
    assert.equal((await repo.pull()).changed, true);
    await assert.rejects(repo.commitStatus(new Map([['reset.yaml', 'never lands\n']]), { subject: 's' }), isGitError('unreachable'));
    assert.equal(pushes, 1);
  });

  test('unknown branch: branch-not-found naming the branch', async () => {
    const repo = openRepo({ url, branch: 'does-not-exist', workDir: join(fx.tmp, 'work-branch'), auth: USER, logger: captureLogger() });
    await assert.rejects(repo.pull(), (e: GitError) => isGitError('branch-not-found')(e) && e.message.includes('does-not-exist'));
  });

  test('unknown repository: repo-not-found', async () => {
    const repo = openRepo({ url: fx.server.url('nope.git'), branch: 'main', workDir: join(fx.tmp, 'work-nope'), auth: USER, logger: captureLogger() });
    await assert.rejects(repo.pull(), isGitError('repo-not-found'));
  });

  test('SSH URLs are refused up front, saying isomorphic-git supports only HTTP(S) and local paths', () => {
    for (const ssh of ['git@github.com:org/fleet.git', 'ssh://git@example.com/org/fleet.git', 'git+ssh://example.com/fleet.git']) {
      assert.throws(
        () => openRepo({ url: ssh, branch: 'main', workDir: join(fx.tmp, 'ssh'), logger: captureLogger() }),
        (e: GitError) => isGitError('unsupported-transport')(e) && /isomorphic-git/.test(e.message) && /HTTP\(S\)/.test(e.message),
      );
    }
  });

  test('a work dir holding another repository is refused rather than reused', async () => {
    const workDir = join(fx.tmp, 'work-shared');
    await openRepo({ url, branch: 'main', workDir, auth: USER, logger: captureLogger() }).pull();
    const other = await fx.seed('other', { 'x.yaml': 'x\n' });
    await assert.rejects(openRepo({ url: other, branch: 'main', workDir, auth: USER, logger: captureLogger() }).pull(), isGitError('work-dir-conflict'));
  });
});
