// Staged promotion end to end, with real helm against three simulated clusters: a ClusterPromotion
// deploys to its qa stage; prod waits for an approval commit (several cycles leave prod's clusters
// untouched, and the status says it awaits approval); the approval is pushed to the Git server as a
// person's commit, and prod gets the release.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startFleet, waitFor, type Fleet } from './fleet.ts';
import { cycles, messages, RELEASE, revisionOn } from './truth.ts';

const QA = 'civo/cluster1';
const PROD = ['civo/cluster2', 'civo/cluster3'];
const fleets: Fleet[] = [];
after(async () => {
  for (const f of fleets) await f.close();
});

const cluster = (name: string, env: string) => `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: ${name}, namespace: civo, labels: {env: ${env}}}\nspec: {}\n`;

const promotion = (url: string) => `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterPromotion
metadata:
  name: kyverno
spec:
  profileSpec:
    helmCharts:
    - chartName: hello/hello
      chartVersion: 0.1.0
      releaseName: ${RELEASE}
      releaseNamespace: kyverno
      repositoryName: hello
      repositoryURL: ${url}
  stages:
  - name: qa
    clusterSelector: {matchLabels: {env: qa}}
    trigger:
      manual:
        approved: false
  - name: prod
    clusterSelector: {matchLabels: {env: prod}}
`;

test('a two-stage promotion waits for its approval commit', { timeout: 300_000 }, async () => {
  const f = await startFleet({
    clusters: [QA, ...PROD],
    manifests: (url) => ({
      'clusters/cluster1.yaml': cluster('cluster1', 'qa'),
      'clusters/cluster2.yaml': cluster('cluster2', 'prod'),
      'clusters/cluster3.yaml': cluster('cluster3', 'prod'),
      'promotions/kyverno.yaml': promotion(url),
    }),
  });
  fleets.push(f);
  const daemon = await f.startDaemon({ probeTimeout: '2s' });
  const stages = async (): Promise<Record<string, any>> => {
    const s = await f.status('ClusterPromotion/kyverno.yaml');
    return Object.fromEntries((s?.status?.stages ?? []).map((x: { name: string }) => [x.name, x]));
  };
  const awaiting = await waitFor('qa Healthy and prod awaiting approval', async () => {
    const s = await stages();
    return s.qa?.state === 'Healthy' && s.prod?.state === 'AwaitingApproval' ? s : undefined;
  }, 120_000);
  assert.equal(await revisionOn(f, QA), 1);
  assert.match(awaiting.prod.message, /^awaiting approval: commit spec\.stages\[0\]\.trigger\.manual\.approved: true \(content [0-9a-f]{12}\)$/);

  // Several whole cycles: prod's clusters stay untouched, and the status still says why.
  await cycles(daemon, 3);
  for (const c of PROD) assert.equal(await revisionOn(f, c), undefined, `${c} has no release while prod awaits approval`);
  assert.equal((await stages()).prod.state, 'AwaitingApproval');
  const prodProfile = await f.status('ClusterProfile/kyverno-prod.yaml');
  assert.deepEqual(prodProfile.status.clusters.map((c: any) => [c.cluster, c.releases[0].state, c.releases[0].reason]), PROD.map((c) => [c, 'Pending', awaiting.prod.message && `promotion kyverno: stage prod ${awaiting.prod.message}`]));

  // The approval: a person's commit, as a merged pull request would be.
  const dir = await f.clone();
  const file = join(dir, 'promotions/kyverno.yaml');
  await writeFile(file, (await readFile(file, 'utf8')).replace('approved: false', 'approved: true'));
  await f.push(dir, 'kyverno: approve promotion to prod');
  await waitFor('prod deployed and Healthy', async () => {
    const s = await stages();
    return s.prod?.state === 'Healthy' || undefined;
  }, 120_000);
  for (const c of PROD) assert.equal(await revisionOn(f, c), 1, `${c} got the release`);
  assert.equal(await revisionOn(f, QA), 1, 'qa untouched by the promotion');

  const log = (await messages(f)).join('\n');
  for (const said of ['stage qa started: civo/cluster1', 'stage qa healthy', 'stage prod awaiting approval', 'stage prod started: civo/cluster2, civo/cluster3', 'stage prod healthy', 'done']) {
    assert.ok(log.includes(`ClusterPromotion/kyverno promotion ${said}`), `git log says "${said}": ${log.split('\n').filter((l) => l.includes('promotion')).join(' | ')}`);
  }
});
