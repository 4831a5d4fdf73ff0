// `gitset show rollouts` reads rollouts and promotions back from the status commits of a real Git
// history: the lines describe-rollouts.ts and describe-promotions.ts write, oldest first, each
// once, and only from commits that changed the status folder.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { gitCliEnv } from '../../src/sim/git-server.ts';
import { readRolloutEvents, readRolloutLine } from '../../src/status/read-rollouts.ts';
import { runCli } from './run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'gitset-rollouts-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const P = 'ClusterProfile/kyverno';
const PROMO = 'ClusterPromotion/web';

/** Status commits as the daemon writes them: subject, then one `- change` line each. */
const COMMITS: Array<{ at: string; lines: string[]; status?: boolean }> = [
  { at: '2026-03-01T10:00:00Z', lines: ['new cluster civo/cluster1', `${P} rollout started: maxUpdate 1, wave civo/cluster1, 3 waiting`] },
  { at: '2026-03-01T10:01:00Z', lines: [`${P} rollout wave: civo/cluster2 (2 waiting)`, 'deployed kyverno-latest on civo/cluster1'] },
  // A user's commit that does not touch the status folder is no status commit, whatever it says.
  { at: '2026-03-01T10:01:30Z', lines: [`${P} rollout done`], status: false },
  { at: '2026-03-01T10:02:00Z', lines: [`${P} rollout halted: civo/cluster2: kyverno/kyverno-latest failed (timed out waiting for the condition) (2 waiting)`] },
  { at: '2026-03-02T09:00:00Z', lines: [`${P} rollout resumed`, `${P} rollout wave: civo/cluster3, civo/cluster4 (0 waiting)`] },
  { at: '2026-03-02T09:05:00Z', lines: [`${P} rollout done`, `${PROMO} promotion stage staging started: civo/cluster1, civo/cluster2`] },
  { at: '2026-03-02T09:06:00Z', lines: [`${PROMO} promotion stage staging healthy`, `${PROMO} promotion stage staging awaiting approval`] },
  { at: '2026-03-02T09:07:00Z', lines: [`${PROMO} promotion stage prod awaiting delay until 2026-03-02T10:07:00.000Z`] },
  { at: '2026-03-02T10:08:00Z', lines: [`${PROMO} promotion stage prod started: civo/cluster3`, `${PROMO} promotion done`] },
];

describe('gitset show rollouts', () => {
  const dir = join(tmp, 'repo');
  before(async () => {
    mkdirSync(join(dir, 'status'), { recursive: true });
    mkdirSync(join(dir, 'profiles'), { recursive: true });
    for (const [i, c] of COMMITS.entries()) {
      const env = { ...gitCliEnv(), GIT_AUTHOR_DATE: c.at, GIT_COMMITTER_DATE: c.at };
      const git = (...args: string[]) => execa('git', args, { cwd: dir, env });
      if (i === 0) await git('init', '--quiet', '-b', 'main');
      const file = c.status === false ? join(dir, 'profiles', 'kyverno.yaml') : join(dir, 'status', 'gitset.yaml');
      writeFileSync(file, `n: ${i}\n`);
      await git('add', '-A');
      const body = c.lines.map((l) => `- ${l}`).join('\n');
      await git('commit', '--quiet', '-m', `status: ${c.lines.join('; ')}`, '-m', body);
    }
  });

  test('a table of every event, oldest first, with time, commit, profile, event, clusters', async () => {
    const r = await runCli(['show', 'rollouts', dir], { cwd: dir });
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n');
    assert.match(lines[1]!, /\| TIME +\| COMMIT +\| PROFILE +\| EVENT +\| STAGE +\| CLUSTERS +\| DETAIL +\|/);
    const rows = lines.filter((l) => /^\| 2026/.test(l));
    assert.equal(rows.length, 12, r.out);
    assert.match(rows[0]!, /^\| 2026-03-01 10:00:00 \| [0-9a-f]{12} \| ClusterProfile\/kyverno +\| rollout started +\| - +\| civo\/cluster1 +\| maxUpdate 1, 3 waiting +\|$/);
    assert.match(rows[2]!, /\| rollout halted +\| - +\| civo\/cluster2 +\| civo\/cluster2: kyverno\/kyverno-latest failed \(timed out waiting for the condition\) \(2 waiting\) \|/);
    assert.match(rows[4]!, /\| rollout wave +\| - +\| civo\/cluster3, civo\/cluster4 \|/);
    assert.match(rows[11]!, /^\| 2026-03-02 10:08:00 \| [0-9a-f]{12} \| ClusterPromotion\/web +\| promotion done +\|/);
  });

  test('JSON holds every field; --since and --profile narrow it', async () => {
    const all = JSON.parse((await runCli(['show', 'rollouts', dir, '--format', 'json'], { cwd: dir })).out);
    const said = all.map((e: { profile: string; event: string; stage?: string }) => `${e.profile} ${e.event}${e.stage ? ` ${e.stage}` : ''}`);
    assert.deepEqual(said, [
      `${P} rollout started`, `${P} rollout wave`, `${P} rollout halted`, `${P} rollout resumed`, `${P} rollout wave`, `${P} rollout done`,
      `${PROMO} stage started staging`, `${PROMO} stage healthy staging`, `${PROMO} awaiting approval staging`, `${PROMO} awaiting delay prod`,
      `${PROMO} stage started prod`, `${PROMO} promotion done`,
    ]);
    assert.deepEqual(all[0], { time: '2026-03-01T10:00:00.000Z', commit: all[0].commit, profile: P, event: 'rollout started', clusters: ['civo/cluster1'], detail: 'maxUpdate 1, 3 waiting' });
    assert.match(all[0].commit, /^[0-9a-f]{40}$/);
    assert.deepEqual(all[9], { time: '2026-03-02T09:07:00.000Z', commit: all[9].commit, profile: PROMO, event: 'awaiting delay', stage: 'prod', clusters: [], detail: 'until 2026-03-02T10:07:00.000Z' });
    assert.deepEqual(all[10].clusters, ['civo/cluster3']);
    assert.equal(all.filter((e: { event: string }) => e.event === 'rollout done').length, 1, 'the user commit outside the status folder is not read');

    const since = JSON.parse((await runCli(['show', 'rollouts', dir, '--format', 'json', '--since', '2026-03-02T09:06:00Z'], { cwd: dir })).out);
    assert.deepEqual(since.map((e: { event: string }) => e.event), ['stage healthy', 'awaiting approval', 'awaiting delay', 'stage started', 'promotion done']);
    const one = JSON.parse((await runCli(['show', 'rollouts', dir, '--format', 'json', '--profile', P], { cwd: dir })).out);
    assert.deepEqual(one.map((e: { event: string }) => e.event), ['rollout started', 'rollout wave', 'rollout halted', 'rollout resumed', 'rollout wave', 'rollout done']);
  });

  test('bad flags are usage errors; a folder outside Git is a failure that says so', async () => {
    assert.equal((await runCli(['show', 'rollouts', dir, '--since', 'last week'], { cwd: dir })).code, 2);
    assert.equal((await runCli(['show', 'rollouts', dir, '--format', 'yaml'], { cwd: dir })).code, 2);
    const outside = mkdtempSync(join(tmp, 'plain-'));
    const r = await runCli(['show', 'rollouts', outside], { cwd: outside });
    assert.equal(r.code, 1);
    assert.match(r.err, /cannot read Git history: .*not inside a Git repository/);
  });
});

describe('reading rollout lines', () => {
  test('a message that carries earlier cycles says each line once; the subject and other lines are not read', () => {
    const line = `${P} rollout wave: civo/cluster2 (2 waiting)`;
    const message = `status: ${line} (+1 more)\n\nAlso the changes of 1 earlier cycle whose status could not be pushed:\n\nstatus: ${line}\n- ${line}\n\nstatus: x\n- ${line}\n- ${P} rollout done\n- deployed x on civo/cluster1\n`;
    assert.deepEqual(readRolloutEvents(message).map((e) => e.event), ['rollout wave', 'rollout done']);
  });

  test('lines in other words are not events', () => {
    for (const other of [`${P} rollout wave civo/cluster2`, `${P} rollout started: maxUpdate one, 3 waiting`, `${PROMO} promotion stage a b started: c`, 'rollout done', `${P} promotion stage s awaiting delay until`]) {
      assert.equal(readRolloutLine(other), undefined, other);
    }
    assert.deepEqual(readRolloutLine(`${P} rollout started: maxUpdate 10, 990 waiting`), { profile: P, event: 'rollout started', clusters: [], detail: 'maxUpdate 10, 990 waiting' });
  });
});
