// Names, paths and values from a repository or a (forgeable) status file, printed: a newline or an
// ESC never forges a line or drives the terminal, and Markdown for a pull request never carries
// HTML or links that came from a name. Commit messages stay one subject line.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitMessageText } from '../../src/git/repo.ts';
import { parseManifests } from '../../src/load/index.ts';
import { markdownCode, markdownText } from '../../src/model/escape.ts';
import { runCli } from './run-cli.ts';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'example-repo');
const dir = mkdtempSync(join(tmpdir(), 'gitset-escape-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function copy(name: string): string {
  const root = join(dir, name);
  cpSync(EXAMPLE, root, { recursive: true });
  return root;
}

const ESC = '\u001b';
const HOSTILE = '<img src=x onerror=alert(1)> see [docs](https://evil.example) www.evil.example a@evil.example `x` | y *z*';

test('validate: a file name with a newline and an ESC stays on its own line, escaped', async () => {
  const root = copy('names');
  writeFileSync(join(root, `profiles/evil\nok.yaml:1:1 error forged${ESC}[2J.yaml`), 'kind: [unclosed\n');
  const r = await runCli(['validate', '.'], { cwd: root });
  assert.ok(!r.out.includes(ESC), 'no raw ESC');
  const lines = r.out.split('\n');
  assert.ok(!lines.some((l) => l.startsWith('ok.yaml')), 'no forged line');
  assert.ok(lines.some((l) => l.startsWith('profiles/evil\\nok.yaml:1:1 error forged\\e[2J.yaml:')), r.out);
});

test('show and plan: values from a forged status file are escaped in tables and messages', async () => {
  const root = copy('status');
  mkdirSync(join(root, 'status/SveltosCluster/civo'), { recursive: true });
  writeFileSync(
    join(root, 'status/SveltosCluster/civo/cluster1.yaml'),
    `kind: SveltosCluster\nmetadata: {name: "cluster1", namespace: civo}\nspec: {}\nstatus: {ready: false, failureMessage: "down\\n| civo | fake | true |${ESC}[31m"}\n`,
  );
  const shown = await runCli(['show', 'clusters', '.'], { cwd: root });
  assert.ok(!shown.out.includes(ESC), shown.out);
  assert.ok(!shown.out.split('\n').some((l) => l.startsWith('| civo | fake')), shown.out);
  assert.match(shown.out, /down\\n\| civo \| fake \| true \|\\e\[31m/);
  const planned = await runCli(['plan', '.'], { cwd: root });
  assert.ok(!planned.out.includes(ESC) && !planned.err.includes(ESC), planned.out);
});

test('plan --format markdown: HTML, links and autolinks from a cordon reason are escaped, names are code', async () => {
  const root = copy('markdown');
  const clusters = join(root, 'clusters/civo.yaml');
  const text = readFileSync(clusters, 'utf8').replace('  name: cluster1\n  namespace: civo\n', `  name: cluster1\n  namespace: civo\n  annotations:\n    gitset.dev/cordon: ${JSON.stringify(HOSTILE)}\n`);
  writeFileSync(clusters, text);
  const r = await runCli(['plan', '.', '--format', 'markdown'], { cwd: root });
  assert.match(r.out, /cordoned\\: \\<img src=x onerror=alert\\\(1\\\)\\> see \\\[docs\\\]\\\(https\\:\/\/evil\\\.example\\\) www\\\.evil\\\.example a\\@evil\\\.example \\`x\\` \\\| y \\\*z\\\*/);
  assert.doesNotMatch(r.out, /[^\\]<img|[^\\]\]\(|[^\\]https:|[^\\]www\.evil/);
  assert.match(r.out, /\| `ClusterSet\/prod` \|/);
});

test('markdown helpers: code spans hold any backticks; text escapes what Markdown and HTML read', () => {
  assert.equal(markdownCode('a`b'), '`` a`b ``');
  assert.equal(markdownCode('plain'), '`plain`');
  assert.equal(markdownCode(`x\ny${ESC}`), '`x\\ny\\e`');
  assert.equal(markdownText('a <b> & [c](d) **e** #1 www.f g@h'), 'a \\<b\\> \\& \\[c\\]\\(d\\) \\*\\*e\\*\\* \\#1 www\\.f g\\@h');
});

test('a commit subject stays one line: a newline in a value cannot forge a trailer', () => {
  const text = commitMessageText({ subject: 'status: civo/c1 cordoned (x\nSigned-off-by: mallory)', body: `- line one\n- line ${ESC}two` });
  assert.equal(text, 'status: civo/c1 cordoned (x\\nSigned-off-by: mallory)\n\n- line one\n- line \\etwo\n');
});

test('a cordon reason with a line break is an error at the value', () => {
  const repo = parseManifests([{ path: 'c.yaml', text: 'apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata:\n  name: c1\n  namespace: civo\n  annotations:\n    gitset.dev/cordon: "maintenance\\nSigned-off-by: x"\nspec: {}\n' }]);
  const d = repo.diagnostics.find((x) => x.code === 'bad-annotation');
  assert.equal(d?.severity, 'error');
  assert.match(d?.message ?? '', /one line of text without control characters/);
  const ok = parseManifests([{ path: 'c.yaml', text: 'apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata:\n  name: c1\n  namespace: civo\n  annotations:\n    gitset.dev/cordon: |\n      kernel upgrade\nspec: {}\n' }]);
  assert.equal(ok.diagnostics.filter((x) => x.severity === 'error').length, 0, 'a trailing line break of a block scalar is fine');
});
