// The pull-request gate shipped in example-repo: the GitHub workflow's steps and the GitLab job's
// script, parsed from the files a user copies and run as a runner would (bash -eo pipefail, the
// files' own variables), against a clone of a fleet whose status lives on a status branch, with
// the built bin/gitset.js as `gitset`. Nothing reaches the network: npm install is only checked,
// and `gh`/`curl` are stand-ins that answer from canned JSON and record what would be posted, so
// the update-in-place logic itself runs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { generateFleet, writeFleet } from '../../bench/generate.ts';
import { gitCliEnv } from '../../src/sim/git-server.ts';
import { bash, condition, expand, fakeCurl, fakeGh, type Ran } from './ci-runner.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLE = join(ROOT, 'example-repo');
const WORKFLOW = join(EXAMPLE, '.github', 'workflows', 'gitset.yaml');
const GITLAB = join(EXAMPLE, '.gitlab-ci.yml');
/** GitHub refuses a comment body over this many characters. */
const COMMENT_LIMIT = 65_536;
const MARKER = '<!-- gitset-plan -->';

const tmp = mkdtempSync(join(tmpdir(), 'gitset-pr-gate-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const gitEnv = gitCliEnv();
const git = (cwd: string, ...args: string[]) => execa('git', args, { cwd, env: gitEnv });

/** `gitset` on PATH is the built CLI; `gh` and `curl` are the stand-ins. */
function binDir(): string {
  const bin = join(tmp, 'bin');
  mkdirSync(bin, { recursive: true });
  const script = (name: string, text: string) => {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  };
  script('gitset', `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin', 'gitset.js')}" "$@"\n`);
  script('gh', fakeGh);
  script('curl', fakeCurl);
  return bin;
}

/**
 * An origin whose main branch is example-repo without its status, and whose gitset-status branch
 * holds only the status folder (as the daemon pushes it); and the clone a CI job starts from, with
 * `change` applied as the pull request's content.
 */
async function pullRequestClone(name: string, change: (dir: string) => void = () => undefined): Promise<string> {
  const origin = join(tmp, `${name}-origin`);
  cpSync(EXAMPLE, origin, { recursive: true, filter: (src) => !src.startsWith(join(EXAMPLE, 'status')) });
  await git(origin, 'init', '--quiet', '-b', 'main');
  await git(origin, 'add', '-A');
  await git(origin, 'commit', '--quiet', '-m', 'fleet');
  await git(origin, 'checkout', '--quiet', '--orphan', 'gitset-status');
  await git(origin, 'rm', '-r', '--quiet', '--cached', '.');
  await git(origin, 'clean', '-fdqx');
  cpSync(join(EXAMPLE, 'status'), join(origin, 'status'), { recursive: true });
  await git(origin, 'add', '-A');
  await git(origin, 'commit', '--quiet', '-m', 'status');
  await git(origin, 'checkout', '--quiet', '-f', 'main');
  const clone = join(tmp, name);
  await git(tmp, 'clone', '--quiet', '--depth=1', `file://${origin}`, clone);
  change(clone);
  return clone;
}

interface Step {
  name: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
}

const workflow = parse(readFileSync(WORKFLOW, 'utf8')) as { on: Record<string, unknown>; permissions: Record<string, string>; env: Record<string, string>; jobs: Record<string, { steps: Step[]; env?: Record<string, string> }> };
const job = Object.values(workflow.jobs)[0]!;
const stepNamed = (re: RegExp): Step => {
  const s = job.steps.find((x) => re.test(x.name));
  assert.ok(s, `a step named like ${re}`);
  return s;
};
const GITHUB: Record<string, string> = {
  'github.token': 'ghs_fake',
  'github.event.pull_request.number': '7',
  'github.event.pull_request.head.repo.full_name': 'acme/fleet',
  'github.server_url': 'https://github.com',
  'github.repository': 'acme/fleet',
  'github.run_id': '1234',
};


/**
 * Runs the job's steps in order as a runner would, each when its `if:` says so: `uses:` steps
 * count as done (the clone is the checkout, node is this one), the install as done (gitset on
 * PATH is the built CLI), every other `run:` for real.
 */
async function runWorkflow(clone: string, comments: unknown[]): Promise<{ steps: Map<string, Ran>; calls: string[]; body?: string; summary: string }> {
  const runner = mkdtempSync(join(tmp, 'runner-'));
  writeFileSync(join(runner, 'comments.json'), JSON.stringify(comments));
  const base: Record<string, string> = {
    PATH: `${binDir()}:${process.env.PATH}`, HOME: runner, GITHUB_REPOSITORY: 'acme/fleet', RUNNER_TEMP: runner,
    GITHUB_STEP_SUMMARY: join(runner, 'summary.md'), GITHUB_OUTPUT: join(runner, 'output'),
    FAKE_LOG: join(runner, 'calls'), FAKE_ANSWER: join(runner, 'comments.json'), ...gitEnv,
  };
  const steps = new Map<string, Ran>();
  const outcomes = new Map<string, string>();
  for (const [i, step] of job.steps.entries()) {
    const key = step.id ?? `step-${i}`;
    if (!condition(step.if, outcomes, GITHUB)) {
      outcomes.set(key, 'skipped');
      continue;
    }
    if (step.uses || /npm install/.test(step.run ?? '')) {
      outcomes.set(key, 'success');
      continue;
    }
    const env = { ...base };
    for (const [k, v] of Object.entries({ ...workflow.env, ...job.env, ...step.env })) env[k] = expand(v, GITHUB);
    const ran = await bash(step.run!, clone, env);
    steps.set(step.name, ran);
    outcomes.set(key, ran.code === 0 ? 'success' : 'failure');
  }
  const read = (p: string) => readFileSync(p, 'utf8');
  const calls = (() => {
    try {
      return read(base.FAKE_LOG!).trim().split('\n');
    } catch {
      return [];
    }
  })();
  const summary = (() => {
    try {
      return read(base.GITHUB_STEP_SUMMARY!);
    } catch {
      return '';
    }
  })();
  let body: string | undefined;
  try {
    body = read(`${base.FAKE_LOG}.body`);
  } catch {
    body = undefined;
  }
  return { steps, calls, ...(body !== undefined ? { body } : {}), summary };
}

const bot = (id: number, body: string) => ({ id, user: { login: 'github-actions[bot]' }, body });
const user = (id: number, body: string) => ({ id, user: { login: 'mallory' }, body });

function assertCommentBody(body: string | undefined): string {
  assert.ok(body, 'a comment was posted');
  assert.ok(body.startsWith(`${MARKER}\n### gitset plan\n`), body.slice(0, 200));
  assert.ok(body.length < COMMENT_LIMIT && Buffer.byteLength(body) < COMMENT_LIMIT, `${body.length} characters`);
  return body;
}

describe('the GitHub workflow', () => {
  test('runs on pull requests with least permissions; actions pinned to a commit, with their version', () => {
    assert.ok('pull_request' in workflow.on && !('pull_request_target' in workflow.on), 'never pull_request_target: it would run with write access on fork code');
    assert.deepEqual(workflow.permissions, { contents: 'read', 'pull-requests': 'write' });
    const text = readFileSync(WORKFLOW, 'utf8');
    const uses = [...text.matchAll(/uses: (\S+)@(\S+)(.*)/g)];
    assert.ok(uses.length >= 2);
    for (const [, action, ref, comment] of uses) assert.match(`${ref}${comment}`, /^[0-9a-f]{40} # v\d+\.\d+\.\d+$/, `${action} pinned`);
    const install = stepNamed(/install gitset/i).run!.trim();
    assert.match(install, /^npm install --global( --[a-z-]+)* "\$GITSET_PACKAGE"$/);
    assert.doesNotMatch(workflow.env.GITSET_PACKAGE!, /^gitset(@|$)/, 'never a bare registry name nobody owns');
    assert.match(stepNamed(/comment/i).if!, /head\.repo\.full_name == github\.repository/, 'no comment attempt from forks');
    for (const name of [/^validate/i, /fetch/i, /^plan/i, /comment/i]) assert.match(stepNamed(name).if!, /!cancelled\(\)/, `${name} runs after a failed step`);
  });

  let clone = '';
  before(async () => {
    clone = await pullRequestClone('github');
  });

  test('fetch, validate and plan pass; the plan is posted as a new comment with the marker, under the limit', async () => {
    const r = await runWorkflow(clone, [user(1, 'LGTM')]);
    for (const [name, ran] of r.steps) if (!/comment/i.test(name)) assert.equal(ran.code, 0, `${name}: ${ran.out}`);
    assert.equal(r.steps.get(stepNamed(/comment/i).name)!.code, 0, r.steps.get(stepNamed(/comment/i).name)!.out);
    assert.deepEqual(r.calls, ['GET repos/acme/fleet/issues/7/comments', 'POST repos/acme/fleet/issues/7/comments']);
    const body = assertCommentBody(r.body);
    assert.match(body, /\*\*1 install, 0 upgrades, 0 uninstalls\*\*/, 'planned against the status branch: only the canary is new');
    assert.match(body, /status from `origin\/gitset-status` at `[0-9a-f]{12}`/);
    assert.ok(r.summary.startsWith('### gitset plan'), 'the plan is in the job summary too');
  });

  test('a later run updates its own comment in place, not one a person wrote with the same marker', async () => {
    const r = await runWorkflow(clone, [user(3, `${MARKER}\nforged`), bot(5, 'another bot comment'), bot(9, `${MARKER}\nold plan`)]);
    assert.deepEqual(r.calls, ['GET repos/acme/fleet/issues/7/comments', 'PATCH repos/acme/fleet/issues/comments/9']);
    assertCommentBody(r.body);
  });

  test('a pull request with an error fails validate and plan, and the comment still says why', async () => {
    const broken = await pullRequestClone('github-broken', (dir) => writeFileSync(join(dir, 'sets', 'bad.yaml'), 'apiVersion: lib.projectsveltos.io/v1beta1\nkind: ClusterSet\nmetadata:\n  name: bad\nspec:\n  maxReplicas: many\n'));
    const r = await runWorkflow(broken, []);
    assert.equal(r.steps.get(stepNamed(/^validate/i).name)!.code, 1);
    assert.equal(r.steps.get(stepNamed(/^plan/i).name)!.code, 1);
    const body = assertCommentBody(r.body);
    assert.match(body, /\*\*1 error\*\*/);
    assert.match(body, /<details open><summary><b>Errors and warnings<\/b> \(1\)<\/summary>\n\n- `sets\/bad\.yaml:\d+:\d+` error/);
  });

  test('a 1,000-cluster pull request: the comment stays under the limit and says what it cut', async () => {
    const big = await pullRequestClone('github-big', (dir) => {
      for (const d of ['clusters', 'sets', 'profiles']) rmSync(join(dir, d), { recursive: true });
      writeFleet(dir, generateFleet({ clusters: 1_000, sets: 300, profiles: 300, seed: 42 }));
    });
    const r = await runWorkflow(big, []);
    assert.equal(r.steps.get(stepNamed(/^plan/i).name)!.code, 0, r.steps.get(stepNamed(/^plan/i).name)!.out);
    assert.match(assertCommentBody(r.body), /> Cut to fit a comment: .* not shown\./);
  });

  test('without the status branch the fetch fails, plan is skipped, validate still runs, and the comment says the plan failed', async () => {
    const lost = await pullRequestClone('github-no-status');
    await git(lost, 'remote', 'set-url', 'origin', `file://${join(tmp, 'nowhere')}`);
    const r = await runWorkflow(lost, [bot(9, `${MARKER}\nstale plan`)]);
    assert.equal(r.steps.get(stepNamed(/^validate/i).name)!.code, 0);
    assert.notEqual(r.steps.get(stepNamed(/fetch/i).name)!.code, 0);
    assert.ok(!r.steps.has(stepNamed(/^plan/i).name), 'plan is skipped');
    assert.deepEqual(r.calls.at(-1), 'PATCH repos/acme/fleet/issues/comments/9', 'the stale plan is replaced');
    assert.match(assertCommentBody(r.body), /\*\*gitset plan failed\*\*: see the log of https:\/\/github\.com\/acme\/fleet\/actions\/runs\/1234/);
  });
});

describe('the GitLab job', () => {
  const file = parse(readFileSync(GITLAB, 'utf8')) as Record<string, { script?: string[]; variables?: Record<string, string>; rules?: Array<{ if: string }>; image?: string }>;
  const gitlabJob = file.gitset!;
  const CI = {
    CI_API_V4_URL: 'https://gitlab.example.com/api/v4', CI_PROJECT_ID: '12', CI_MERGE_REQUEST_IID: '7',
    CI_JOB_URL: 'https://gitlab.example.com/acme/fleet/-/jobs/1', GITSET_GITLAB_TOKEN: 'glpat-fake',
  };

  /** The job's script lines but the install, as one shell the runner keeps across lines. */
  async function runJob(clone: string, notes: unknown[], extra: Record<string, string> = {}) {
    const runner = mkdtempSync(join(tmp, 'gl-runner-'));
    writeFileSync(join(runner, 'notes.json'), JSON.stringify(notes));
    const env: Record<string, string> = {
      PATH: `${binDir()}:${process.env.PATH}`, HOME: runner, FAKE_LOG: join(runner, 'calls'), FAKE_ANSWER: join(runner, 'notes.json'),
      FAKE_USER_ID: '99', ...gitEnv, ...CI, ...gitlabJob.variables, ...extra,
    };
    const lines = gitlabJob.script!.filter((l) => !/^npm install/.test(l));
    const ran = await bash(lines.join('\n'), clone, env);
    const read = (p: string) => {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    };
    const note = read(`${env.FAKE_LOG}.body`);
    return { ...ran, calls: (read(env.FAKE_LOG!) ?? '').trim().split('\n').filter(Boolean), body: note ? (JSON.parse(note) as { body: string }).body : undefined };
  }

  test('runs on merge requests, image pinned to a version; npm install is the only line not run here', () => {
    assert.deepEqual(gitlabJob.rules, [{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }]);
    assert.match(gitlabJob.image!, /^node:\d+\.\d+(\.\d+)?-/);
    assert.match(gitlabJob.script![0]!, /^npm install --global( --[a-z-]+)* "\$GITSET_PACKAGE"$/);
    assert.equal(gitlabJob.script!.filter((l) => /^npm install/.test(l)).length, 1);
  });

  let clone = '';
  before(async () => {
    clone = await pullRequestClone('gitlab');
  });

  test('passes; the plan is posted as a new note with the marker; a later run updates its own note', async () => {
    const first = await runJob(clone, [{ id: 1, author: { id: 5 }, body: `${MARKER}\nforged`, system: false }]);
    assert.equal(first.code, 0, first.out);
    assert.deepEqual(first.calls, ['GET https://gitlab.example.com/api/v4/user', 'GET https://gitlab.example.com/api/v4/projects/12/merge_requests/7/notes?per_page=100&sort=asc&order_by=created_at', 'POST https://gitlab.example.com/api/v4/projects/12/merge_requests/7/notes']);
    const body = assertCommentBody(first.body);
    assert.match(body, /\*\*1 install, 0 upgrades, 0 uninstalls\*\*/);

    const again = await runJob(clone, [{ id: 1, author: { id: 5 }, body: `${MARKER}\nforged` }, { id: 31, author: { id: 99 }, body: `${MARKER}\nold` }]);
    assert.equal(again.code, 0, again.out);
    assert.equal(again.calls.at(-1), 'PUT https://gitlab.example.com/api/v4/projects/12/merge_requests/7/notes/31');
  });

  test('without a token nothing is posted and the job still gates; an error fails the job after the note is posted', async () => {
    const quiet = await runJob(clone, [], { GITSET_GITLAB_TOKEN: '' });
    assert.equal(quiet.code, 0, quiet.out);
    assert.deepEqual(quiet.calls, []);
    assert.match(quiet.out, /GITSET_GITLAB_TOKEN is not set/);

    const broken = await pullRequestClone('gitlab-broken', (dir) => writeFileSync(join(dir, 'sets', 'bad.yaml'), 'apiVersion: lib.projectsveltos.io/v1beta1\nkind: ClusterSet\nmetadata:\n  name: bad\nspec:\n  maxReplicas: many\n'));
    const r = await runJob(broken, []);
    assert.equal(r.code, 1, r.out);
    assert.match(assertCommentBody(r.body), /\*\*1 error\*\*/);
  });

  test('without the status branch validate still runs, the note says the plan failed, and the job fails', async () => {
    const lost = await pullRequestClone('gitlab-no-status');
    await git(lost, 'remote', 'set-url', 'origin', `file://${join(tmp, 'nowhere')}`);
    const r = await runJob(lost, []);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /valid: 0 errors/);
    assert.match(assertCommentBody(r.body), /\*\*gitset plan failed\*\*: see the log of https:\/\/gitlab\.example\.com\/acme\/fleet\/-\/jobs\/1/);
  });
});
