// Which content a promotion's approval approves is read from Git's history: the content at the
// commit that set `approved: true`. A status file that claims otherwise (a forged approvedHash)
// cannot carry an old approval over to new content. Real Git over smart HTTP, real commits.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { approvalFinder, approvalKey } from '../../src/daemon/approvals.ts';
import { silentLogger } from '../../src/daemon/logger.ts';
import { openRepo } from '../../src/git/open.ts';
import { parseManifests } from '../../src/load/index.ts';
import type { ClusterPromotion } from '../../src/model/objects.ts';
import { contentHash } from '../../src/plan/promotion.ts';
import { cliClone, fixture, gitCli, userPush, type Fixture } from '../git/helpers.ts';

const FILE = 'promotions/web.yaml';
function promotion(version: string, approved: boolean | undefined): string {
  const trigger = approved === undefined ? '{manual: {}}' : `{manual: {approved: ${approved}}}`;
  return `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterPromotion
metadata: {name: web}
spec:
  profileSpec:
    helmCharts:
    - {repositoryURL: https://charts.example.com, repositoryName: r, chartName: r/hello, chartVersion: ${version}, releaseName: hello, releaseNamespace: web}
  stages:
  - name: qa
    clusterSelector: {matchLabels: {env: qa}}
    trigger: ${trigger}
  - name: prod
    clusterSelector: {matchLabels: {env: prod}}
`;
}
const parsed = (text: string): ClusterPromotion => parseManifests([{ path: FILE, text }]).promotions![0]!;
const KEY = approvalKey({ metadata: { name: 'web' } }, 'qa');

let fx: Fixture;
before(async () => {
  fx = await fixture();
});
after(async () => {
  await fx.close();
});

test('an approval approves the content of the commit that gave it, not what came after', async () => {
  const url = await fx.seed('approvals', { [FILE]: promotion('0.1.0', undefined), 'clusters/q1.yaml': 'apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: q1, namespace: civo, labels: {env: qa}}\nspec: {}\n' });
  const user = await cliClone(url, join(fx.tmp, 'user-approvals'));
  await userPush(user, { [FILE]: promotion('0.1.0', true) }, 'approve web 0.1.0 for prod');
  const approvedOn = contentHash(parsed(promotion('0.1.0', true)));
  // Status commits and other people's work in between change nothing.
  await userPush(user, { 'status/gitset.yaml': 'kind: GitsetStatus\n', 'clusters/q2.yaml': 'apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: q2, namespace: civo, labels: {env: qa}}\nspec: {}\n' }, 'status: update');
  // New content, the approval left in place.
  await userPush(user, { [FILE]: promotion('0.2.0', true) }, 'web 0.2.0');
  const now = parsed(promotion('0.2.0', true));
  assert.notEqual(contentHash(now), approvedOn);

  const repo = openRepo({ url, branch: 'main', workDir: join(fx.tmp, 'work-approvals'), auth: { username: 'alice', password: 's3cret-pa55word' }, logger: silentLogger() });
  try {
    const pulled = await repo.pull();
    const find = approvalFinder(repo);
    assert.equal((await find(pulled.revision, [now])).get(KEY), approvedOn, 'the approval stays with 0.1.0');

    // Taken back and given again: now it approves 0.2.0.
    await userPush(user, { [FILE]: promotion('0.2.0', false) }, 'withdraw approval');
    await userPush(user, { [FILE]: promotion('0.2.0', true) }, 'approve web 0.2.0 for prod');
    const again = await repo.pull();
    assert.equal((await find(again.revision, [now])).get(KEY), contentHash(now));

    // Approved in the same commit that brought the promotion in: that commit's content.
    await userPush(user, { 'promotions/api.yaml': promotion('1.0.0', true).replace('name: web', 'name: api') }, 'api promotion, approved');
    const api = parsed(promotion('1.0.0', true).replace('name: web', 'name: api'));
    const withApi = await repo.pull();
    assert.equal((await find(withApi.revision, [{ ...api, source: { ...api.source, file: 'promotions/api.yaml' } }])).get(approvalKey(api, 'qa')), contentHash(api));

    // Beyond the walk's reach: not found (the plan then goes by the status's record).
    await userPush(user, { [FILE]: promotion('0.3.0', true) }, 'web 0.3.0');
    const tip = await repo.pull();
    const latest = [parsed(promotion('0.3.0', true))];
    assert.equal((await approvalFinder(repo, 1)(tip.revision, latest)).get(KEY), undefined, 'a walk of one commit does not reach the approval');
    assert.equal((await approvalFinder(repo, 2)(tip.revision, latest)).get(KEY), undefined, 'nor does a walk of two (the api commit is between)');
    assert.equal((await approvalFinder(repo, 3)(tip.revision, latest)).get(KEY), contentHash(now), 'three commits reach the 0.2.0 approval');
    assert.equal((await find(tip.revision, latest)).get(KEY), contentHash(now));
    assert.ok((await gitCli(user, ['log', '--oneline'])).split('\n').length >= 8);
  } finally {
    await repo.close();
  }
});
