// Make-before-break drains: the leaving cluster keeps its releases until the replacement is
// deployed and healthy, or until the set's drain timeout (default 10m), which the failover record
// and the status commit then name.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterKey } from '../../src/model/objects.ts';
import type { ClusterStatus, SetStatus } from '../../src/model/status.ts';
import { indexClusters } from '../../src/select/cluster-index.ts';
import { selectWithPolicy } from '../../src/select/failover-policy.ts';
import type { DeployedAt } from '../../src/select/failovers.ts';
import { describeChanges } from '../../src/status/describe.ts';
import { readStatusFiles } from '../../src/status/read.ts';
import { renderStatusFiles } from '../../src/status/render.ts';
import { emptySnapshot, refKey, type StatusSnapshot } from '../../src/status/snapshot.ts';
import { cluster, clusterSet } from './fleet.ts';

const T0 = Date.parse('2026-03-13T10:00:00Z');
const at = (min: number): Date => new Date(T0 + min * 60_000);
const C1 = 'civo/cluster1';
const C2 = 'civo/cluster2';
const index = indexClusters([cluster(C1, { env: 'prod' }), cluster(C2, { env: 'prod' })]);
const health = new Map<ClusterKey, ClusterStatus>([[C1, { ready: true }], [C2, { ready: true }]]);
const cordons = new Map([[C1, 'kernel upgrade']]);

function prod(annotations?: Record<string, string>) {
  const s = clusterSet('prod', { clusterSelector: { matchLabels: { env: 'prod' } }, maxReplicas: 1 });
  if (annotations) s.metadata.annotations = annotations;
  return s;
}

/** C1 is up; C2 comes up at `upAt` minutes (never when undefined). */
const deployedAt = (now: Date, upAt?: number): DeployedAt => (k) => (k === C1 ? at(-60).toISOString() : upAt !== undefined && now >= at(upAt) ? at(upAt).toISOString() : undefined);

/** One selection per minute in `minutes`, from C1 selected; cordoning C1 moves the set to C2. */
function run(minutes: number[], opts: { annotations?: Record<string, string>; upAt?: number } = {}): SetStatus[] {
  let previous: SetStatus = { matchingClusterRefs: [], selectedClusterRefs: [index.refOf(index.byKey(C1)!)] };
  return minutes.map((m) => {
    const now = at(m);
    previous = selectWithPolicy({ set: prod(opts.annotations), index, health, previous, cordons, now, frozen: false, deployedAt: deployedAt(now, opts.upAt) });
    return previous;
  });
}
const draining = (s: SetStatus): string[] => (s.drainingClusterRefs ?? []).map(refKey);

describe('drain', () => {
  test('ends when the replacement is deployed and healthy, with no timeout noted', () => {
    const [moved, waiting, done] = run([0, 3, 4], { upAt: 4 });
    assert.deepEqual(moved!.selectedClusterRefs.map(refKey), [C2]);
    assert.deepEqual(draining(moved!), [C1]);
    assert.deepEqual(draining(waiting!), [C1]);
    assert.deepEqual(draining(done!), []);
    assert.equal(done!.failovers?.[0]?.drainTimedOut, undefined);
    assert.equal(done!.failovers?.[0]?.deployed, at(4).toISOString());
  });

  test('a replacement never healthy: the drain ends after the default 10m and the record says so', () => {
    const [, before, ended, after] = run([0, 9, 10, 11]);
    assert.deepEqual(draining(before!), [C1]);
    assert.deepEqual(draining(ended!), []);
    const record = ended!.failovers?.[0];
    assert.deepEqual(record?.drainTimedOut, {
      at: at(10).toISOString(),
      message: `stopped draining ${C1} after 10m (gitset.dev/drain-timeout): ${C2} not deployed and healthy yet`,
    });
    assert.equal(record?.deployed, undefined, 'the failover itself is still not done');
    assert.deepEqual(draining(after!), [], 'an ended drain does not come back');
    assert.deepEqual(after!.failovers, ended!.failovers, 'the note is kept as it was');
  });

  test('the note survives the status files (the next cycle reads it back)', () => {
    const [, , ended] = run([0, 9, 10]);
    const s = emptySnapshot();
    s.sets.set('ClusterSet/prod', { object: { apiVersion: prod().apiVersion, kind: 'ClusterSet', metadata: prod().metadata, spec: prod().spec }, status: ended! });
    const back = readStatusFiles([...renderStatusFiles(s)].map(([path, text]) => ({ path, text })));
    assert.deepEqual(back.sets.get('ClusterSet/prod')!.status.failovers, ended!.failovers);
  });

  test('gitset.dev/drain-timeout sets the wait', () => {
    const [, at10, at29, at30] = run([0, 10, 29, 30], { annotations: { 'gitset.dev/drain-timeout': '30m' } });
    assert.deepEqual([at10, at29, at30].map((s) => draining(s!)), [[C1], [C1], []]);
    assert.match(at30!.failovers![0]!.drainTimedOut!.message, /after 30m \(gitset\.dev\/drain-timeout\)/);
  });

  test('an invalid value counts as absent (the loader reported it): the default applies', () => {
    const [, at10] = run([0, 10], { annotations: { 'gitset.dev/drain-timeout': 'soon' } });
    assert.deepEqual(draining(at10!), []);
  });

  test('the status commit says the drain timed out instead of finished', () => {
    const [, before, ended] = run([0, 9, 10]);
    const snap = (status: SetStatus): StatusSnapshot => {
      const s = emptySnapshot();
      s.sets.set('ClusterSet/prod', { object: { apiVersion: prod().apiVersion, kind: 'ClusterSet', metadata: prod().metadata, spec: prod().spec }, status });
      return s;
    };
    const d = describeChanges(snap(before!), snap(ended!));
    assert.deepEqual(d.changes, [`ClusterSet/prod stopped draining ${C1} after 10m (gitset.dev/drain-timeout): ${C2} not deployed and healthy yet`]);
    const [, , done] = run([0, 3, 4], { upAt: 4 });
    const [, waiting] = run([0, 3], { upAt: 4 });
    assert.ok(describeChanges(snap(waiting!), snap(done!)).changes.includes(`ClusterSet/prod finished draining ${C1}`));
  });
});
