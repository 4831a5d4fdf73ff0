// Staged promotion (ClusterPromotion): stage N+1 starts only once stage N is deployed and Healthy
// at the current content and its trigger is met (a delay that survives a restart, or an approval
// tied to the content it was given for); a stage not promoted keeps what it runs, and never
// loses a release because it waits.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseManifests } from '../../src/load/index.ts';
import { computeCycle, recordResults, type CycleResult, type RepositoryObjects } from '../../src/plan/cycle.ts';
import { emptySnapshot, type StatusSnapshot } from '../../src/status/snapshot.ts';
import { describeChanges } from '../../src/status/describe.ts';
import { statusCodec } from '../../src/daemon/wiring.ts';
import { later, probes, record, revisionOf } from './cycle-helpers.ts';

const QA = ['civo/q1'];
const PROD = ['civo/p1', 'civo/p2'];
const QA_ID = 'ClusterProfile/web-qa';
const PROD_ID = 'ClusterProfile/web-prod';

function cluster(key: string, env: string): string {
  const [ns, name] = key.split('/');
  return `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: ${name}, namespace: ${ns}, labels: {env: ${env}}}\nspec: {}\n`;
}

interface Content {
  version?: string;
  charts?: string[];
  trigger?: string;
  prodSelector?: string;
}

function repoOf({ version = '0.1.0', charts = ['hello'], trigger = '{manual: {}}', prodSelector = '{matchLabels: {env: prod}}' }: Content): RepositoryObjects {
  const helm = charts.map((c) => `    - {repositoryURL: https://charts.example.com, repositoryName: r, chartName: r/${c}, chartVersion: ${version}, releaseName: ${c}, releaseNamespace: web}`).join('\n');
  const promotion = `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterPromotion
metadata: {name: web}
spec:
  profileSpec:
    helmCharts:
${helm}
  stages:
  - name: qa
    clusterSelector: {matchLabels: {env: qa}}
    trigger: ${trigger}
  - name: prod
    clusterSelector: ${prodSelector}
`;
  const files = [{ path: 'promotion.yaml', text: promotion }, ...[...QA, ...PROD].map((k) => ({ path: `${k}.yaml`, text: cluster(k, QA.includes(k) ? 'qa' : 'prod') }))];
  const repo = parseManifests(files);
  assert.deepEqual(repo.diagnostics.filter((d) => d.severity === 'error'), []);
  return repo;
}

/** One daemon cycle whose helm calls succeed; the status goes through its files (a restart between cycles changes nothing). */
function cycle(repo: RepositoryObjects, prev: StatusSnapshot, at: number): { c: CycleResult; after: StatusSnapshot } {
  const c = computeCycle({ revision: revisionOf(repo), previous: prev, probes: probes(repo), now: later(at) });
  const after = recordResults(c, c.actions.map((action) => ({ action, ok: true, result: { revision: 1, status: 'deployed' } })), later(at));
  return { c, after: statusCodec.read([...statusCodec.render(after)].map(([path, text]) => ({ path, text }))) };
}

/** What an observer saw: every release of `profile` Healthy (or not). */
function seen(s: StatusSnapshot, profile: string, health: 'Healthy' | 'Progressing'): StatusSnapshot {
  const entry = s.profiles.get(profile);
  if (!entry) return s;
  const status = { ...entry.status, clusters: entry.status.clusters?.map((pc) => ({ ...pc, releases: pc.releases.map((r) => ({ ...r, health })) })) };
  return { ...s, profiles: new Map([...s.profiles, [profile, { ...entry, status }]]) };
}

const on = (c: CycleResult, profile: string) => c.actions.filter((a) => a.profile === profile).map((a) => `${a.action} ${a.release.releaseName} ${a.release.chartVersion} ${a.cluster}`);
const stage = (s: StatusSnapshot, name: string) => s.promotions?.get('ClusterPromotion/web')?.status.stages.find((x) => x.name === name);

/** Stage qa deployed and seen Healthy at `repo`'s content: the snapshot after its cycles. */
function qaHealthy(repo: RepositoryObjects, prev: StatusSnapshot, at: number): StatusSnapshot {
  const first = cycle(repo, prev, at).after;
  return seen(first, QA_ID, 'Healthy');
}

describe('ClusterPromotion', () => {
  test('stage prod waits for qa Healthy and an approval commit; several cycles change nothing there', () => {
    const repo = repoOf({});
    let { c, after } = cycle(repo, emptySnapshot(), 0);
    assert.deepEqual(on(c, QA_ID), ['install hello 0.1.0 civo/q1']);
    assert.deepEqual(on(c, PROD_ID), [], 'nothing on prod before qa is Healthy');
    assert.equal(stage(after, 'prod')?.state, 'Waiting');
    assert.equal(c.tally.wait, 2);
    assert.match(record(after, PROD_ID, 'civo/p1', 'hello')?.reason ?? '', /^promotion web: stage prod waits for stage qa to be deployed and Healthy/);

    ({ c, after } = cycle(repo, seen(after, QA_ID, 'Progressing'), 10));
    assert.equal(stage(after, 'qa')?.state, 'Deploying');
    assert.deepEqual(on(c, PROD_ID), []);
    for (const at of [20, 30, 40]) {
      ({ c, after } = cycle(repo, seen(after, QA_ID, 'Healthy'), at));
      assert.deepEqual(on(c, PROD_ID), [], `cycle at ${at}s: prod untouched`);
      assert.equal(stage(after, 'qa')?.state, 'Healthy');
      assert.equal(stage(after, 'prod')?.state, 'AwaitingApproval');
      assert.match(stage(after, 'prod')?.message ?? '', /^awaiting approval: commit spec\.stages\[0\]\.trigger\.manual\.approved: true/);
    }

    const approved = repoOf({ trigger: '{manual: {approved: true}}' });
    ({ c, after } = cycle(approved, seen(after, QA_ID, 'Healthy'), 50));
    assert.deepEqual(on(c, PROD_ID), ['install hello 0.1.0 civo/p1', 'install hello 0.1.0 civo/p2']);
    assert.equal(stage(after, 'prod')?.state, 'Deploying');
    const hash = after.promotions!.get('ClusterPromotion/web')!.status.contentHash;
    assert.equal(stage(after, 'qa')?.approvedHash, hash, 'the approval is recorded with the content it approves');
  });

  test('commit lines: started, healthy, awaiting approval, done', () => {
    const repo = repoOf({ trigger: '{manual: {approved: true}}' });
    const lines: string[] = [];
    let prev = emptySnapshot();
    for (const at of [0, 10, 20, 30]) {
      const { after } = cycle(repo, seen(seen(prev, QA_ID, 'Healthy'), PROD_ID, 'Healthy'), at);
      lines.push(...describeChanges(prev, after).changes.filter((l) => l.startsWith('ClusterPromotion/')));
      prev = after;
    }
    assert.deepEqual(lines, [
      'ClusterPromotion/web promotion stage qa started: civo/q1',
      'ClusterPromotion/web promotion stage qa healthy',
      'ClusterPromotion/web promotion stage prod started: civo/p1, civo/p2',
      'ClusterPromotion/web promotion stage prod healthy',
      'ClusterPromotion/web promotion done',
    ]);
  });

  test('an approval does not carry over to new content; prod keeps what it runs until approved again', () => {
    let after = seen(cycle(repoOf({ trigger: '{manual: {approved: true}}' }), qaHealthy(repoOf({}), emptySnapshot(), 0), 10).after, PROD_ID, 'Healthy');
    after = cycle(repoOf({ trigger: '{manual: {approved: true}}' }), after, 20).after;
    assert.equal(record(after, PROD_ID, 'civo/p1', 'hello')?.chartVersion, '0.1.0');

    // New content, approved: true left in place: qa gets it, prod does not.
    const next = repoOf({ version: '0.2.0', trigger: '{manual: {approved: true}}' });
    let c: CycleResult;
    ({ c, after } = cycle(next, after, 30));
    assert.deepEqual(on(c, QA_ID), ['upgrade hello 0.2.0 civo/q1']);
    for (const at of [40, 50]) {
      ({ c, after } = cycle(next, seen(after, QA_ID, 'Healthy'), at));
      assert.deepEqual(on(c, PROD_ID), []);
      assert.equal(stage(after, 'prod')?.state, 'AwaitingApproval');
      assert.match(stage(after, 'prod')?.message ?? '', /was given for content [0-9a-f]{12}, the content is now [0-9a-f]{12}; commit approved: false, then approve again$/);
      assert.equal(record(after, PROD_ID, 'civo/p2', 'hello')?.chartVersion, '0.1.0', 'prod keeps the version it runs');
      assert.equal(record(after, PROD_ID, 'civo/p2', 'hello')?.state, 'Deployed');
    }
    // Withdrawn, then given again: it approves the content it is now given with.
    ({ after } = cycle(repoOf({ version: '0.2.0', trigger: '{manual: {approved: false}}' }), seen(after, QA_ID, 'Healthy'), 60));
    ({ c, after } = cycle(next, seen(after, QA_ID, 'Healthy'), 70));
    assert.deepEqual(on(c, PROD_ID), ['upgrade hello 0.2.0 civo/p1', 'upgrade hello 0.2.0 civo/p2']);
  });

  test('auto delay counts from when qa became Healthy, across restarts (the time is in the status)', () => {
    const repo = repoOf({ trigger: '{auto: {delay: 5m}}' });
    let after = qaHealthy(repo, emptySnapshot(), 0);
    let c: CycleResult;
    ({ c, after } = cycle(repo, after, 10));
    assert.equal(stage(after, 'qa')?.healthySince, later(10).toISOString());
    assert.equal(stage(after, 'prod')?.state, 'AwaitingDelay');
    assert.equal(stage(after, 'prod')?.until, later(310).toISOString());
    assert.ok(describeChanges(emptySnapshot(), after).changes.includes(`ClusterPromotion/web promotion stage prod awaiting delay until ${later(310).toISOString()}`));
    ({ c, after } = cycle(repo, seen(after, QA_ID, 'Healthy'), 200));
    assert.deepEqual(on(c, PROD_ID), [], 'not before the delay');
    ({ c, after } = cycle(repo, seen(after, QA_ID, 'Healthy'), 311));
    assert.deepEqual(on(c, PROD_ID), ['install hello 0.1.0 civo/p1', 'install hello 0.1.0 civo/p2']);
  });

  test('a status file forged to say prod was promoted does not start prod; a promotion its clusters run stays', () => {
    const repo = repoOf({});
    let after = qaHealthy(repo, emptySnapshot(), 0);
    let c: CycleResult;
    ({ after } = cycle(repo, after, 10));
    assert.equal(stage(after, 'prod')?.state, 'AwaitingApproval');
    // Someone who can push to status/ writes prod as promoted to the current content.
    const forge = (s: StatusSnapshot): StatusSnapshot => {
      const entry = s.promotions!.get('ClusterPromotion/web')!;
      const stages = entry.status.stages.map((x) => (x.name === 'prod' ? { ...x, state: 'Deploying' as const, promotedHash: entry.status.contentHash } : x));
      return { ...s, promotions: new Map([['ClusterPromotion/web', { ...entry, status: { ...entry.status, stages } }]]) };
    };
    for (const at of [20, 30]) {
      ({ c, after } = cycle(repo, forge(seen(after, QA_ID, 'Healthy')), at));
      assert.deepEqual(on(c, PROD_ID), [], `cycle at ${at}s: nothing installed on prod`);
      assert.equal(stage(after, 'prod')?.state, 'AwaitingApproval');
      assert.equal(stage(after, 'prod')?.promotedHash, undefined, 'the forged promotion is not written back');
    }
    // Approved for real: prod runs the content, and stays promoted once the approval is taken back.
    ({ c, after } = cycle(repoOf({ trigger: '{manual: {approved: true}}' }), seen(after, QA_ID, 'Healthy'), 40));
    assert.deepEqual(on(c, PROD_ID), ['install hello 0.1.0 civo/p1', 'install hello 0.1.0 civo/p2']);
    ({ c, after } = cycle(repoOf({ trigger: '{manual: {approved: false}}' }), seen(seen(after, QA_ID, 'Healthy'), PROD_ID, 'Healthy'), 50));
    assert.equal(stage(after, 'prod')?.state, 'Healthy');
    assert.equal(record(after, PROD_ID, 'civo/p1', 'hello')?.state, 'Deployed');
  });

  test('where Git history says which content an approval was committed with, a forged approvedHash cannot move it', () => {
    const old = repoOf({ trigger: '{manual: {approved: true}}' });
    let after = seen(cycle(old, qaHealthy(repoOf({}), emptySnapshot(), 0), 10).after, PROD_ID, 'Healthy');
    const oldHash = after.promotions!.get('ClusterPromotion/web')!.status.contentHash;
    // New content, approved: true left in place, and the status forged to say it was approved for it.
    const next = repoOf({ version: '0.2.0', trigger: '{manual: {approved: true}}' });
    const nextHash = cycle(next, after, 20).after.promotions!.get('ClusterPromotion/web')!.status.contentHash;
    const forge = (s: StatusSnapshot): StatusSnapshot => {
      const entry = s.promotions!.get('ClusterPromotion/web')!;
      const stages = entry.status.stages.map((x) => (x.name === 'qa' ? { ...x, approvedHash: nextHash } : x));
      return { ...s, promotions: new Map([['ClusterPromotion/web', { ...entry, status: { ...entry.status, stages } }]]) };
    };
    const fromHistory = { ...next, promotions: next.promotions!.map((p) => ({ ...p, approvedContent: { qa: oldHash } })) };
    let c: CycleResult;
    ({ after } = cycle(fromHistory, after, 20));
    for (const at of [30, 40]) {
      ({ c, after } = cycle(fromHistory, forge(seen(after, QA_ID, 'Healthy')), at));
      assert.deepEqual(on(c, PROD_ID), [], `cycle at ${at}s: prod keeps 0.1.0`);
      assert.equal(stage(after, 'prod')?.state, 'AwaitingApproval');
      assert.equal(stage(after, 'qa')?.approvedHash, oldHash, 'the status is written back as Git says');
    }
    // Without history (a plain folder), the status's record is all there is: the forgery would count.
    ({ c } = cycle(next, forge(seen(after, QA_ID, 'Healthy')), 50));
    assert.deepEqual(on(c, PROD_ID), ['upgrade hello 0.2.0 civo/p1', 'upgrade hello 0.2.0 civo/p2']);
  });

  test('a healthySince edited earlier than qa\'s deployment does not shorten the delay; one in the future does not hold it', () => {
    const repo = repoOf({ trigger: '{auto: {delay: 5m}}' });
    let after = qaHealthy(repo, emptySnapshot(), 100);
    ({ after } = cycle(repo, after, 110));
    assert.equal(stage(after, 'qa')?.healthySince, later(110).toISOString());
    const edit = (s: StatusSnapshot, since: string): StatusSnapshot => {
      const entry = s.promotions!.get('ClusterPromotion/web')!;
      const stages = entry.status.stages.map((x) => (x.name === 'qa' ? { ...x, healthySince: since } : x));
      return { ...s, promotions: new Map([['ClusterPromotion/web', { ...entry, status: { ...entry.status, stages } }]]) };
    };
    // A day before qa was deployed (at 100 s): counted from the deployment instead.
    let c: CycleResult;
    ({ c, after } = cycle(repo, edit(seen(after, QA_ID, 'Healthy'), later(-86_400).toISOString()), 120));
    assert.deepEqual(on(c, PROD_ID), [], 'the delay is not over');
    assert.equal(stage(after, 'qa')?.healthySince, later(100).toISOString());
    assert.equal(stage(after, 'prod')?.until, later(400).toISOString());
    // A year ahead: taken as now, so the delay is not held off forever.
    ({ after } = cycle(repo, edit(seen(after, QA_ID, 'Healthy'), later(365 * 86_400).toISOString()), 130));
    assert.equal(stage(after, 'qa')?.healthySince, later(130).toISOString());
  });

  test('a chart dropped from the content is not withdrawn from a stage that waits', () => {
    const two = repoOf({ charts: ['hello', 'extra'], trigger: '{auto: {}}' });
    let after = qaHealthy(two, emptySnapshot(), 0);
    after = seen(cycle(two, after, 10).after, PROD_ID, 'Healthy');
    assert.equal(record(after, PROD_ID, 'civo/p1', 'extra')?.state, 'Deployed');
    const one = repoOf({ charts: ['hello'], trigger: '{manual: {}}' });
    let c: CycleResult;
    for (const at of [20, 30, 40]) {
      ({ c, after } = cycle(one, seen(after, QA_ID, 'Healthy'), at));
      assert.deepEqual(on(c, PROD_ID), [], 'no uninstall on prod while it waits');
      assert.equal(record(after, PROD_ID, 'civo/p1', 'extra')?.state, 'Deployed');
    }
    assert.equal(stage(after, 'prod')?.state, 'AwaitingApproval');
  });

  test('a cluster matched by two stages belongs to the first: it is not deployed to as part of the later one', () => {
    const repo = repoOf({ trigger: '{auto: {}}', prodSelector: '{matchExpressions: [{key: env, operator: In, values: [qa, prod]}]}' });
    let { c, after } = cycle(repo, emptySnapshot(), 0);
    assert.deepEqual(stage(after, 'prod')?.clusters, PROD);
    ({ c, after } = cycle(repo, seen(after, QA_ID, 'Healthy'), 10));
    assert.deepEqual(on(c, PROD_ID), ['install hello 0.1.0 civo/p1', 'install hello 0.1.0 civo/p2'], 'civo/q1 gets nothing from prod');
    assert.deepEqual(after.profiles.get(PROD_ID)?.status.matchingClusters.map((r) => `${r.namespace}/${r.name}`), PROD);
  });

  test('property: no prod cluster gets a version before every qa cluster runs it Healthy', () => {
    const step = fc.record({ version: fc.constantFrom('0.1.0', '0.2.0', '0.3.0'), approved: fc.boolean(), healthy: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
        let prev = emptySnapshot();
        const reached = new Set<string>(); // versions prod already got: a later install of one is a repair
        steps.forEach((s, i) => {
          const input = seen(prev, QA_ID, s.healthy ? 'Healthy' : 'Progressing');
          const { c, after } = cycle(repoOf({ version: s.version, trigger: `{manual: {approved: ${s.approved}}}` }), input, i * 10);
          for (const a of c.actions.filter((x) => x.profile === PROD_ID && x.action !== 'uninstall')) {
            const v = a.release.chartVersion;
            if (reached.has(v)) continue;
            const qa = QA.map((k) => record(input, QA_ID, k, 'hello'));
            assert.ok(qa.every((r) => r?.chartVersion === v && r.health === 'Healthy' && r.state === 'Deployed'), `prod got ${v} at step ${i} while qa ran ${JSON.stringify(qa.map((r) => [r?.chartVersion, r?.health]))}`);
            reached.add(v);
          }
          prev = after;
        });
      }),
      { numRuns: 60 },
    );
  });
});
