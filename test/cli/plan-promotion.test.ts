// `gitset plan` on a staged promotion: with qa Healthy in the committed status, the plan says prod
// awaits approval and installs nothing there; on the revision that sets `approved: true` (the pull
// request a reviewer approves), it lists the installs merging it starts on prod's clusters.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadRepository } from '../../src/load/index.ts';
import { computeCycle, prepareRevision, recordResults } from '../../src/plan/cycle.ts';
import { emptySnapshot, type StatusSnapshot } from '../../src/status/snapshot.ts';
import { statusCodec } from '../../src/daemon/wiring.ts';
import { runCli } from './run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'gitset-plan-promotion-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const promotion = (approved: boolean) => `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterPromotion
metadata: {name: web}
spec:
  profileSpec:
    helmCharts:
    - {repositoryURL: https://charts.example.com, repositoryName: ex, chartName: ex/hello, chartVersion: 1.2.0, releaseName: hello, releaseNamespace: web}
  stages:
  - name: qa
    clusterSelector: {matchLabels: {env: qa}}
    trigger: {manual: {approved: ${approved}}}
  - name: prod
    clusterSelector: {matchLabels: {env: prod}}
`;
const cluster = (name: string, env: string) => `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: ${name}, namespace: civo, labels: {env: ${env}}}\nspec: {}\n`;

/** A repository whose committed status has stage qa deployed and Healthy (what the daemon would have written). */
async function repoWithQaHealthy(): Promise<string> {
  const dir = mkdtempSync(join(tmp, 'repo-'));
  const files: Record<string, string> = { 'promotion.yaml': promotion(false), 'clusters/q1.yaml': cluster('q1', 'qa'), 'clusters/p1.yaml': cluster('p1', 'prod'), 'clusters/p2.yaml': cluster('p2', 'prod') };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const revision = prepareRevision(await loadRepository(dir));
  let s: StatusSnapshot = emptySnapshot();
  for (const at of [0, 1]) {
    const c = computeCycle({ revision, previous: s, now: new Date(Date.UTC(2026, 0, 1, 0, 0, at)) });
    s = recordResults(c, c.actions.map((action) => ({ action, ok: true, result: { revision: 1, status: 'deployed' } })), new Date());
    for (const e of s.profiles.values()) for (const pc of e.status.clusters ?? []) for (const r of pc.releases) if (r.state === 'Deployed') r.health = 'Healthy';
  }
  for (const [path, text] of statusCodec.render(s)) {
    mkdirSync(dirname(join(dir, 'status', path)), { recursive: true });
    writeFileSync(join(dir, 'status', path), text);
  }
  return dir;
}

test('plan: prod awaits approval; the approval revision lists the installs on prod', async () => {
  const dir = await repoWithQaHealthy();
  const waiting = await runCli(['plan', dir], { cwd: dir });
  assert.equal(waiting.code, 0, waiting.out + waiting.err);
  assert.match(waiting.out, /Actions: none, the fleet is in sync\./);
  assert.match(waiting.out, /Promotion ClusterPromotion\/web \(content [0-9a-f]{12}\): at stage prod\n/);
  assert.match(waiting.out, /  prod: AwaitingApproval: awaiting approval: commit spec\.stages\[0\]\.trigger\.manual\.approved: true/);
  assert.match(waiting.out, /wait web\/hello on civo\/p1 \(ClusterProfile\/web-prod\): promotion web: stage prod awaiting approval/);

  writeFileSync(join(dir, 'promotion.yaml'), promotion(true));
  const approved = await runCli(['plan', dir], { cwd: dir });
  assert.equal(approved.code, 0, approved.out + approved.err);
  assert.match(approved.out, /Plan: 2 installs, 0 upgrades, 0 uninstalls/);
  assert.match(approved.out, /\| install +\| civo\/p1 +\| web\/hello +\| ex\/hello +\| 1\.2\.0 +\| ClusterProfile\/web-prod +\| not installed \(promotion web: stage prod starts\) +\|/);
  assert.match(approved.out, /\| install +\| civo\/p2 +\| web\/hello +\| ex\/hello +\| 1\.2\.0 +\| ClusterProfile\/web-prod +\|/);
  assert.match(approved.out, /  merging starts stage prod \(content [0-9a-f]{12}\) on civo\/p1, civo\/p2: install web\/hello 1\.2\.0 on civo\/p1; install web\/hello 1\.2\.0 on civo\/p2\n/);

  const markdown = await runCli(['plan', dir, '--format', 'markdown'], { cwd: dir });
  assert.match(markdown.out, /<summary><b>Staged promotions<\/b> \(1\)<\/summary>/);
  assert.match(markdown.out, /  - \*\*merging starts\*\* stage prod \\\(content [0-9a-f]{12}\\\) on civo\/p1, civo\/p2\\: install web\/hello 1\\\.2\\\.0 on civo\/p1\\; install web\/hello 1\\\.2\\\.0 on civo\/p2\n/);
});
