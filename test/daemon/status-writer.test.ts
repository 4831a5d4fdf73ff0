// After a Git outage the commit that lands carries the messages of the cycles that could not push:
// a failover during the outage stays in `git log`. Real git http-backend, stopped and restarted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openRepo } from '../../src/git/open.ts';
import { createStatusWriter } from '../../src/daemon/status-writer.ts';
import { createMetrics } from '../../src/daemon/metrics.ts';
import { silentLogger } from '../../src/daemon/logger.ts';
import { statusCodec } from '../../src/daemon/wiring.ts';
import { mergeUnpushed, keepUnpushed, MAX_UNPUSHED, NOTHING_UNPUSHED, parseUnpushed, serializeUnpushed } from '../../src/status/commit-messages.ts';
import { startGitServer } from '../../src/sim/git-server.ts';
import { cliClone, fixture, gitCli, USER, type Fixture } from '../git/helpers.ts';

const FAILOVER = { subject: 'status: ClusterSet/prod failed over from civo/c1 to civo/c2 in 4s', body: '- ClusterSet/prod failed over from civo/c1 to civo/c2 in 4s' };
const DOWN = { subject: 'status: civo/c1 not ready (timeout after 5s)', body: '- civo/c1 not ready (timeout after 5s)' };
const GENERIC = { subject: 'status: update', body: '' };

describe('status commits after a Git outage', () => {
  let fx: Fixture;
  before(async () => {
    fx = await fixture();
  });
  after(async () => {
    await fx.close();
  });

  test('the commit that lands keeps the messages of the cycles whose push failed', async () => {
    const server = await startGitServer({ root: fx.root, auth: USER });
    const port = server.port;
    await fx.seed('outage', { 'clusters/c1.yaml': 'kind: SveltosCluster\n' });
    const url = server.url('outage.git');
    const repo = openRepo({ url, branch: 'main', workDir: join(fx.tmp, 'work-outage'), auth: USER, logger: silentLogger() });
    const writer = createStatusWriter({ repo, codec: statusCodec, metrics: createMetrics() });
    await repo.pull();
    await writer.readCommitted();
    const log = silentLogger();
    const failures: string[] = [];
    assert.equal(await writer.commit(new Map([['a.yaml', '1\n']]), () => ({ subject: 'status: first' }), log, failures), true);

    await server.close();
    assert.equal(await writer.commit(new Map([['a.yaml', '2\n']]), () => DOWN, log, failures), false);
    assert.equal(await writer.commit(new Map([['a.yaml', '3\n']]), () => FAILOVER, log, failures), false);
    assert.equal(await writer.commit(new Map([['a.yaml', '4\n']]), () => GENERIC, log, failures), false);
    assert.equal(failures.length, 3);

    const back = await startGitServer({ root: fx.root, auth: USER, port });
    try {
      assert.equal(await writer.commit(new Map([['a.yaml', '5\n']]), () => GENERIC, log, failures), true);
      const user = await cliClone(url, join(fx.tmp, 'user-outage'));
      const subjects = (await gitCli(user, ['log', '--format=%s'])).split('\n');
      assert.equal(subjects.length, 3, 'one commit for the outage');
      assert.equal(subjects[0], `${FAILOVER.subject} (+1 more)`);
      const body = await gitCli(user, ['log', '-1', '--format=%b']);
      assert.match(body, /earlier cycles whose status could not be pushed/);
      assert.ok(body.indexOf(DOWN.subject) >= 0 && body.indexOf(DOWN.subject) < body.indexOf(FAILOVER.subject), 'oldest first');
      assert.doesNotMatch(body, /status: update/);

      // Once landed, the next commit says only its own change.
      assert.equal(await writer.commit(new Map([['a.yaml', '6\n']]), () => DOWN, log, failures), true);
      assert.equal(await gitCli(user, ['pull', '-q']).then(() => gitCli(user, ['log', '-1', '--format=%s'])), DOWN.subject);
    } finally {
      await back.close();
    }
  });

  test('a restart during the outage keeps the unpushed messages: the commit that lands after it still says the failover', async () => {
    const server = await startGitServer({ root: fx.root, auth: USER });
    const port = server.port;
    await fx.seed('restart', { 'clusters/c1.yaml': 'kind: SveltosCluster\n' });
    const url = server.url('restart.git');
    const workDir = join(fx.tmp, 'work-restart');
    const open = () => openRepo({ url, branch: 'main', workDir, auth: USER, logger: silentLogger() });
    const repo = open();
    const writer = createStatusWriter({ repo, codec: statusCodec, metrics: createMetrics() });
    await repo.pull();
    await writer.readCommitted();
    const log = silentLogger();
    const failures: string[] = [];
    assert.equal(await writer.commit(new Map([['a.yaml', '1\n']]), () => ({ subject: 'status: first' }), log, failures), true);
    await server.close();
    assert.equal(await writer.commit(new Map([['a.yaml', '2\n']]), () => FAILOVER, log, failures), false);
    await repo.close();

    // The process restarts; Git answers again.
    const back = await startGitServer({ root: fx.root, auth: USER, port });
    try {
      const again = open();
      const restarted = createStatusWriter({ repo: again, codec: statusCodec, metrics: createMetrics() });
      await again.pull();
      await restarted.readCommitted();
      assert.equal(await restarted.commit(new Map([['a.yaml', '3\n']]), () => GENERIC, log, failures), true);
      const user = await cliClone(url, join(fx.tmp, 'user-restart'));
      assert.equal(await gitCli(user, ['log', '-1', '--format=%s']), FAILOVER.subject);
      assert.match(await gitCli(user, ['log', '-1', '--format=%b']), /1 earlier cycle whose status could not be pushed/);
      // Said once: the next commit is only its own.
      assert.equal(await restarted.commit(new Map([['a.yaml', '4\n']]), () => DOWN, log, failures), true);
      assert.equal(await gitCli(user, ['pull', '-q']).then(() => gitCli(user, ['log', '-1', '--format=%s'])), DOWN.subject);
      const third = createStatusWriter({ repo: open(), codec: statusCodec, metrics: createMetrics() });
      assert.equal(await third.commit(new Map([['a.yaml', '5\n']]), () => DOWN, log, failures), true);
      assert.equal(await gitCli(user, ['pull', '-q']).then(() => gitCli(user, ['log', '-1', '--format=%b'])).then((b) => /earlier cycle/.test(b)), false, 'nothing kept after it landed');
    } finally {
      await back.close();
    }
  });

  test('what is kept on disk is read back only when well-formed', () => {
    const kept = keepUnpushed(keepUnpushed(NOTHING_UNPUSHED, DOWN), FAILOVER);
    assert.deepEqual(parseUnpushed(serializeUnpushed(kept)), kept);
    for (const bad of ['', '{', 'null', '{"version":2,"messages":[],"dropped":0}', '[]']) assert.deepEqual(parseUnpushed(bad), NOTHING_UNPUSHED, bad);
    assert.deepEqual(parseUnpushed('{"version":1,"messages":[{"subject":"a"},{"body":"no subject"},7],"dropped":-3}'), { messages: [{ subject: 'a' }], dropped: 0 });
  });

  test('a long outage keeps the newest messages and says how many were not kept', () => {
    let unpushed = NOTHING_UNPUSHED;
    for (let i = 0; i < MAX_UNPUSHED + 5; i++) unpushed = keepUnpushed(unpushed, { subject: `status: change ${i}` });
    assert.equal(unpushed.messages.length, MAX_UNPUSHED);
    const merged = mergeUnpushed(unpushed, GENERIC);
    assert.equal(merged.subject, `status: change ${MAX_UNPUSHED + 4} (+${MAX_UNPUSHED + 4} more)`);
    assert.match(merged.body ?? '', new RegExp(`${MAX_UNPUSHED + 5} earlier cycles .*the oldest 5 not kept`));
    assert.deepEqual(mergeUnpushed(NOTHING_UNPUSHED, DOWN), DOWN);
    assert.deepEqual(mergeUnpushed(keepUnpushed(NOTHING_UNPUSHED, GENERIC), GENERIC), GENERIC);
  });
});
