// The CLI side of failover policies: `gitset plan` shows what a cordon pull request would do
// before it merges, and `gitset show failovers` reads the timings back, from the status files and,
// with --since, from the Git history (records no longer retained in the status are still found).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { gitCliEnv } from '../../src/sim/git-server.ts';

import { runCli, type CliRun } from './run-cli.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'gitset-failovers-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const run = (args: string[]): Promise<CliRun> => runCli(args, { cwd: ROOT });

describe('gitset plan of a cordon pull request', () => {
  test('the replacement is selected and installed; the cordoned cluster drains, nothing is uninstalled yet', async () => {
    const dir = join(tmp, 'cordon');
    cpSync(join(ROOT, 'example-repo'), dir, { recursive: true });
    const file = join(dir, 'clusters', 'civo.yaml');
    const text = readFileSync(file, 'utf8').replace('  name: cluster2\n  namespace: civo\n', '  name: cluster2\n  namespace: civo\n  annotations:\n    gitset.dev/cordon: "kernel upgrade"\n');
    writeFileSync(file, text);
    const r = await run(['plan', dir, '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    const plan = JSON.parse(r.out);
    const prod = plan.sets.find((s: { name: string }) => s.name === 'prod');
    assert.deepEqual(prod.selected, ['civo/cluster1']);
    assert.deepEqual(prod.draining, ['civo/cluster2']);
    assert.deepEqual(prod.notSelected, [{ cluster: 'civo/cluster2', reason: 'cordoned', message: 'cordoned: kernel upgrade' }]);
    assert.ok(plan.changes.includes('ClusterSet/prod selected civo/cluster1, dropped civo/cluster2 (cordoned: kernel upgrade)'), plan.changes.join('\n'));
    const acts = plan.actions.map((a: { action: string; cluster: string; releaseName: string }) => `${a.action} ${a.releaseName} ${a.cluster}`);
    assert.ok(acts.includes('install hello civo/cluster1'), acts.join('\n'));
    assert.ok(!acts.some((a: string) => a.startsWith('uninstall')), 'make-before-break: no uninstall in the same cycle');
    const textPlan = await run(['plan', dir]);
    assert.match(textPlan.out, /civo\/cluster2: draining \(keeps its releases until the replacement's are deployed and healthy\)/);
    assert.match(textPlan.out, /Held \(make-before-break\):\n  hello\/hello kept on civo\/cluster2 until the replacement on civo\/cluster1 is healthy/);
    const mdPlan = await run(['plan', dir, '--format', 'markdown']);
    assert.match(mdPlan.out, /<summary><b>Held \(make-before-break\)<\/b> \(1\)<\/summary>\n\n- hello\/hello kept on civo\/cluster2 until the replacement on civo\/cluster1 is healthy \(`ClusterProfile\/hello`\)/);
    const jsonPlan = JSON.parse((await run(['plan', dir, '--format', 'json'])).out);
    assert.deepEqual(jsonPlan.held.map((h: { cluster: string; until: string[] }) => [h.cluster, h.until]), [['civo/cluster2', ['civo/cluster1']]]);
  });

  test('a bad annotation value fails the plan at file:line:col', async () => {
    const dir = join(tmp, 'bad');
    cpSync(join(ROOT, 'example-repo'), dir, { recursive: true });
    const file = join(dir, 'sets', 'prod.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('  name: prod\n', '  name: prod\n  annotations:\n    gitset.dev/failover-grace: "a while"\n'));
    const r = await run(['plan', dir]);
    assert.equal(r.code, 1);
    assert.match(r.out + r.err, /sets\/prod\.yaml:8:32 error ClusterSet\/prod: annotation gitset\.dev\/failover-grace: "a while" is not a duration/);
  });
});

describe('gitset show failovers', () => {
  const record = (from: string, to: string, selected: string, total: number) => `    - declaredNotReady: ${selected}
      deployed: ${selected}
      from: ${from}
      reason: not-ready
      selected: ${selected}
      to: ${to}
      totalSeconds: ${total}
`;
  const setFile = (records: string) => `apiVersion: lib.projectsveltos.io/v1beta1
kind: ClusterSet
metadata:
  name: prod
spec:
  maxReplicas: 1
status:
  failovers:
${records}  matchingClusterRefs: []
  selectedClusterRefs: []
`;

  test('a table of the retained records; --since also finds older ones in Git history, once each', async () => {
    const dir = join(tmp, 'history');
    mkdirSync(join(dir, 'status', 'ClusterSet'), { recursive: true });
    const env = gitCliEnv();
    const git = (...args: string[]) => execa('git', args, { cwd: dir, env });
    await git('init', '--quiet', '-b', 'main');
    const path = join(dir, 'status', 'ClusterSet', 'prod.yaml');
    writeFileSync(path, setFile(record('civo/cluster1', 'civo/cluster2', '2026-03-01T10:00:00.000Z', 37)));
    await git('add', '-A');
    await git('commit', '--quiet', '-m', 'first failover');
    // The retained list moved on: the first record is no longer in the status file.
    writeFileSync(path, setFile(record('civo/cluster2', 'civo/cluster1', '2026-03-02T10:00:00.000Z', 95)));
    await git('add', '-A');
    await git('commit', '--quiet', '-m', 'second failover');

    const now = await run(['show', 'failovers', dir]);
    assert.equal(now.code, 0, now.err);
    const lines = now.out.trim().split('\n');
    assert.match(lines[1]!, /\| SET +\| FROM +\| TO +\| REASON +\| FIRST FAILED PROBE +\| NOT READY +\| SELECTED +\| DEPLOYED +\| TOTAL +\|/);
    assert.match(now.out, /\| ClusterSet\/prod \| civo\/cluster2 \| civo\/cluster1 \| not-ready \| - +\| 2026-03-02 10:00:00 \| 2026-03-02 10:00:00 \| 2026-03-02 10:00:00 \| 1m35s \|/);
    assert.doesNotMatch(now.out, /2026-03-01/);

    const since = await run(['show', 'failovers', dir, '--since', '2026-02-01', '--format', 'json']);
    assert.equal(since.code, 0, since.err);
    const rows = JSON.parse(since.out);
    assert.deepEqual(rows.map((r: { from: string; totalSeconds: number }) => `${r.from} ${r.totalSeconds}`), ['civo/cluster1 37', 'civo/cluster2 95']);
    const later = JSON.parse((await run(['show', 'failovers', dir, '--since', '2026-03-02T00:00:00Z', '--format', 'json'])).out);
    assert.equal(later.length, 1);
    assert.equal((await run(['show', 'failovers', dir, '--since', 'last week'])).code, 2);
  });
});
