// The daemon's cycle observes every answering cluster: one metadata-only inventory per cluster
// whose probe succeeded, over the probe's connection, counted in the metrics and said in the
// cycle's log line. A cluster that does not answer its probe is not read at all.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { counterTotal, startFleet, waitFor, type Fleet } from '../e2e/fleet.ts';

const fleets: Fleet[] = [];
after(async () => {
  for (const f of fleets) await f.close();
});

/** `cycle done` lines logged after line `from`. */
const cycleLines = (f: Fleet, from: number) =>
  f.logs.slice(from).map((l) => JSON.parse(l) as { msg: string; observeRequests?: number; level: number }).filter((l) => l.msg === 'cycle done');

test('each cycle reads the inventory of every answering cluster, and only of those', { timeout: 120_000 }, async () => {
  const f = await startFleet();
  fleets.push(f);
  // The observation's budget is the probe interval: 2 s rather than the fleet's 250 ms, so a busy
  // machine does not cut a read short (that would be a failed observation, which is asserted below).
  const daemon = await f.startDaemon({ probeInterval: '2s' });
  await waitFor('the release on civo/cluster1', async () => (await f.releases('civo/cluster1')).some((r) => r.name === 'kyverno-latest'));
  await daemon.queue.idle();
  let mark = f.logs.length;
  await waitFor('a cycle that read both clusters', async () => cycleLines(f, mark).some((l) => l.observeRequests === 2));
  const inventories = (key: string) => f.sandbox.clusters.get(key)!.requests().filter((r) => r.path === '/api/v1/secrets?labelSelector=owner%3Dhelm').length;
  assert.ok(inventories('civo/cluster1') > 0 && inventories('civo/cluster2') > 0);
  assert.ok((await counterTotal(f.metrics, 'gitset_observe_requests_total')) >= 2);
  assert.match(await (await fetch(`${daemon.url}/metrics`)).text(), /^gitset_observe_duration_seconds_count [1-9]\d*$/m);

  assert.equal(f.logs.filter((l) => l.includes('cluster observation failed')).length, 0);
  assert.equal(await counterTotal(f.metrics, 'gitset_observe_errors_total'), 0);

  // (A cycle whose probe reached cluster2 just before it stopped may fail to read it: that is said, not asserted on.)
  await f.sandbox.clusters.get('civo/cluster2')!.stop();
  try {
    await daemon.queue.idle();
    mark = f.logs.length;
    await waitFor('a cycle that read the answering cluster only', async () => cycleLines(f, mark).some((l) => l.observeRequests === 1));
  } finally {
    await f.sandbox.clusters.get('civo/cluster2')!.start();
  }
});
