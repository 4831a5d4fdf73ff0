// `gitset plan --status-branch`: a pull request's check plans against the status the daemon
// committed to a branch of its own, read from the clone's objects (no checkout), with the same
// rules as a status folder on disk: links are reported, never followed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { gitCliEnv } from '../../src/sim/git-server.ts';

import { runCli, type CliRun } from './run-cli.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLE = join(ROOT, 'example-repo');
const tmp = mkdtempSync(join(tmpdir(), 'gitset-plan-status-branch-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const env = gitCliEnv();
const git = (cwd: string, ...args: string[]) => execa('git', args, { cwd, env });

/**
 * An origin whose `main` holds the manifests under `fleet/` (no status) and whose `gitset-status`
 * holds only `fleet/status`, as the daemon pushes it; and a clone of it, as a CI job has.
 */
async function originAndClone(name: string, statusBranch: (work: string) => void = () => undefined): Promise<string> {
  const work = join(tmp, `${name}-origin`);
  cpSync(EXAMPLE, join(work, 'fleet'), { recursive: true, filter: (src) => !src.startsWith(join(EXAMPLE, 'status')) });
  await git(work, 'init', '--quiet', '-b', 'main');
  await git(work, 'add', '-A');
  await git(work, 'commit', '--quiet', '-m', 'manifests');
  await git(work, 'checkout', '--quiet', '--orphan', 'gitset-status');
  await git(work, 'rm', '-r', '--quiet', '--cached', '.');
  rmSync(join(work, 'fleet'), { recursive: true });
  cpSync(join(EXAMPLE, 'status'), join(work, 'fleet', 'status'), { recursive: true });
  statusBranch(work);
  await git(work, 'add', '-A');
  await git(work, 'commit', '--quiet', '-m', 'status');
  await git(work, 'checkout', '--quiet', 'main');
  const clone = join(tmp, name);
  await git(tmp, 'clone', '--quiet', '--branch', 'main', work, clone);
  return clone;
}

const plan = (clone: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliRun> =>
  runCli(['plan', 'fleet', '--format', 'json', ...args], { cwd: clone, env: extraEnv });
const actions = (r: CliRun): string[] => JSON.parse(r.out).actions.map((a: { releaseName: string; cluster: string }) => `${a.releaseName} ${a.cluster}`);

describe('gitset plan --status-branch', () => {
  let clone = '';
  before(async () => {
    clone = await originAndClone('plain');
  });

  test('reads the status committed on the branch: the same plan as the status folder in the work tree', async () => {
    const fromWorkTree = await runCli(['plan', EXAMPLE, '--format', 'json'], { cwd: ROOT });
    for (const ref of ['origin/gitset-status', 'gitset-status', 'refs/remotes/origin/gitset-status']) {
      const r = await plan(clone, ['--status-branch', ref]);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(actions(r), ['hello-canary civo/cluster2'], ref);
      assert.deepEqual(JSON.parse(r.out).sets, JSON.parse(fromWorkTree.out).sets, ref);
    }
    const fresh = await plan(clone, []);
    assert.deepEqual(actions(fresh).sort(), ['hello civo/cluster1', 'hello-canary civo/cluster2'], 'without it the work tree has no status: all from scratch');
  });

  test('$GITSET_STATUS_BRANCH is read as the daemon reads it; the flag wins', async () => {
    assert.deepEqual(actions(await plan(clone, [], { GITSET_STATUS_BRANCH: 'gitset-status' })), ['hello-canary civo/cluster2']);
    const r = await plan(clone, ['--status-branch', 'nope'], { GITSET_STATUS_BRANCH: 'gitset-status' });
    assert.equal(r.code, 1);
  });

  test('markdown says which ref and commit the status came from', async () => {
    const tip = (await git(clone, 'rev-parse', 'origin/gitset-status')).stdout.trim();
    const r = await runCli(['plan', 'fleet', '--format', 'markdown', '--status-branch', 'origin/gitset-status'], { cwd: clone });
    assert.equal(r.code, 0, r.err);
    assert.ok(r.out.includes(`status from \`origin/gitset-status\` at \`${tip.slice(0, 12)}\``), r.out);
  });

  test('in a linked worktree (a .git file) the branches of the main checkout are read', async () => {
    const worktree = join(tmp, 'linked');
    await git(clone, 'worktree', 'add', '--quiet', '--detach', worktree);
    const r = await plan(worktree, ['--status-branch', 'origin/gitset-status']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(actions(r), ['hello-canary civo/cluster2']);
  });

  test('a ref that names nothing is a failure naming it (exit 1); an empty name is a usage error (exit 2)', async () => {
    const r = await plan(clone, ['--status-branch', 'gitset-statsu']);
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assert.match(r.err, /"gitset-statsu" names no branch, ref or commit .*git fetch origin gitset-statsu/);
    const empty = await plan(clone, ['--status-branch', '']);
    assert.equal(empty.code, 2);
    assert.match(empty.err, /--status-branch needs a branch or ref name/);
  });

  test('outside a Git repository it is a failure that says so', async () => {
    const dir = join(tmp, 'plain-folder');
    cpSync(EXAMPLE, dir, { recursive: true });
    const r = await runCli(['plan', dir, '--status-branch', 'gitset-status'], { cwd: tmp });
    assert.equal(r.code, 1);
    assert.match(r.err, /not inside a Git repository/);
  });

  test('committed symbolic links are reported, never followed: in the folder and as the folder', async () => {
    const secret = join(tmp, 'forged.yaml');
    writeFileSync(secret, 'kind: SveltosCluster\nmetadata: {name: cluster2, namespace: civo}\nspec: {}\nstatus: {ready: false, connectionFailures: 3}\n');
    const linked = await originAndClone('link-in-folder', (work) => {
      const file = join(work, 'fleet', 'status', 'SveltosCluster', 'civo', 'cluster2.yaml');
      rmSync(file);
      symlinkSync(secret, file);
    });
    const r = await plan(linked, ['--status-branch', 'origin/gitset-status']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /ignoring status file SveltosCluster\/civo\/cluster2\.yaml: a symbolic link/);
    assert.ok(!JSON.parse(r.out).changes.some((c: string) => c.includes('not ready')), 'the forged file behind the link was not read');

    const folderLink = await originAndClone('folder-is-link', (work) => {
      const real = join(work, 'elsewhere');
      cpSync(join(work, 'fleet', 'status'), real, { recursive: true });
      rmSync(join(work, 'fleet', 'status'), { recursive: true });
      symlinkSync('../elsewhere', join(work, 'fleet', 'status'));
    });
    const f = await plan(folderLink, ['--status-branch', 'origin/gitset-status']);
    assert.equal(f.code, 0, f.err);
    assert.match(f.err, /ignoring status file \.: a symbolic link/);
    assert.equal(actions(f).length, 2, 'nothing read through the link: planned from scratch');
  });

  test('--status-dir names the folder inside the ref; it may not leave the repository', async () => {
    const moved = await originAndClone('moved', (work) => {
      mkdirSync(join(work, 'fleet', 'observed'));
      cpSync(join(work, 'fleet', 'status'), join(work, 'fleet', 'observed'), { recursive: true });
      rmSync(join(work, 'fleet', 'status'), { recursive: true });
    });
    assert.deepEqual(actions(await plan(moved, ['--status-branch', 'gitset-status', '--status-dir', 'observed'])), ['hello-canary civo/cluster2']);
    const out = await plan(moved, ['--status-branch', 'gitset-status', '--status-dir', '../../x']);
    assert.equal(out.code, 1);
    assert.match(out.err, /must stay inside the repository/);
  });
});
