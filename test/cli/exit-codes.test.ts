// The compiled CLI as a user runs it (bin/gitset.js on dist/bundle/): --version, and the exit codes a
// script branches on: 0 success, 1 a failure, 2 a usage error (unknown flag or command, bad value,
// missing argument), the same for every command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { COMMANDS } from '../../src/cli/main.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'gitset.js');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'invalid');

async function gitset(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await execa(process.execPath, [BIN, ...args], { cwd: ROOT, reject: false, stripFinalNewline: false, env: { GITSET_REPO: '' } });
  return { code: r.exitCode ?? -1, out: String(r.stdout), err: String(r.stderr) };
}

test('gitset --version and -V print the version of package.json', async () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const r = await gitset(flag);
    assert.equal(r.code, 0);
    assert.equal(r.out, `${version}\n`);
  }
});

test('a command option named --version is the command\'s, not the program\'s', async () => {
  // simulate's --version is the Kubernetes version its clusters report; it still needs a --cluster.
  const r = await gitset('simulate', '--version', 'v1.30.0');
  assert.equal(r.code, 2);
  assert.match(r.err, /give at least one --cluster/);
});

const usageErrors: Array<[string, string[], RegExp]> = [
  ['no command', [], /Usage: gitset/],
  ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
  ['an unknown program flag', ['--frobnicate'], /unknown option '--frobnicate'/],
  ['an unknown command flag', ['validate', '--frobnicate'], /unknown option '--frobnicate'/],
  ['a flag without its value', ['plan', '--format'], /option '--format <format>' argument missing/],
  ['too many arguments', ['validate', 'a', 'b'], /too many arguments/],
  ['a bad --format', ['validate', '--format', 'xml'], /--format must be one of text, json/],
  ['a bad daemon option value', ['reconcile', '--repo', '.', '--probe-interval', 'soon'], /--probe-interval: "soon" is not a duration/],
  ['a missing daemon option', ['reconcile'], /--repo: is required/],
  ['an SSH --repo', ['reconcile', '--repo', 'ssh://git@git.example.com/acme/fleet.git', '--work-dir', join(tmpdir(), 'gitset-exit-codes-unused')], /SSH URLs are not supported/],
  ['show without what to show', ['show'], /Usage: gitset show/],
];

for (const [what, args, message] of usageErrors) {
  test(`${what} is a usage error: exit 2 and a message on stderr`, async () => {
    const r = await gitset(...args);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, message);
  });
}

test('a failure is exit 1: an invalid repository, a folder that is not there', async () => {
  const invalid = await gitset('validate', join(FIXTURES, 'schema'));
  assert.equal(invalid.code, 1);
  assert.match(invalid.out, /^invalid: /m);
  assert.equal((await gitset('plan', join(FIXTURES, 'duplicate'))).code, 1);
  assert.equal((await gitset('probe', join(ROOT, 'no-such-folder'), '--credentials', ROOT)).code, 1);
});

test('the built CLI reports schema errors at file:line:col with the field, as from the sources', async () => {
  // dist/ validates with the validators compiled at build time (dist/load/kind-validators.cjs).
  const r = await gitset('validate', join(FIXTURES, 'schema'), '--format', 'json');
  assert.equal(r.code, 1);
  const { diagnostics } = JSON.parse(r.out) as { diagnostics: Array<{ file: string; line: number; col: number; field: string; message: string }> };
  assert.deepEqual(
    diagnostics.map((d) => [d.file, d.line, d.col, d.field]),
    [
      ['profile.yaml', 9, 13, 'spec.syncMode'],
      ['profile.yaml', 11, 5, 'spec.helmCharts[0].chartVersion'],
    ],
  );
  assert.match(diagnostics[0]!.message, /spec\.syncMode must be one of OneTime, Continuous, ContinuousWithDriftDetection, DryRun \(got "Sometimes"\)/);
  assert.match(diagnostics[1]!.message, /missing required field "chartVersion"/);
});

test('help is not an error: gitset --help, gitset help validate, gitset validate --help', async () => {
  for (const args of [['--help'], ['help', 'validate'], ['validate', '--help']]) {
    const r = await gitset(...args);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.out, /^Usage: gitset/);
  }
  const validateHelp = await gitset('help', 'validate');
  assert.match(validateHelp.out, /--status-dir <dir>/);
});

test('every command of the built CLI loads and shows its help (each has a chunk of the bundle)', async () => {
  for (const entry of COMMANDS) {
    const r = await gitset(entry.name, '--help');
    assert.equal(r.code, 0, `${entry.name}: ${r.err}`);
    assert.match(r.out, new RegExp(`^Usage: gitset ${entry.name}\\b`));
    assert.ok(r.out.replace(/\s+/g, ' ').includes(entry.summary), `${entry.name} describes itself`);
  }
});

test('without dist/ the CLI says to build, instead of a stack trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitset-unbuilt-'));
  try {
    mkdirSync(join(dir, 'bin'));
    copyFileSync(BIN, join(dir, 'bin', 'gitset.js'));
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    const r = await execa(process.execPath, [join(dir, 'bin', 'gitset.js'), '--version'], { reject: false });
    assert.equal(r.exitCode, 1);
    assert.match(String(r.stderr), /not built .*run `npm ci` or `npm run build`/);
    assert.doesNotMatch(String(r.stderr), /at .*\(node:/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
