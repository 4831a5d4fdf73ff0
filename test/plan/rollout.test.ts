// maxUpdate: a change of a profile's desired state reaches its clusters in waves, each waiting for
// the previous one to be deployed and Healthy; a failure halts the rest on the old version; a new
// spec resumes where it stopped; installs (new clusters, failovers) are never held.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ReleaseHealth } from '../../src/model/status.ts';
import { computeCycle, recordResults, type ActionOutcome, type CycleResult, type RepositoryObjects } from '../../src/plan/cycle.ts';
import { resolveMaxUpdate } from '../../src/plan/rollout.ts';
import type { StatusSnapshot } from '../../src/status/snapshot.ts';
import { describeChanges } from '../../src/status/describe.ts';
import { statusCodec } from '../../src/daemon/wiring.ts';
import { chart, cluster, clusterProfile } from '../select/fleet.ts';
import { later, probes, record, revisionOf, step } from './cycle-helpers.ts';

const KEYS = ['civo/c1', 'civo/c2', 'civo/c3', 'civo/c4'];
const ID = 'ClusterProfile/apps';

function fleet(version: string, maxUpdate: number | string | undefined = 1, keys = KEYS): RepositoryObjects {
  return {
    clusters: keys.map((k) => cluster(k, { env: 'prod' })),
    sets: [],
    profiles: [clusterProfile('apps', { clusterSelector: { matchLabels: { env: 'prod' } }, helmCharts: [chart('hello', { chartVersion: version })], ...(maxUpdate !== undefined ? { maxUpdate } : {}) } as never)],
  };
}

/** What an observer saw: every record of the profile on `clusters` gets `health`. */
function seen(s: StatusSnapshot, clusters: readonly string[], health: ReleaseHealth): StatusSnapshot {
  const entry = s.profiles.get(ID)!;
  const status = { ...entry.status, clusters: entry.status.clusters!.map((pc) => (clusters.includes(pc.cluster) ? { ...pc, releases: pc.releases.map((r) => ({ ...r, health })) } : pc)) };
  return { ...s, profiles: new Map([...s.profiles, [ID, { ...entry, status }]]) };
}

/** One cycle whose helm calls succeed, except on `failOn`. */
function cycle(repo: RepositoryObjects, prev: StatusSnapshot, at: number, failOn: readonly string[] = []): { c: CycleResult; after: StatusSnapshot } {
  const c = computeCycle({ revision: revisionOf(repo), previous: prev, probes: probes(repo), now: later(at) });
  const outcomes: ActionOutcome[] = c.actions.map((action) =>
    failOn.includes(action.cluster) ? { action, ok: false, error: 'helm: UPGRADE FAILED: timed out waiting for the condition' } : { action, ok: true, result: { revision: 2, status: 'deployed' } },
  );
  return { c, after: recordResults(c, outcomes, later(at)) };
}

const upgradedOn = (c: CycleResult) => c.actions.filter((a) => a.action === 'upgrade').map((a) => a.cluster);
const versionOn = (s: StatusSnapshot, k: string) => record(s, ID, k, 'hello')?.chartVersion;

describe('maxUpdate', () => {
  test('one cluster at a time, each waiting for the previous one to be Healthy', () => {
    const v1 = step(fleet('0.1.0')).after;
    const healthy = seen(v1, KEYS, 'Healthy');
    const v2 = fleet('0.2.0');
    let { c, after } = cycle(v2, healthy, 10);
    assert.deepEqual(upgradedOn(c), ['civo/c1']);
    assert.deepEqual(after.profiles.get(ID)?.status.rollout, { maxUpdate: 1, updating: [], waiting: ['civo/c2', 'civo/c3', 'civo/c4'], wave: ['civo/c1'] });
    assert.equal(record(after, ID, 'civo/c2', 'hello')?.state, 'Deployed', 'a waiting cluster keeps what it runs');
    assert.match(record(after, ID, 'civo/c2', 'hello')?.reason ?? '', /^rollout: waiting for a wave \(maxUpdate 1; updating none\)/);
    assert.equal(c.tally.wait, 3);

    // c1 deployed, not yet Healthy: the wave holds.
    ({ c, after } = cycle(v2, seen(after, ['civo/c1'], 'Progressing'), 20));
    assert.deepEqual(upgradedOn(c), []);
    assert.deepEqual(after.profiles.get(ID)?.status.rollout?.updating, ['civo/c1']);
    // Healthy: the next one.
    ({ c, after } = cycle(v2, seen(after, ['civo/c1'], 'Healthy'), 30));
    assert.deepEqual(upgradedOn(c), ['civo/c2']);
    for (const [at, next] of [[40, 'civo/c3'], [50, 'civo/c4']] as const) {
      ({ c, after } = cycle(v2, seen(after, KEYS, 'Healthy'), at));
      assert.deepEqual(upgradedOn(c), [next]);
    }
    ({ c, after } = cycle(v2, seen(after, KEYS, 'Healthy'), 60));
    assert.deepEqual(c.actions, []);
    assert.equal(after.profiles.get(ID)?.status.rollout, undefined, 'done: no rollout left');
    assert.deepEqual(KEYS.map((k) => versionOn(after, k)), ['0.2.0', '0.2.0', '0.2.0', '0.2.0']);
  });

  test('a failed upgrade halts the rollout: the others keep the old version; a fixed spec resumes there first', () => {
    const healthy = seen(step(fleet('0.1.0')).after, KEYS, 'Healthy');
    const bad = fleet('0.2.0-bad', 2);
    let { c, after } = cycle(bad, healthy, 10, ['civo/c2']);
    assert.deepEqual(upgradedOn(c), ['civo/c1', 'civo/c2']);
    ({ c, after } = cycle(bad, seen(after, ['civo/c1'], 'Healthy'), 20));
    assert.deepEqual(upgradedOn(c), [], 'halted (c2 backs off; c3 and c4 wait)');
    const rollout = after.profiles.get(ID)?.status.rollout;
    assert.match(rollout?.halted ?? '', /^civo\/c2: apps\/hello failed \(helm: UPGRADE FAILED/);
    assert.deepEqual(rollout?.waiting, ['civo/c3', 'civo/c4']);
    assert.match(record(after, ID, 'civo/c3', 'hello')?.reason ?? '', /^rollout halted: civo\/c2/);
    assert.deepEqual(['civo/c3', 'civo/c4'].map((k) => versionOn(after, k)), ['0.1.0', '0.1.0']);

    // A new commit fixes the version: it goes where the rollout stopped first.
    const fixed = fleet('0.2.1', 1);
    ({ c } = cycle(fixed, after, 30));
    assert.deepEqual(upgradedOn(c), ['civo/c2']);
  });

  test('a release Degraded, or not Healthy within the rollout timeout, halts it too', () => {
    const healthy = seen(step(fleet('0.1.0')).after, KEYS, 'Healthy');
    const v2 = fleet('0.2.0');
    let { after } = cycle(v2, healthy, 10);
    let c: CycleResult;
    ({ c, after } = cycle(v2, seen(after, ['civo/c1'], 'Degraded'), 20));
    assert.deepEqual(upgradedOn(c), []);
    assert.match(after.profiles.get(ID)?.status.rollout?.halted ?? '', /^civo\/c1: apps\/hello is Degraded/);
    ({ c, after } = cycle(v2, seen(after, ['civo/c1'], 'Progressing'), 10 + 60 * 11));
    assert.match(after.profiles.get(ID)?.status.rollout?.halted ?? '', /not Healthy 10m after it was applied/);
  });

  test('installs are never held: a newly matched cluster during a rollout gets the new version at once', () => {
    const healthy = seen(step(fleet('0.1.0')).after, KEYS, 'Healthy');
    const grown = fleet('0.2.0', 1, [...KEYS, 'civo/c5']);
    const { c } = cycle(grown, healthy, 10);
    assert.deepEqual(c.actions.map((a) => `${a.action} ${a.cluster}`).sort(), ['install civo/c5', 'upgrade civo/c1']);
  });

  test('git log tells the rollout: started, each wave, halted, resumed, done; the status file keeps it across a restart', () => {
    const healthy = seen(step(fleet('0.1.0')).after, KEYS, 'Healthy');
    const said: string[] = [];
    let prev = healthy;
    const run = (repo: RepositoryObjects, at: number, failOn: string[] = [], health: ReleaseHealth = 'Healthy') => {
      const { after } = cycle(repo, prev, at, failOn);
      said.push(...describeChanges(prev, after).changes.filter((c) => c.includes('rollout')));
      // What a restart reads back is what the next message compares with.
      prev = seen(statusCodec.read([...statusCodec.render(after)].map(([path, text]) => ({ path, text }))), KEYS.filter((k) => !failOn.includes(k)), health);
    };
    run(fleet('0.2.0'), 10);
    run(fleet('0.2.0'), 20, ['civo/c2']);
    run(fleet('0.2.0'), 30);
    for (let i = 4; i <= 9; i++) run(fleet('0.2.1'), i * 10);
    assert.deepEqual(said, [
      'ClusterProfile/apps rollout started: maxUpdate 1, wave civo/c1, 3 waiting',
      'ClusterProfile/apps rollout wave: civo/c2 (2 waiting)',
      'ClusterProfile/apps rollout halted: civo/c2: apps/hello failed (helm: UPGRADE FAILED: timed out waiting for the condition) (2 waiting)',
      'ClusterProfile/apps rollout resumed',
      'ClusterProfile/apps rollout wave: civo/c2 (3 waiting)',
      'ClusterProfile/apps rollout wave: civo/c1 (2 waiting)',
      'ClusterProfile/apps rollout wave: civo/c3 (1 waiting)',
      'ClusterProfile/apps rollout wave: civo/c4 (0 waiting)',
      'ClusterProfile/apps rollout done',
    ]);
  });

  test('maxUpdate as Sveltos reads it: a number, or a percentage of the matched clusters rounded up', () => {
    assert.equal(resolveMaxUpdate(2, 10), 2);
    assert.equal(resolveMaxUpdate('2', 10), 2);
    assert.equal(resolveMaxUpdate('25%', 4), 1);
    assert.equal(resolveMaxUpdate('30%', 4), 2);
    assert.equal(resolveMaxUpdate('1%', 3), 1, 'at least one');
    assert.equal(resolveMaxUpdate(undefined, 4), undefined);
  });

  test('property: however health and failures come, never more than maxUpdate clusters updating at once', () => {
    const keys = ['civo/a', 'civo/b', 'civo/c', 'civo/d', 'civo/e', 'civo/f'];
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.record({ healthy: fc.subarray(keys), fail: fc.subarray(keys, { maxLength: 1 }) }), { minLength: 3, maxLength: 10 }), (max, rounds) => {
        let s = seen(step(fleet('0.1.0', max, keys)).after, keys, 'Healthy');
        const v2 = fleet('0.2.0', max, keys);
        rounds.forEach((round, i) => {
          const prev = seen(s, round.healthy, 'Healthy');
          // Updating: at the new version and not yet Healthy, or failed.
          const busy = new Set(keys.filter((k) => {
            const r = record(prev, ID, k, 'hello');
            return r?.state === 'Failed' || (r?.chartVersion === '0.2.0' && r.health !== 'Healthy');
          }));
          const { c, after } = cycle(v2, prev, 10 * (i + 1), round.fail);
          const fresh = upgradedOn(c).filter((k) => !busy.has(k));
          if (fresh.length > 0 && busy.size + fresh.length > max) throw new Error(`round ${i}: ${[...busy]} busy, ${fresh} started, maxUpdate ${max}`);
          // What the observer sees next: what was just upgraded is not yet Healthy.
          s = seen(after, upgradedOn(c), 'Progressing');
        });
      }),
      { numRuns: 200 },
    );
  });
});
