// The daemon's side of observing: which releases it tracks (from the last status and the profiles
// in force), its settings, and one cycle's observation over the prober's connections to a
// simulated cluster, with a cluster that stops answering logged at warn and counted.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { ConfigError, resolveConfig } from '../../src/daemon/config.ts';
import { createLogger } from '../../src/daemon/logger.ts';
import { createMetrics } from '../../src/daemon/metrics.ts';
import { driftExclusions, observeAnswering, trackedReleases } from '../../src/daemon/observe-fleet.ts';
import type { ProfileObject } from '../../src/model/objects.ts';
import type { ReleaseStatus } from '../../src/model/status.ts';
import { createProber, type ClusterProber } from '../../src/probe/prober.ts';
import { emptySnapshot, type PreviousStatus } from '../../src/status/snapshot.ts';
import { sveltosCluster } from '../probe/kubeconfigs.ts';
import { HELLO_CHART, simWithTools, type SimWithTools } from '../observe/sim-tools.ts';

const release = (name: string, extra: Partial<ReleaseStatus> = {}): ReleaseStatus => ({ releaseNamespace: name, releaseName: name, chart: 'hello', chartVersion: '0.1.0', state: 'Deployed', ...extra });

function profile(name: string, spec: ProfileObject['spec']): ProfileObject {
  return { apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterProfile', metadata: { name }, spec, source: { file: `profiles/${name}.yaml`, line: 1, col: 1 } } as ProfileObject;
}

function previous(entries: Record<string, Record<string, ReleaseStatus[]>>): PreviousStatus {
  const prev = emptySnapshot();
  for (const [id, clusters] of Object.entries(entries)) {
    const name = id.split('/')[1]!;
    prev.profiles.set(id, {
      object: { apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterProfile', metadata: { name }, spec: {} },
      status: { matchingClusters: [], clusters: Object.entries(clusters).map(([cluster, releases]) => ({ cluster, releases })) },
    });
  }
  return prev;
}

describe('what the daemon tracks', () => {
  test('releases from the last status, drift settings from the profile in force', () => {
    const prev = previous({
      'ClusterProfile/hello': { 'civo/a': [release('hello', { health: 'Healthy' })], 'civo/b': [release('hello', { state: 'Failed' })] },
      'ClusterProfile/gone': { 'civo/a': [release('old')] },
      'ClusterProfile/loser': { 'civo/a': [release('hello', { state: 'Conflict' }), release('x', { state: 'Uninstalled' })] },
    });
    const exclusions = [{ paths: ['/spec/replicas'], target: { kind: 'Deployment', name: 'hello', namespace: 'hello', group: 'apps', version: 'v1' } }];
    const tracked = trackedReleases(prev, [profile('hello', { syncMode: 'ContinuousWithDriftDetection', driftExclusions: exclusions }), profile('loser', {})]);
    assert.deepEqual(tracked, [
      { cluster: 'civo/a', releaseNamespace: 'hello', releaseName: 'hello', health: 'Healthy', detectDrift: true, exclusions },
      { cluster: 'civo/b', releaseNamespace: 'hello', releaseName: 'hello', health: undefined, detectDrift: true, exclusions },
      { cluster: 'civo/a', releaseNamespace: 'old', releaseName: 'old', health: undefined, detectDrift: false, exclusions: [] },
    ]);
  });

  test('driftExclusions as Sveltos writes them; malformed entries are passed over', () => {
    assert.deepEqual(driftExclusions(undefined), []);
    assert.deepEqual(driftExclusions([{ paths: ['/spec/replicas', 3] }, { target: { kind: 'Service' } }, null, { paths: [], target: { kind: 'Service', extra: 1 } }]), [
      { paths: ['/spec/replicas'] },
      { paths: [], target: { kind: 'Service' } },
    ]);
  });
});

describe('observation settings', () => {
  const resolve = (flags: Record<string, string>) => resolveConfig({ flags: { repo: 'https://git.example/fleet.git', ...flags }, env: {}, cwd: '/srv' });

  test('a look every 5 minutes and 16 clusters at once by default; 0 turns the periodic looks off', () => {
    const c = resolve({});
    assert.deepEqual([c.driftIntervalMs, c.observeParallelism], [300_000, 16]);
    assert.equal(resolve({ driftInterval: '0' }).driftIntervalMs, 0);
    assert.equal(resolve({ driftInterval: '90s' }).driftIntervalMs, 90_000);
    assert.equal(resolveConfig({ flags: { repo: './fleet' }, env: { GITSET_DRIFT_INTERVAL: '1m', GITSET_OBSERVE_PARALLELISM: '4' }, cwd: '/srv' }).observeParallelism, 4);
  });

  test('validation names the option', () => {
    for (const [flags, option] of [[{ driftInterval: '5' }, '--drift-interval'], [{ driftInterval: '-1m' }, '--drift-interval'], [{ observeParallelism: '0' }, '--observe-parallelism']] as const) {
      assert.throws(() => resolve(flags), (err: unknown) => err instanceof ConfigError && err.option === option);
    }
  });
});

describe("one cycle's observation over the prober's connections", () => {
  let a: SimWithTools;
  let prober: ClusterProber;

  before(async () => {
    a = await simWithTools('civo', 'a');
    await a.helm('upgrade', '--install', 'hello', HELLO_CHART, '-n', 'hello', '--create-namespace', '--labels', 'gitset.dev/managed-by=gitset');
    prober = createProber({ credentialsDir: a.credentials, timeoutMs: 2000 });
  });
  after(async () => {
    prober?.close();
    await a?.close();
  });

  const tracked = [{ cluster: 'civo/a', releaseNamespace: 'hello', releaseName: 'hello', health: undefined, detectDrift: false, exclusions: [] }];

  test('answering clusters are observed; failed probes and paused clusters are not', async () => {
    const paused = sveltosCluster('civo', 'a', { paused: true });
    const metrics = createMetrics();
    const logs: string[] = [];
    const logger = createLogger({ level: 'debug', format: 'json', destination: new Writable({ write: (c, _e, cb) => void (logs.push(String(c)), cb()) }) });
    const probes = await prober.probeAll([a.ref]);
    const input = { settings: { reader: prober }, tracked, lastLook: new Map<string, number>(), now: Date.now(), logger, metrics };
    const seen = await observeAnswering({ ...input, clusters: [a.ref], probes });
    assert.deepEqual([...seen.observed.keys()], ['civo/a']);
    assert.equal(seen.observed.get('civo/a')?.looks.get('hello/hello')?.health.state, 'Healthy');
    assert.ok(seen.requests > 1);
    assert.equal((await metrics.registry.getSingleMetric('gitset_observe_requests_total')?.get())?.values[0]?.value, seen.requests);
    assert.equal((await observeAnswering({ ...input, clusters: [paused], probes })).observed.size, 0);
    const failed = new Map([['civo/a', { cluster: 'civo/a', ok: false, message: 'connection refused', durationMs: 1 }]]);
    assert.equal((await observeAnswering({ ...input, clusters: [a.ref], probes: failed })).requests, 0);
    assert.deepEqual(logs, []);
  });

  test('a cluster that stops answering after its probe is logged at warn, with the cluster, and counted', async () => {
    const metrics = createMetrics();
    const logs: string[] = [];
    const logger = createLogger({ level: 'info', format: 'json', destination: new Writable({ write: (c, _e, cb) => void (logs.push(String(c)), cb()) }) });
    const probes = await prober.probeAll([a.ref]);
    await a.sim.stop();
    try {
      const seen = await observeAnswering({ settings: { reader: prober }, clusters: [a.ref], probes, tracked, lastLook: new Map(), now: Date.now(), logger, metrics });
      assert.equal(seen.observed.size, 0);
      assert.equal(seen.errors, 1);
    } finally {
      await a.sim.start();
    }
    const lines = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => [l['level'], l['msg'], l['cluster'], l['read'], l['err']]), [
      [40, 'cluster observation failed', 'civo/a', 'release inventory', 'GET /api/v1/secrets: connection refused'],
    ]);
    assert.ok(!logs.join('').includes(a.sim.token), 'no credential in the log');
    assert.equal((await metrics.registry.getSingleMetric('gitset_observe_errors_total')?.get())?.values[0]?.value, 1);
  });

  test('a cluster that passes its probe and then drip-feeds its answers costs one observation budget, not the read timeout', async () => {
    const logs: string[] = [];
    const logger = createLogger({ level: 'info', format: 'json', destination: new Writable({ write: (c, _e, cb) => void (logs.push(String(c)), cb()) }) });
    a.sim.drip(true);
    try {
      const probes = await prober.probeAll([a.ref]);
      assert.equal(probes.get('civo/a')?.ok, true, 'the probe endpoints still answer');
      const seen = await observeAnswering({ settings: { reader: prober, budgetMs: 1_500 }, clusters: [a.ref], probes, tracked, lastLook: new Map(), now: Date.now(), logger, metrics: createMetrics() });
      assert.equal(seen.observed.size, 0, 'not observed this cycle: the plan takes the status\' word');
      assert.equal(seen.errors, 1);
    } finally {
      a.sim.drip(false);
    }
    const lines = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => [l['msg'], l['cluster'], l['err']]), [['cluster observation failed', 'civo/a', 'GET /api/v1/secrets: observation budget of 1500ms over']]);
  });
});

