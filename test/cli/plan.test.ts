import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

import { runCli, type CliRun } from './run-cli.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLE = join(ROOT, 'example-repo');

const run = (args: string[]): Promise<CliRun> => runCli(args, { cwd: ROOT });

const tmp = mkdtempSync(join(tmpdir(), 'gitset-plan-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let copies = 0;
function copyExample(): string {
  const dir = join(tmp, `repo${++copies}`);
  cpSync(EXAMPLE, dir, { recursive: true });
  return dir;
}

describe('gitset plan', () => {
  test('example-repo: the canary Profile added since the last status commit would be installed', async () => {
    const r = await run(['plan', 'example-repo']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Plan: 1 install, 0 upgrades, 0 uninstalls/);
    assert.match(r.out, /Set\/civo\/canary selected civo\/cluster2/);
    assert.match(r.out, /\| install \| civo\/cluster2 \| canary\/hello-canary \| hello\/hello \| 0\.1\.0 +\| Profile\/civo\/hello-canary/);
    assert.match(r.out, /\| ClusterSet\/prod \| 1 +\| civo\/cluster2 +\| civo\/cluster1, civo\/cluster2 \| civo\/cluster1: over cap/);
  });

  test('--format json has the documented shape', async () => {
    const r = await run(['plan', 'example-repo', '--format', 'json']);
    assert.equal(r.code, 0);
    const j = JSON.parse(r.out);
    assert.deepEqual(Object.keys(j).filter((k) => ['sets', 'profiles', 'actions', 'diagnostics'].includes(k)), ['sets', 'profiles', 'actions', 'diagnostics']);
    const prod = j.sets.find((s: { name: string }) => s.name === 'prod');
    assert.deepEqual(
      { kind: prod.kind, namespace: prod.namespace, name: prod.name, matching: prod.matching, selected: prod.selected },
      { kind: 'ClusterSet', namespace: null, name: 'prod', matching: ['civo/cluster1', 'civo/cluster2'], selected: ['civo/cluster2'] },
    );
    const canary = j.profiles.find((p: { name: string }) => p.name === 'hello-canary');
    assert.deepEqual({ kind: canary.kind, namespace: canary.namespace, matchingClusters: canary.matchingClusters }, { kind: 'Profile', namespace: 'civo', matchingClusters: ['civo/cluster2'] });
    assert.deepEqual(
      j.actions.map((a: Record<string, unknown>) => ({ action: a.action, cluster: a.cluster, profile: a.profile, releaseNamespace: a.releaseNamespace, releaseName: a.releaseName, chart: a.chart, version: a.version })),
      [{ action: 'install', cluster: 'civo/cluster2', profile: 'Profile/civo/hello-canary', releaseNamespace: 'canary', releaseName: 'hello-canary', chart: 'hello/hello', version: '0.1.0' }],
    );
    assert.deepEqual(j.diagnostics, []);
  });

  test('--format markdown is a PR comment: sets table, actions table, unsupported fields per profile', async () => {
    const dir = copyExample();
    const p = join(dir, 'profiles', 'hello.yaml');
    writeFileSync(p, `${readFileSync(p, 'utf8')}  policyRefs:\n  - kind: OCIRepository\n    name: x\n    namespace: default\n`);
    const r = await run(['plan', dir, '--format', 'markdown']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^### gitset plan\n\n\*\*1 install, 0 upgrades, 0 uninstalls\*\*/);
    assert.match(r.out, /\| Set \| Max \| Selected \| Matching \| Not selected \|/);
    assert.match(r.out, /\| \*\*install\*\* \| civo\/cluster2 \| canary\/hello-canary \|/);
    assert.match(r.out, /- `ClusterProfile\/hello`\n  - not supported \(validated, not acted on\): `spec\.policyRefs\[0\]`/);
  });

  test('committed health counts: a selected cluster that is down fails over, and its uninstall waits', async () => {
    const dir = copyExample();
    const f = join(dir, 'status', 'SveltosCluster', 'civo', 'cluster2.yaml');
    const doc = parse(readFileSync(f, 'utf8'));
    doc.status = { ...doc.status, ready: false, connectionStatus: 'Down', connectionFailures: 3, failureMessage: 'timeout after 5s' };
    writeFileSync(f, stringify(doc));
    unlinkSync(join(dir, 'status', 'SveltosCluster', 'civo', 'cluster1.yaml')); // no status file: counts as ready
    const r = await run(['plan', dir, '--format', 'json']);
    const j = JSON.parse(r.out);
    assert.deepEqual(j.sets.find((s: { name: string }) => s.name === 'prod').selected, ['civo/cluster1']);
    assert.deepEqual(j.actions.map((a: { action: string; cluster: string; releaseName: string }) => `${a.action} ${a.releaseName} ${a.cluster}`), ['install hello civo/cluster1']);
    assert.deepEqual(j.notRun.map((w: { decision: string; cluster: string }) => `${w.decision} ${w.cluster}`), ['wait civo/cluster2']);
    assert.ok(j.changes.includes('ClusterSet/prod selected civo/cluster1, dropped civo/cluster2 (not ready: 3 failed probes: timeout after 5s)'), j.changes.join('\n'));
    assert.equal(r.err, '');
  });

  test('a repository with errors exits 1 and lists the diagnostics', async () => {
    const dir = join(tmp, 'broken');
    cpSync(EXAMPLE, dir, { recursive: true });
    writeFileSync(join(dir, 'sets', 'bad.yaml'), 'apiVersion: lib.projectsveltos.io/v1beta1\nkind: ClusterSet\nmetadata:\n  name: bad\nspec:\n  maxReplicas: many\n');
    const r = await run(['plan', dir]);
    assert.equal(r.code, 1);
    assert.match(r.out, /Diagnostics:\n {2}sets\/bad\.yaml:\d+:\d+ error /);
  });

  test('--status-dir names the status folder; without status everything is planned from scratch', async () => {
    const dir = copyExample();
    rmSync(join(dir, 'status'), { recursive: true });
    const fresh = JSON.parse((await run(['plan', dir, '--format', 'json'])).out);
    assert.equal(fresh.actions.length, 2);
    cpSync(join(EXAMPLE, 'status'), join(dir, 'observed'), { recursive: true });
    const r = await run(['plan', dir, '--status-dir', 'observed', '--format', 'json']);
    const j = JSON.parse(r.out);
    assert.deepEqual(j.actions.map((a: { cluster: string; releaseName: string }) => `${a.releaseName} ${a.cluster}`), ['hello-canary civo/cluster2']);
    assert.deepEqual(j.diagnostics, [], 'the status folder named by --status-dir is not read as manifests');
  });
});

test('gitset plan --observe gives a probe as long as the daemon does by default', async () => {
  // plan.ts keeps its own copy, so that a plan without --observe does not load the prober.
  const { PLAN_PROBE_TIMEOUT_MS } = await import('../../src/cli/plan.ts');
  const { DEFAULT_PROBE_TIMEOUT_MS } = await import('../../src/probe/prober.ts');
  assert.equal(PLAN_PROBE_TIMEOUT_MS, DEFAULT_PROBE_TIMEOUT_MS);
});
