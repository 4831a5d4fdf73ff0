// observeFleet over the prober's connections to simulated clusters, with a release the real helm
// installed and the real kubectl changed by hand: the inventory sees gitset's mark, a due drift
// look sees the hand edit, a look after a stuck rollout sees it unhealthy, and a cluster that
// stops answering is left out with its error said.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ClusterKey } from '../../src/model/objects.ts';
import { observeFleet, type ObserveInput, type Tracked } from '../../src/observe/fleet.ts';
import { DEFAULT_DRIFT_INTERVAL_MS } from '../../src/observe/schedule.ts';
import { createProber, type ClusterProber } from '../../src/probe/prober.ts';
import { HELLO_CHART, simWithTools, type SimWithTools } from './sim-tools.ts';

const MARK = 'gitset.dev/managed-by=gitset,gitset.dev/profile=clusterprofile.hello,gitset.dev/hash=abc';
const INTERVAL = DEFAULT_DRIFT_INTERVAL_MS;

describe("observing the fleet over the prober's connections", () => {
  let a: SimWithTools;
  let b: SimWithTools;
  let prober: ClusterProber;
  const lastLook = new Map<string, number>();
  let now = Date.UTC(2026, 11, 5, 9, 0, 0);

  const hello = (health: Tracked['health']): Tracked => ({ cluster: 'civo/a', releaseNamespace: 'hello', releaseName: 'hello', health, detectDrift: true, exclusions: [] });

  /** One cycle: probe every cluster, observe those that answered. */
  async function cycle(tracked: Tracked[]) {
    const sims = [a];
    const probes = await prober.probeAll(sims.map((s) => s.ref));
    const errors: Array<{ cluster: ClusterKey; what: string; message: string }> = [];
    const clusters: Array<ObserveInput['clusters'][number]> = [];
    for (const s of sims) {
      const get = probes.get(s.sim.key)?.ok ? prober.reader(s.ref) : undefined;
      if (get) clusters.push({ cluster: s.sim.key, get });
    }
    const seen = await observeFleet({
      clusters,
      tracked,
      lastLook,
      now,
      driftIntervalMs: INTERVAL,
      parallelism: 4,
      onError: (cluster, what, err) => void errors.push({ cluster, what, message: (err as Error).message }),
    });
    return { ...seen, errors };
  }

  let installedAt = 0;
  before(async () => {
    [a, b] = await Promise.all([simWithTools('civo', 'a'), simWithTools('civo', 'b')]);
    installedAt = Math.floor(Date.now() / 1000) * 1000;
    // One credentials folder for both: the prober reads `<namespace>/<name>.kubeconfig` from it.
    await b.sim.writeKubeconfig(`${a.credentials}/civo/b.kubeconfig`);
    await a.helm('upgrade', '--install', 'hello', HELLO_CHART, '-n', 'hello', '--create-namespace', '--labels', MARK);
    await a.helm('upgrade', '--install', 'other', HELLO_CHART, '-n', 'other', '--create-namespace');
    prober = createProber({ credentialsDir: a.credentials, timeoutMs: 2000 });
  });
  after(async () => {
    prober?.close();
    await Promise.all([a?.close(), b?.close()]);
  });

  test('the inventory holds the release as marked, and a first look finds it healthy without drift', async () => {
    const seen = await cycle([hello(undefined)]);
    assert.deepEqual(seen.errors, []);
    const observed = seen.observations.get('civo/a');
    assert.ok(observed);
    const release = observed.releases.get('hello/hello');
    assert.deepEqual(
      release && [release.revision, release.status, release.marked, release.profileLabel, release.hashLabel],
      [1, 'deployed', true, 'clusterprofile.hello', 'abc'],
    );
    assert.equal(observed.releases.get('other/other')?.marked, false, 'installed without the mark: not gitset\'s');
    // When helm wrote the record, from its own labels on the cluster: after the install began, not later than now.
    const deployed = Date.parse(release!.deployedAt ?? '');
    assert.ok(deployed >= installedAt && deployed <= Date.now(), `deployedAt ${release!.deployedAt}`);
    const look = observed.looks.get('hello/hello');
    assert.deepEqual(look, { revision: 1, health: { state: 'Healthy' }, drift: [] });
    assert.ok(seen.requests >= 2, `${seen.requests} requests`);
  });

  test('a healthy release is not looked at again before its turn: one request, the inventory', async () => {
    now += 1000;
    const seen = await cycle([hello('Healthy')]);
    assert.equal(seen.observations.get('civo/a')?.looks.size, 0);
    assert.equal(seen.requests, 1);
  });

  test('after kubectl scale, the due drift look reports the replicas the chart sets', async () => {
    await a.kubectl('scale', 'deploy/hello', '-n', 'hello', '--replicas=3');
    now += INTERVAL;
    const seen = await cycle([hello('Healthy')]);
    const look = seen.observations.get('civo/a')?.looks.get('hello/hello');
    assert.deepEqual(look?.drift?.map((d) => d.evidence), ['Deployment hello/hello spec.replicas 3 → 1']);
    assert.equal(look?.health.state, 'Healthy');
  });

  test('a workload that never gets ready is not Healthy, and is looked at every cycle', async () => {
    await a.kubectl('set', 'image', 'deploy/hello', '-n', 'hello', 'hello=nginx:never-ready');
    now += INTERVAL;
    const first = await cycle([hello('Healthy')]);
    const look = first.observations.get('civo/a')?.looks.get('hello/hello');
    assert.ok(look);
    assert.notEqual(look.health.state, 'Healthy');
    assert.match(look.health.message ?? '', /^Deployment hello\/hello: /);
    now += 1000;
    const next = await cycle([hello(look.health.state)]);
    const again = next.observations.get('civo/a')?.looks.get('hello/hello');
    assert.equal(again?.health.state, look.health.state);
    assert.equal(again?.drift, undefined, 'between turns health only, no drift comparison');
  });

  test('a cluster that stops answering is left out of the observations, its error said', async () => {
    const probes = await prober.probeAll([a.ref, b.ref]);
    assert.equal(probes.get('civo/b')?.ok, true);
    const getB = prober.reader(b.ref)!;
    await b.sim.stop();
    try {
      const errors: Array<[ClusterKey, string, string]> = [];
      const seen = await observeFleet({
        clusters: [{ cluster: 'civo/a', get: prober.reader(a.ref)! }, { cluster: 'civo/b', get: getB }],
        tracked: [hello('Healthy')],
        lastLook,
        now,
        driftIntervalMs: INTERVAL,
        parallelism: 2,
        onError: (cluster, what, err) => void errors.push([cluster, what, (err as Error).message]),
      });
      assert.deepEqual([...seen.observations.keys()], ['civo/a']);
      assert.deepEqual(errors, [['civo/b', 'release inventory', 'GET /api/v1/secrets: connection refused']]);
    } finally {
      await b.sim.start();
    }
  });
});
