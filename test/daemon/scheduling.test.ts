// Scheduling around helm calls in flight: the pure plan takes them as data (not planned again,
// not counted as done, recorded by the cycle that sees them end), the lanes run them in the
// background (one per cluster, bounded, replaced while waiting, cut short per cluster).
import { describe, test } from 'node:test';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { createLanes, type LaneTask } from '../../src/helm/pool.ts';
import { createHelmWork } from '../../src/daemon/execute.ts';
import { silentLogger } from '../../src/daemon/logger.ts';
import { createMetrics } from '../../src/daemon/metrics.ts';
import type { HelmRunner } from '../../src/model/ports.ts';
import { computeCycle, inFlightKey, recordResults, type ActionOutcome, type RepositoryObjects } from '../../src/plan/cycle.ts';
import { emptySnapshot } from '../../src/status/snapshot.ts';
import { chart, cluster, clusterProfile, clusterSet } from '../select/fleet.ts';
import { later, probes, record, revisionOf, step, T0 } from '../plan/cycle-helpers.ts';

const civo = [cluster('civo/cluster1', { env: 'prod' }), cluster('civo/cluster2', { env: 'prod' })];
const repo: RepositoryObjects = {
  clusters: civo,
  sets: [clusterSet('prod', { clusterSelector: 'env=prod', maxReplicas: 1 })],
  profiles: [clusterProfile('apps', { setRefs: ['prod'], helmCharts: [chart('hello'), chart('world')] })],
};
const key1 = (name: string) => inFlightKey('civo/cluster1', { releaseNamespace: 'apps', releaseName: name });

describe('the plan around calls in flight', () => {
  test('a release with a call in flight is not planned again and stays Pending with what runs', () => {
    const first = computeCycle({ revision: revisionOf(repo), previous: emptySnapshot(), probes: probes(repo), now: T0 });
    assert.deepEqual(first.actions.map((a) => a.release.releaseName), ['hello', 'world']);
    const hello = first.actions.find((a) => a.release.releaseName === 'hello')!;
    const inFlight = new Map([[inFlightKey(hello.cluster, hello.release), 'helm install running since 2026-03-13T10:00:00.000Z']]);
    const second = computeCycle({ revision: revisionOf(repo), previous: first.snapshot, probes: probes(repo), now: later(1), inFlight });
    assert.deepEqual(second.actions.map((a) => a.release.releaseName), ['world'], 'the release in flight is not issued twice');
    const held = record(second.snapshot, 'ClusterProfile/apps', 'civo/cluster1', 'hello')!;
    assert.equal(held.state, 'Pending', 'not counted as done');
    assert.equal(held.reason, 'helm install running since 2026-03-13T10:00:00.000Z');
  });

  test('an upgrade in flight of a deployed release is not counted as done either', () => {
    const deployed = step(repo).after;
    const withValues: RepositoryObjects = { ...repo, profiles: [clusterProfile('apps', { setRefs: ['prod'], helmCharts: [chart('hello', { values: 'a: 1\n' }), chart('world')] })] };
    const inFlight = new Map([[key1('hello'), 'helm upgrade running since then']]);
    const c = computeCycle({ revision: revisionOf(withValues), previous: deployed, probes: probes(withValues), now: later(5), inFlight });
    assert.deepEqual(c.actions, []);
    assert.equal(record(c.snapshot, 'ClusterProfile/apps', 'civo/cluster1', 'hello')?.state, 'Pending');
  });

  test('the cycle that sees a call end records it, with the time the call ended', () => {
    const first = computeCycle({ revision: revisionOf(repo), previous: emptySnapshot(), probes: probes(repo), now: T0 });
    const outcomes: ActionOutcome[] = first.actions.map((action) => ({ action, ok: true, result: { revision: 1, status: 'deployed' }, finishedAt: later(42).toISOString() }));
    // Later cycle: both calls ended; they are in flight for its plan, and recorded into it.
    const inFlight = new Map(outcomes.map((o) => [inFlightKey(o.action.cluster, o.action.release), 'finished, recording']));
    const later1 = computeCycle({ revision: revisionOf(repo), previous: first.snapshot, probes: probes(repo), now: later(60), inFlight });
    assert.deepEqual(later1.actions, []);
    const after = recordResults(later1, outcomes, later(61));
    const hello = record(after, 'ClusterProfile/apps', 'civo/cluster1', 'hello')!;
    assert.equal(hello.state, 'Deployed');
    assert.equal(hello.lastAppliedTime, later(42).toISOString(), 'the time helm finished, not the time of the cycle');
    const next = computeCycle({ revision: revisionOf(repo), previous: after, probes: probes(repo), now: later(70) });
    assert.deepEqual(next.actions, [], 'recorded: nothing to do');
  });

  test('a failover is decided while a call on the failing cluster is in flight; the spare is planned at once', () => {
    const deployed = step(repo).after;
    const inFlight = new Map([[key1('hello'), 'helm upgrade running']]);
    let prev = deployed;
    let c = computeCycle({ revision: revisionOf(repo), previous: prev, probes: probes(repo, ['civo/cluster1']), now: later(10), inFlight });
    for (let i = 2; i <= 3; i++) {
      prev = { ...prev, clusters: c.snapshot.clusters };
      c = computeCycle({ revision: revisionOf(repo), previous: prev, probes: probes(repo, ['civo/cluster1']), now: later(10 * i), inFlight });
    }
    assert.deepEqual(c.snapshot.sets.get('ClusterSet/prod')?.status.selectedClusterRefs.map((r) => r.name), ['cluster2']);
    assert.deepEqual(c.actions.filter((a) => a.cluster === 'civo/cluster2').map((a) => `${a.action} ${a.release.releaseName}`), ['install hello', 'install world']);
  });
});

describe('background lanes', () => {
  const deferred = () => {
    let resolve!: (v: string) => void;
    const promise = new Promise<string>((r) => (resolve = r));
    return { promise, resolve };
  };

  test('one task per cluster at a time, at most `parallelism` clusters; waiting tasks are replaced by the next offer', async () => {
    const gates = new Map<string, ReturnType<typeof deferred>>();
    const started: string[] = [];
    const settled: string[] = [];
    const task = (cluster: string, key: string): LaneTask<string> => ({
      cluster,
      key,
      run: () => {
        started.push(key);
        const d = deferred();
        gates.set(key, d);
        return d.promise;
      },
    });
    const lanes = createLanes<string>({ parallelism: 2, onSettled: (t) => settled.push(t.key) });
    lanes.offer([task('a', 'a1'), task('a', 'a2'), task('b', 'b1'), task('c', 'c1')]);
    assert.deepEqual(started, ['a1', 'b1'], 'two clusters, one task each');
    // The next cycle plans again: a2 is gone from its plan, c1 stays, a1 (running) is offered again.
    lanes.offer([task('a', 'a1'), task('c', 'c1')]);
    gates.get('a1')!.resolve('done');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, ['a1', 'b1', 'c1'], 'a1 is not started twice, a2 was dropped, c1 took the free slot');
    assert.deepEqual(lanes.runningKeys().sort(), ['b1', 'c1']);
    gates.get('b1')!.resolve('done');
    gates.get('c1')!.resolve('done');
    await lanes.idle();
    assert.deepEqual(settled, ['a1', 'b1', 'c1']);
    assert.equal(lanes.busy, false);
  });

  test('a cluster cut short: its running task is aborted with the reason, its waiting ones dropped', async () => {
    const reasons: unknown[] = [];
    const lanes = createLanes<string>({ parallelism: 4, onSettled: (_t, r, signal) => reasons.push(r.status === 'rejected' ? String(signal.reason?.message) : r.value) });
    const hanging = (cluster: string, key: string): LaneTask<string> => ({
      cluster,
      key,
      run: (signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    });
    lanes.offer([hanging('x', 'x1'), hanging('x', 'x2'), { cluster: 'y', key: 'y1', run: async () => 'y done' }]);
    assert.equal(lanes.abortCluster('x', new Error('x stopped answering probes')), true);
    await lanes.idle();
    assert.deepEqual(reasons.sort(), ['x stopped answering probes', 'y done']);
  });

  test('closed lanes start nothing more; abortAll ends what runs', async () => {
    let ran = 0;
    const lanes = createLanes<string>({ parallelism: 1, onSettled: () => undefined });
    lanes.offer([
      { cluster: 'a', key: 'a1', run: (signal) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason))) },
      { cluster: 'b', key: 'b1', run: async () => String(++ran) },
    ]);
    lanes.close();
    lanes.offer([{ cluster: 'c', key: 'c1', run: async () => String(++ran) }]);
    lanes.abortAll(new Error('shutdown'));
    await lanes.idle();
    assert.equal(ran, 0, 'nothing waiting or offered later ran');
  });
});

describe('helm work in the background', () => {
  /** A helm whose upgrades on `hangOn` wait for their signal; the others deploy at once. */
  const helm = (hangOn: string): HelmRunner => ({
    upgradeInstall: (target, _release, signal) =>
      target.cluster === hangOn
        ? new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(new Error('helm upgrade-install was aborted'))))
        : Promise.resolve({ revision: 1, status: 'deployed' }),
    uninstall: async () => undefined,
  });

  test('what runs stays in flight until a cycle takes its outcome; a cluster cut short says why', async (t) => {
    const planned = computeCycle({ revision: revisionOf(repo), previous: emptySnapshot(), probes: probes(repo), now: T0 });
    const [running, waiting] = planned.actions.map((a) => a.release.releaseName); // both on cluster1, in the plan's order
    const spare = { ...planned.actions[0]!, cluster: 'civo/cluster2' };
    let woken = 0;
    // The executor hands helm a kubeconfig path, checked to be a file.
    const credentialsDir = await mkdtemp(join(tmpdir(), 'gitset-scheduling-'));
    t.after(() => rm(credentialsDir, { recursive: true, force: true }));
    await mkdir(join(credentialsDir, 'civo'));
    for (const name of ['cluster1', 'cluster2']) await writeFile(join(credentialsDir, 'civo', `${name}.kubeconfig`), 'apiVersion: v1\n', { mode: 0o600 });
    const work = createHelmWork({ helm: helm('civo/cluster1'), credentialsDir, parallelism: 4, metrics: createMetrics(), logger: silentLogger(), onFinished: () => woken++, now: () => later(30) });
    work.schedule([...planned.actions, spare], repo.clusters);
    await new Promise((r) => setImmediate(r));
    const first = work.take();
    assert.deepEqual([...first.keys.keys()].sort(), [inFlightKey('civo/cluster2', spare.release), key1(running!)].sort(), 'running on cluster1, ended on cluster2; the next waits');
    assert.ok(first.keys.get(key1(running!))?.startsWith('helm install running since'), 'the record says what runs');
    assert.deepEqual(first.finished.map((o) => o.action.cluster), ['civo/cluster2'], 'the spare\'s install ended and is recorded by this cycle');
    assert.equal(first.finished[0]!.finishedAt, later(30).toISOString());

    work.cutShort('civo/cluster1', 'cut short: civo/cluster1 stopped answering probes (timeout after 5s)');
    await work.idle();
    const second = work.take();
    const cut = second.finished.find((o) => o.action.release.releaseName === running)!;
    assert.equal(cut.ok, false);
    assert.match(cut.ok ? '' : cut.error, /^cut short: civo\/cluster1 stopped answering probes \(timeout after 5s\): helm upgrade-install was aborted$/);
    assert.equal(second.finished.some((o) => o.action.release.releaseName === waiting), false, 'the call waiting behind it on that cluster was dropped');
    assert.ok(woken >= 2, 'each ended call wakes a cycle');
    assert.deepEqual([...work.take().keys], [], 'nothing in flight once taken');
  });
});
