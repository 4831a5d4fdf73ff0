// `gitset plan` on a Profile with valuesFrom: the release is planned, and a Secret's values appear
// in neither the text nor the JSON output; a dangling entry fails validation at the entry.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SECRET = 'plan-never-shows-this-value';
const tmp = mkdtempSync(join(tmpdir(), 'gitset-plan-values-from-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('plan shows the release planned with valuesFrom and none of a Secret\'s values; validate names a dangling entry', async () => {
  const dir = join(tmp, 'repo');
  cpSync(join(ROOT, 'example-repo'), dir, { recursive: true });
  const secret = { apiVersion: 'v1', kind: 'Secret', type: 'addons.projectsveltos.io/cluster-profile', metadata: { name: 'canary-values', namespace: 'civo' }, stringData: { 'values.yaml': `token: ${SECRET}\n` } };
  writeFileSync(join(dir, 'profiles', 'canary-values.yaml'), JSON.stringify(secret));
  appendFileSync(join(dir, 'profiles', 'civo-hello-canary.yaml'), '    valuesFrom:\n    - {kind: Secret, name: canary-values}\n');
  for (const format of ['text', 'json', 'markdown']) {
    const r = await runCli(['plan', dir, '--format', format], { cwd: ROOT });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /hello-canary/);
    assert.doesNotMatch(r.out + r.err, new RegExp(SECRET), format);
  }
  appendFileSync(join(dir, 'profiles', 'civo-hello-canary.yaml'), '    - {kind: ConfigMap, name: nowhere}\n');
  const v = await runCli(['validate', dir], { cwd: ROOT });
  assert.equal(v.code, 1);
  assert.match(v.out, /profiles\/civo-hello-canary\.yaml:\d+:\d+ error Profile\/civo\/hello-canary: spec\.helmCharts\[0\]\.valuesFrom\[1\] names ConfigMap\/civo\/nowhere, which is not defined in the repository/);
  assert.doesNotMatch(v.out + v.err, new RegExp(SECRET));
});
