// `gitset validate`, run in-process through main() with captured streams, on fixture repositories.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/io.ts';

const FIXTURES = new URL('../fixtures/invalid/', import.meta.url).pathname;
const CORPUS = new URL('../../../shared/corpus/sveltos-docs/', import.meta.url).pathname;

function capture(cwd = FIXTURES): { io: CliIO; out: () => string; err: () => string } {
  const chunks = { out: [] as string[], err: [] as string[] };
  const sink = (into: string[]): Writable =>
    new Writable({
      write(chunk, _enc, done) {
        into.push(String(chunk));
        done();
      },
    });
  const io: CliIO = { stdout: sink(chunks.out), stderr: sink(chunks.err), env: {}, cwd, exitCode: 0 };
  return { io, out: () => chunks.out.join(''), err: () => chunks.err.join('') };
}

async function validate(args: string[], cwd?: string): Promise<{ code: number; out: string; err: string }> {
  const c = capture(cwd);
  const code = await main(['validate', ...args], c.io);
  return { code, out: c.out(), err: c.err() };
}

/** Text lines without the summary. */
const findings = (out: string): string[] => out.trimEnd().split('\n').slice(0, -1);

describe('gitset validate', () => {
  const cases: Array<[string, RegExp[]]> = [
    ['yaml-syntax', [/^clusters\.yaml:15:1 error YAML syntax error: Flow map/]],
    ['schema', [/^profile\.yaml:9:13 error .*spec\.syncMode must be one of OneTime/, /^profile\.yaml:11:5 error .*missing required field "chartVersion"/]],
    ['duplicate', [/^a\.yaml:4:9 error ClusterSet\/prod .*b\.yaml:5:9/, /^b\.yaml:5:9 error ClusterSet\/prod .*a\.yaml:4:9/]],
    ['dangling-set-ref', [/^profile\.yaml:18:5 error ClusterProfile\/kyverno: spec\.setRefs\[1\]: no ClusterSet staging/]],
    ['dangling-cluster-ref', [/^set\.yaml:16:5 error Set\/civo\/blue: spec\.clusterRefs\[1\]: no SveltosCluster civo\/cluster9/]],
    ['cross-namespace', [/^profile\.yaml:25:5 error .*Set\/team-b\/blue is in another namespace/, /^profile\.yaml:27:5 error .*team-b\/cluster1 in another namespace/]],
    ['selector-syntax', [/^set\.yaml:6:44 error ClusterSet\/prod: spec\.clusterSelector: expected "," or "\)"/]],
  ];
  for (const [fixture, expected] of cases) {
    test(`${fixture}: each finding at its file:line:col, exit 1`, async () => {
      const r = await validate([fixture]);
      assert.equal(r.code, 1, r.out + r.err);
      const lines = findings(r.out);
      assert.equal(lines.length, expected.length, r.out);
      expected.forEach((re, i) => assert.match(lines[i]!, re));
      assert.match(r.out.trimEnd().split('\n').pop()!, /^invalid: \d+ errors?, /);
      assert.doesNotMatch(r.out + r.err, /\n\s+at /, 'no stack trace');
    });
  }

  test('warnings and infos alone exit 0; --quiet hides the infos', async () => {
    const r = await validate(['warnings-only']);
    assert.equal(r.code, 0);
    assert.match(r.out, /sets\.yaml:5:1 warning ClusterSet\/no-cap: spec\.maxReplicas is absent/);
    assert.match(r.out, /sets\.yaml:14:1 warning ClusterSet\/matches-nothing: .*matches no cluster/);
    assert.match(r.out, /sets\.yaml:18:1 info kind Service \(v1\) is not one gitset reads/);
    assert.match(r.out, /profile\.yml:10:5 info .*spec\.policyRefs\[0\] is not supported/);
    assert.match(r.out, /^valid: 0 errors, 2 warnings, 2 info/m);
    const quiet = await validate(['warnings-only', '--quiet']);
    assert.equal(quiet.code, 0);
    assert.ok(findings(quiet.out).every((l) => !l.includes(' info ')), quiet.out);
    assert.equal(findings(quiet.out).length, 2);
  });

  test('--format json: diagnostics with code and field, and object counts', async () => {
    const r = await validate(['schema', '--format', 'json']);
    assert.equal(r.code, 1);
    const parsed = JSON.parse(r.out) as { diagnostics: Array<Record<string, unknown>>; objects: Record<string, number> };
    assert.deepEqual(
      parsed.diagnostics.map((d) => [d.file, d.line, d.col, d.severity, d.code, d.field]),
      [
        ['profile.yaml', 9, 13, 'error', 'schema', 'spec.syncMode'],
        ['profile.yaml', 11, 5, 'error', 'schema', 'spec.helmCharts[0].chartVersion'],
      ],
    );
    assert.deepEqual(parsed.objects, { SveltosCluster: 0, ClusterSet: 0, Set: 0, ClusterProfile: 0, Profile: 0 });
  });

  test('an unknown --format is a usage error (exit 2), not a crash', async () => {
    const r = await validate(['schema', '--format', 'xml']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--format must be one of text, json/);
  });

  test('a folder that does not exist is an error diagnostic, not a stack trace', async () => {
    const r = await validate(['no-such-folder']);
    assert.equal(r.code, 1);
    assert.match(r.out, /error cannot read folder .*no-such-folder: ENOENT/);
  });

  test('a single file can be validated on its own', async () => {
    const r = await validate(['schema/profile.yaml']);
    assert.equal(r.code, 1);
    assert.match(findings(r.out)[0]!, /^profile\.yaml:9:13 error /);
  });

  test('the corpus folder: invalid (duplicates, bad names), every file read', async () => {
    const r = await validate([CORPUS, '--format', 'json']);
    assert.equal(r.code, 1);
    const parsed = JSON.parse(r.out) as { diagnostics: Array<{ file: string; code: string }>; objects: Record<string, number> };
    assert.ok(parsed.diagnostics.some((d) => d.file === '071-sveltoscluster-special-cluster-2.yaml' && d.code === 'schema'));
    assert.ok(parsed.objects.ClusterProfile! > 20);
  });

  describe('default folder, status folder and hidden folders', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gitset-validate-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const broken = 'kind: [unclosed\n';
    mkdirSync(join(dir, 'status'));
    mkdirSync(join(dir, 'state'));
    mkdirSync(join(dir, '.github'));
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'status', 'x.yaml'), broken);
    writeFileSync(join(dir, 'state', 'x.yaml'), broken);
    writeFileSync(join(dir, '.github', 'x.yaml'), broken);
    writeFileSync(join(dir, 'node_modules', 'x.yaml'), broken);
    writeFileSync(join(dir, 'README.md'), broken);
    writeFileSync(
      join(dir, 'cluster.yaml'),
      'apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata:\n  name: c1\n',
    );

    test('validates `.` by default and never reads status/ as manifests, nor hidden folders or node_modules', async () => {
      const r = await validate([], join(dir));
      // state/ is read (it is not the status folder): its error is the only one; status/ is read as status, a warning.
      assert.deepEqual(findings(r.out).map((l) => l.split(' ').slice(0, 2).join(' ')), ['state/x.yaml:2:1 error', 'status/x.yaml:1:1 warning']);
      assert.match(r.out, /1 cluster/);
    });

    test('--status-dir moves the skipped folder', async () => {
      const r = await validate(['.', '--status-dir', 'state'], dir);
      assert.deepEqual(findings(r.out).map((l) => l.split(' ').slice(0, 2).join(' ')), ['status/x.yaml:2:1 error', 'state/x.yaml:1:1 warning']);
    });
  });
});
