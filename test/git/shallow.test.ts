// The first clone holds the branch tip alone; walks that go further back (which commit brought the
// inputs, an older revision's files, a log) fetch more history from the real smart-HTTP server.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodeHttp from 'isomorphic-git/http/node';
import { introducedAtFinder } from '../../src/daemon/introduced-at.ts';
import { GitError } from '../../src/git/errors.ts';
import type { GitHttpClient } from '../../src/git/http.ts';
import { openRemoteRepo } from '../../src/git/remote.ts';
import { captureLogger, cliClone, fixtureForSuite, gitCli, USER, userPush } from './helpers.ts';

const INPUTS = { 'clusters/c1.yaml': 'kind: SveltosCluster\n', 'sets/prod.yaml': 'kind: ClusterSet\nmetadata: {name: prod}\n' };

describe('a shallow first clone, deepened when a walk needs more', () => {
  const suite = fixtureForSuite();
  let n = 0;

  /** A repository whose tip is two status commits over a user's change, over the seed. */
  /** Removes capabilities from the server's upload-pack ref listing, as an older or other server would not list them. */
  function without(names: string[], base: GitHttpClient): GitHttpClient {
    return {
      request: async (req) => {
        const res = await base.request(req);
        if (!req.url.endsWith('info/refs?service=git-upload-pack') || !res.body) return res;
        const parts: Buffer[] = [];
        for await (const chunk of res.body) parts.push(Buffer.from(chunk));
        const text = Buffer.concat(parts).toString('latin1');
        // The first ref line after the service line carries the capabilities; its pkt-line length is written anew.
        const at = text.indexOf('0000') + 4;
        const len = parseInt(text.slice(at, at + 4), 16);
        let line = text.slice(at + 4, at + len);
        for (const name of names) line = line.replace(new RegExp(` ${name}(?= |\n)`), '');
        const body = text.slice(0, at) + (line.length + 4).toString(16).padStart(4, '0') + line + text.slice(at + len);
        return { ...res, body: (async function* () { yield Buffer.from(body, 'latin1'); })() };
      },
    };
  }

  async function setup(strip: string[] = []) {
    const name = `s${++n}`;
    const url = await suite().seed(name, INPUTS);
    const user = await cliClone(url, join(suite().tmp, `user-${name}`));
    const seedCommit = (await gitCli(user, ['rev-parse', 'HEAD'])).trim();
    await userPush(user, { 'sets/prod.yaml': 'kind: ClusterSet\nmetadata: {name: prod}\nspec: {maxReplicas: 2}\n' }, 'user change');
    const change = (await gitCli(user, ['rev-parse', 'HEAD'])).trim();
    await userPush(user, { 'status/ClusterSet/prod.yaml': 'a: 1\n' }, 'status one');
    await userPush(user, { 'status/gitset.yaml': 'b: 1\n' }, 'status two');
    const tip = (await gitCli(user, ['rev-parse', 'HEAD'])).trim();
    const uploads: string[] = [];
    const http: GitHttpClient = {
      request: (req) => {
        if (req.method === 'POST' && req.url.endsWith('/git-upload-pack')) uploads.push(req.url);
        return (strip.length > 0 ? without(strip, nodeHttp) : nodeHttp).request(req);
      },
    };
    const workDir = join(suite().tmp, 'work', name);
    const repo = openRemoteRepo({ url, branch: 'main', rootSegs: [], statusSegs: ['status'], workDir, auth: USER, logger: captureLogger(), http });
    return { url, user, seedCommit, change, tip, workDir, repo, uploads };
  }

  test('the first clone holds the tip alone, and git reads it as a shallow clone', async () => {
    const { repo, user, tip, change, workDir } = await setup();
    const pulled = await repo.pull();
    assert.equal(pulled.revision, tip);
    assert.equal(await readFile(join(workDir, '.git', 'shallow'), 'utf8'), `${tip}\n`);
    assert.equal((await gitCli(workDir, ['rev-parse', '--is-shallow-repository'])).trim(), 'true');
    assert.deepEqual((await gitCli(workDir, ['log', '--format=%H'])).trim().split('\n'), [tip]);
    await assert.rejects(gitCli(workDir, ['cat-file', '-e', change]), 'the user change below the tip was not fetched');
    assert.equal(await readFile(join(pulled.dir, 'sets/prod.yaml'), 'utf8'), 'kind: ClusterSet\nmetadata: {name: prod}\nspec: {maxReplicas: 2}\n');
    // A log of every parent (as `gitset show` walks one) goes past the tip like `git log` does.
    const logged: string[] = [];
    for await (const c of repo.history({ max: 3 })) logged.push(c.revision);
    assert.deepEqual(logged, (await gitCli(user, ['log', '-3', '--format=%H'])).trim().split('\n'));
  });

  test('walks fetch the history they need: the commit that brought the inputs, an older revision, the whole log', async () => {
    const { repo, url, user, seedCommit, change, tip, workDir } = await setup();
    await repo.pull();
    // Upstream moves on meanwhile: deepening fetches history, never the branch.
    await userPush(user, { 'clusters/c2.yaml': 'kind: SveltosCluster\n' }, 'add c2');
    const next = (await gitCli(user, ['rev-parse', 'HEAD'])).trim();

    assert.equal(await introducedAtFinder(repo)(tip), change, 'found below the two status commits');
    const older = await repo.readFilesAt(seedCommit, 'sets');
    assert.deepEqual(older.map((f) => [f.path, f.text]), [['prod.yaml', INPUTS['sets/prod.yaml']]]);
    const walked: string[] = [];
    for await (const c of repo.history({ max: 100 })) walked.push(c.revision);
    assert.deepEqual(walked, [tip, (await gitCli(user, ['rev-parse', 'HEAD~2'])).trim(), change, seedCommit]);
    const firstParents: string[] = [];
    for await (const c of repo.history({ max: 2, firstParent: true })) firstParents.push(c.revision);
    assert.equal(firstParents.length, 2);

    assert.ok(!existsSync(join(workDir, '.git', 'shallow')), 'the history is whole now');
    await gitCli(workDir, ['fsck', '--connectivity-only', '--no-dangling']);
    assert.equal((await gitCli(workDir, ['rev-parse', 'main'])).trim(), tip, 'the branch did not move');
    const pulled = await repo.pull();
    assert.deepEqual([pulled.revision, pulled.revisionChanged, pulled.forced], [next, true, false]);
    assert.ok(existsSync(join(pulled.dir, 'clusters/c2.yaml')));
    const res = await repo.commitStatus(new Map([['x.yaml', 'x\n']]), { subject: 'status after deepening' });
    assert.equal(res.pushed, true);
    const check = await cliClone(url, join(suite().tmp, `check-${n}`));
    assert.equal((await gitCli(check, ['log', '-1', '--format=%s'])).trim(), 'status after deepening');
  });

  test('a walk stops where it needs to: one deepening for a short walk, the whole history for an unknown revision', async () => {
    const { repo, tip, change, uploads, workDir } = await setup();
    await repo.pull();
    assert.equal(uploads.length, 1, 'the clone was one request');
    const before = uploads.length;
    assert.equal(await introducedAtFinder(repo)(tip), change);
    assert.equal(uploads.length - before, 1, 'one request deepened the clone');

    const again = uploads.length;
    await assert.rejects(repo.readFilesAt('0'.repeat(40), ''), (e: GitError) => e.code === 'revision-not-found');
    assert.ok(uploads.length - again <= 2, `an unknown revision costs a fetch and a deepening at most (${uploads.length - again})`);
    assert.ok(!existsSync(join(workDir, '.git', 'shallow')));
  });

  test('a server without deepen-relative is asked for the whole history at the first walk; one without shallow clones gets a whole clone', async () => {
    const relative = await setup(['deepen-relative']);
    await relative.repo.pull();
    assert.ok(existsSync(join(relative.workDir, '.git', 'shallow')));
    assert.equal(await introducedAtFinder(relative.repo)(relative.tip), relative.change);
    assert.ok(!existsSync(join(relative.workDir, '.git', 'shallow')), 'one deepening brought all of it');
    await gitCli(relative.workDir, ['fsck', '--connectivity-only', '--no-dangling']);

    const whole = await setup(['shallow']);
    await whole.repo.pull();
    assert.ok(!existsSync(join(whole.workDir, '.git', 'shallow')));
    assert.equal((await gitCli(whole.workDir, ['cat-file', '-t', whole.seedCommit])).trim(), 'commit');
    assert.equal(await introducedAtFinder(whole.repo)(whole.tip), whole.change);
  });

  test('a status branch of its own is fetched at its tip too; later status commits on it come as they land', async () => {
    const name = `s${++n}`;
    const url = await suite().seed(name, INPUTS);
    const user = await cliClone(url, join(suite().tmp, `user-${name}`));
    await gitCli(user, ['checkout', '-q', '-b', 'gitset-status']);
    for (const round of [1, 2, 3]) await userPush(user, { 'status/ClusterSet/prod.yaml': `round: ${round}\n` }, `status round ${round}`);
    const older = (await gitCli(user, ['rev-parse', 'HEAD~1'])).trim();
    const workDir = join(suite().tmp, 'work', name);
    const repo = openRemoteRepo({ url, branch: 'main', statusBranch: 'gitset-status', rootSegs: [], statusSegs: ['status'], workDir, auth: USER, logger: captureLogger() });
    await repo.pull();
    assert.deepEqual(await repo.readStatusFiles(), [{ path: 'ClusterSet/prod.yaml', text: 'round: 3\n' }]);
    await assert.rejects(gitCli(workDir, ['cat-file', '-e', older]), 'the status branch below its tip was not fetched');

    await userPush(user, { 'status/ClusterSet/prod.yaml': 'round: 4\n' }, 'status round 4');
    await repo.pull();
    assert.deepEqual(await repo.readStatusFiles(), [{ path: 'ClusterSet/prod.yaml', text: 'round: 4\n' }]);
    const res = await repo.commitStatus(new Map([['ClusterSet/prod.yaml', 'round: 5\n']]), { subject: 'status round 5' });
    assert.equal(res.pushed, true);
    await gitCli(user, ['fetch', '-q', 'origin', 'gitset-status']);
    assert.equal((await gitCli(user, ['log', '-1', '--format=%s', 'FETCH_HEAD'])).trim(), 'status round 5');
    await gitCli(workDir, ['fsck', '--connectivity-only', '--no-dangling']);
  });
});
