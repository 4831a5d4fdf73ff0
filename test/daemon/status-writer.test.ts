// After a Git outage the commit that lands carries the messages of the cycles that could not push:
// a failover during the outage stays in `git log`. Real git http-backend, stopped and restarted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRepo } from '../../src/git/open.ts';
import type { Repo } from '../../src/git/repo.ts';
import { createStatusWriter } from '../../src/daemon/status-writer.ts';
import { createMetrics } from '../../src/daemon/metrics.ts';
import { silentLogger } from '../../src/daemon/logger.ts';
import { statusCodec } from '../../src/daemon/wiring.ts';
import { MAX_COALESCED, mergeCoalesced, mergeUnpushed, keepUnpushed, MAX_UNPUSHED, NOTHING_UNPUSHED, parseUnpushed, serializeUnpushed } from '../../src/status/commit-messages.ts';
import { createCommitter, createGitLane, type CommitRequest } from '../../src/daemon/git-work.ts';
import { emptySnapshot, type StatusSnapshot } from '../../src/status/snapshot.ts';
import type { RolloutStatus } from '../../src/model/status.ts';
import { startGitServer } from '../../src/sim/git-server.ts';
import { cliClone, fixture, gitCli, USER, userPush, type Fixture } from '../git/helpers.ts';

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

  test('the status files are read again for someone else\'s commit only, not for the tip pulled before gitset\'s own', async () => {
    const server = await startGitServer({ root: fx.root, auth: USER });
    try {
      await fx.seed('reread', { 'clusters/c1.yaml': 'kind: SveltosCluster\n' });
      const url = server.url('reread.git');
      const inner = openRepo({ url, branch: 'main', workDir: join(fx.tmp, 'work-reread'), auth: USER, logger: silentLogger() });
      let reads = 0;
      const repo = { ...inner, readStatusFiles: () => (reads++, inner.readStatusFiles()) };
      const writer = createStatusWriter({ repo, codec: statusCodec, metrics: createMetrics() });
      const pulled = await repo.pull();
      await writer.readCommitted();
      const log = silentLogger();
      const failures: string[] = [];
      const commit = (text: string, revision: string) => writer.commit(new Map([['a.yaml', text]]), () => GENERIC, log, failures, revision);
      // Cycles go on with the tip they pulled while gitset's own commits land on top of it.
      for (const n of [1, 2, 3]) assert.equal(await commit(`${n}\n`, pulled.revision), true);
      assert.equal(reads, 1, 'only the first read: 1,000 status files read again at every other commit made each slow');

      const user = await cliClone(url, join(fx.tmp, 'user-reread'));
      await userPush(user, { [`${inner.statusPath}/a.yaml`]: 'edited by hand\n' }, 'edit status');
      const theirs = await repo.pull();
      assert.equal(await commit('3\n', theirs.revision), true, 'the edited file is written back');
      assert.equal(reads, 2);
      assert.equal(await commit('3\n', theirs.revision), false);
      assert.equal(reads, 2);
      assert.deepEqual(failures, []);
    } finally {
      await server.close();
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

describe('status requests coalesced in the background', () => {
  let fx: Fixture;
  before(async () => {
    fx = await fixture();
  });
  after(async () => {
    await fx.close();
  });

  /** A snapshot whose ClusterProfile/kyverno stands at `rollout` (absent: no rollout). */
  const withRollout = (rollout?: RolloutStatus): StatusSnapshot => {
    const s = emptySnapshot();
    const object = { apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterProfile' as const, metadata: { name: 'kyverno' }, spec: {} };
    s.profiles.set('ClusterProfile/kyverno', { object, status: { matchingClusters: [], ...(rollout ? { rollout } : {}) } });
    return s;
  };
  const request = (n: number, snapshot: StatusSnapshot): CommitRequest => ({
    files: new Map([['a.yaml', `${n}\n`]]),
    snapshot,
    notes: [],
    message: (base) => statusCodec.describe(base, snapshot),
  });

  test('a request replaced before its commit started: the commit that lands says both requests\' lines, once each', async () => {
    await fx.seed('coalesce', { 'clusters/c1.yaml': 'kind: SveltosCluster\n' });
    const url = fx.server.url('coalesce.git');
    const repo = openRepo({ url, branch: 'main', workDir: join(fx.tmp, 'work-coalesce'), auth: USER, logger: silentLogger() });
    const writer = createStatusWriter({ repo, codec: statusCodec, metrics: createMetrics() });
    await repo.pull();
    await writer.readCommitted();
    const lane = createGitLane();
    const committer = createCommitter(writer, lane, silentLogger(), withRollout());
    // Git is busy (a pull): the first request's commit starts and waits for the lane; the next
    // two wait behind it, and the third replaces the second before its commit starts.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const pull = lane.run(() => gate);
    const started = withRollout({ maxUpdate: 1, updating: [], waiting: ['civo/c2', 'civo/c3'], wave: ['civo/c1'] });
    const wave2 = withRollout({ maxUpdate: 1, updating: ['civo/c1'], waiting: ['civo/c3'], wave: ['civo/c2'] });
    const wave3 = withRollout({ maxUpdate: 1, updating: ['civo/c2'], waiting: [], wave: ['civo/c3'] });
    committer.submit(request(1, started));
    committer.submit(request(2, wave2));
    committer.submit(request(3, wave3));
    release();
    await pull;
    await committer.idle();

    const user = await cliClone(url, join(fx.tmp, 'user-coalesce'));
    const log = (await gitCli(user, ['log', '--format=%B%x00'])).split('\0').map((m) => m.trim()).filter(Boolean);
    assert.equal(log.length, 3, `the seed, the first request's commit, one for the other two:\n${log.join('\n---\n')}`);
    assert.equal(log[1], 'status: ClusterProfile/kyverno rollout started: maxUpdate 1, wave civo/c1, 2 waiting\n\n- ClusterProfile/kyverno rollout started: maxUpdate 1, wave civo/c1, 2 waiting');
    const lines = log[0]!.split('\n').filter((l) => l.startsWith('- '));
    assert.deepEqual(lines, ['- ClusterProfile/kyverno rollout wave: civo/c2 (1 waiting)', '- ClusterProfile/kyverno rollout wave: civo/c3 (0 waiting)'], 'the replaced wave is said, then the newer one, each once');
    assert.equal(log[0]!.split('\n')[0], 'status: ClusterProfile/kyverno rollout wave: civo/c2 (1 waiting) (+1 more)');
  });

  test('a long Git stall: more replaced requests than are kept one by one still lose no line', async () => {
    await fx.seed('stall', { 'clusters/c1.yaml': 'kind: SveltosCluster\n' });
    const url = fx.server.url('stall.git');
    const repo = openRepo({ url, branch: 'main', workDir: join(fx.tmp, 'work-stall'), auth: USER, logger: silentLogger() });
    const writer = createStatusWriter({ repo, codec: statusCodec, metrics: createMetrics() });
    await repo.pull();
    await writer.readCommitted();
    const lane = createGitLane();
    const committer = createCommitter(writer, lane, silentLogger(), withRollout());
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const pull = lane.run(() => gate);
    const n = MAX_COALESCED * 2;
    const wave = (i: number) => withRollout({ maxUpdate: 1, updating: [], waiting: [], wave: [`civo/c${i}`] });
    for (let i = 0; i <= n; i++) committer.submit(request(i, wave(i)));
    release();
    await pull;
    await committer.idle();
    const user = await cliClone(url, join(fx.tmp, 'user-stall'));
    const body = await gitCli(user, ['log', '-1', '--format=%b']);
    const said = body.split('\n').filter((l) => l.includes('rollout wave'));
    assert.deepEqual(said, Array.from({ length: n }, (_, k) => `- ClusterProfile/kyverno rollout wave: civo/c${k + 1} (0 waiting)`));
  });

  test('a line two coalesced messages both say is said once; a note\'s subject stays', () => {
    const a = { subject: 'status: x; y', body: '- x\n- y' };
    const b = { subject: 'status: y; z', body: '- y\n- z' };
    assert.deepEqual(mergeCoalesced([a], b), { subject: 'status: x; y; z', body: '- x\n- y\n- z' });
    assert.deepEqual(mergeCoalesced([a, a], { subject: 'status: update', body: '' }), { subject: 'status: x; y', body: '- x\n- y' });
    const noted = { subject: 'gitset: breaker open', body: 'breaker open: 3 of 4 clusters down\n\nstatus: z\n- z' };
    assert.deepEqual(mergeCoalesced([a], noted), { subject: 'gitset: breaker open', body: '- x\n- y\n\nbreaker open: 3 of 4 clusters down\n\nstatus: z\n- z' });
    assert.equal(mergeCoalesced([b], b), b, 'nothing more to say: the message as it was');
  });
});

test('the render seed an older gitset kept beside the clone goes; a .git that is a file is left to the clone to report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitset-old-seed-'));
  try {
    const gitdir = join(dir, 'clone', '.git');
    mkdirSync(gitdir, { recursive: true });
    writeFileSync(join(gitdir, 'gitset-rendered-status'), '{"format":1}\n');
    createStatusWriter({ repo: { stateDir: gitdir } as unknown as Repo, codec: statusCodec, metrics: createMetrics() });
    assert.equal(existsSync(join(gitdir, 'gitset-rendered-status')), false);
    writeFileSync(join(dir, '.git'), 'gitdir: elsewhere\n');
    assert.doesNotThrow(() => createStatusWriter({ repo: { stateDir: join(dir, '.git') } as unknown as Repo, codec: statusCodec, metrics: createMetrics() }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
