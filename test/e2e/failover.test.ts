// The seed scenario end to end: two prod clusters in civo, ClusterSet prod (maxReplicas 1),
// ClusterProfile kyverno on it, a real helm against simulated API servers, a real Git server.
// The selected cluster hangs → the other is selected and gets the release; the first comes back
// → the selection stays, and the release is withdrawn from the first.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { counterTotal, names, startFleet, waitFor, type Fleet } from './fleet.ts';

let fleet: Fleet | undefined;
after(() => fleet?.close());

const deployedOn = async (f: Fleet, cluster: string): Promise<boolean> =>
  (await f.releases(cluster)).some((r) => r.name === 'kyverno-latest' && r.namespace === 'kyverno' && r.status === 'deployed');

test('failover of the seed: hang the selected cluster, the spare takes over, no move back', { timeout: 120_000 }, async () => {
  fleet = await startFleet();
  const f = fleet;
  // A daemon-wide failure threshold (the seed's clusters set none of their own).
  const daemon = await f.startDaemon({ failureThreshold: '2' });

  // 1. Both clusters match; one is selected and has the release.
  const set = await waitFor('ClusterSet/prod selects a cluster', async () => {
    const s = await f.status('ClusterSet/prod.yaml');
    return s?.status?.selectedClusterRefs?.length === 1 ? s : undefined;
  });
  assert.deepEqual(names(set.status.matchingClusterRefs), ['civo/cluster1', 'civo/cluster2']);
  const first = names(set.status.selectedClusterRefs)[0]!;
  const spare = first === 'civo/cluster1' ? 'civo/cluster2' : 'civo/cluster1';
  assert.equal(first, 'civo/cluster1', 'selection order is namespace, then name');
  const profile = await waitFor('ClusterProfile/kyverno records the release as deployed', async () => {
    const p = await f.status('ClusterProfile/kyverno.yaml');
    return p?.status?.clusters?.[0]?.releases?.[0]?.state === 'Deployed' ? p : undefined;
  });
  assert.deepEqual(names(profile.status.matchingClusters), [first]);
  assert.equal(await deployedOn(f, first), true);
  assert.deepEqual(await f.releases(spare), []);

  // 2. A cycle with nothing changed makes no commit and no helm call.
  await daemon.queue.idle();
  const commits = (await f.log()).length;
  const helmCalls = await counterTotal(f.metrics, 'gitset_helm_calls_total');
  daemon.trigger('manual');
  await daemon.queue.idle();
  daemon.trigger('manual');
  await daemon.queue.idle();
  assert.equal((await f.log()).length, commits, 'no status commit on a quiet cycle');
  assert.equal(await counterTotal(f.metrics, 'gitset_helm_calls_total'), helmCalls, 'no helm call on a quiet cycle');

  // 3. The selected cluster hangs: after the failure threshold the spare is selected and gets the release.
  const hungAt = Date.now();
  f.sandbox.clusters.get(first)!.hang(true);
  const failedOver = await waitFor('the spare is selected', async () => {
    const s = await f.status('ClusterSet/prod.yaml');
    return names(s?.status?.selectedClusterRefs).join() === spare ? s : undefined;
  });
  assert.deepEqual(names(failedOver.status.matchingClusterRefs), [spare]);
  assert.ok(
    (failedOver.status.notSelected ?? []).some((n: { cluster: string; reason: string }) => n.cluster === first && n.reason === 'not-ready'),
    'the hung cluster is listed as not ready',
  );
  await waitFor('the release is deployed on the spare', () => deployedOn(f, spare), 60_000);
  const failoverMs = Date.now() - hungAt;
  const p2 = await waitFor('the profile matches the spare', async () => {
    const p = await f.status('ClusterProfile/kyverno.yaml');
    return names(p?.status?.matchingClusters).join() === spare ? p : undefined;
  });
  assert.deepEqual(names(p2.status.matchingClusters), [spare]);
  const cluster1 = await f.status(`SveltosCluster/${first}.yaml`);
  assert.equal(cluster1.status.ready, false);
  assert.equal(cluster1.status.connectionFailures, 2, 'the daemon-wide threshold applied');
  assert.equal(cluster1.spec.consecutiveFailureThreshold, undefined, 'the status mirrors the spec as written');
  console.log(`# failover time (hang → release deployed on ${spare}): ${failoverMs} ms`);
  const messages = (await f.log()).map((c) => `${c.subject}\n${c.body}`);
  assert.ok(
    messages.some((m) => m.includes('ClusterSet/prod') && m.includes(spare)),
    `a status commit says ClusterSet/prod selected ${spare}:\n${messages.join('\n---\n')}`,
  );

  // 4. The first cluster comes back: it matches again, the selection stays, its release is withdrawn.
  f.sandbox.clusters.get(first)!.hang(false);
  const back = await waitFor(`${first} matches again`, async () => {
    const s = await f.status('ClusterSet/prod.yaml');
    return s?.status?.matchingClusterRefs?.length === 2 ? s : undefined;
  });
  assert.deepEqual(names(back.status.matchingClusterRefs), ['civo/cluster1', 'civo/cluster2']);
  assert.deepEqual(names(back.status.selectedClusterRefs), [spare], 'selection is sticky');
  await waitFor(`the release is withdrawn from ${first}`, async () => (await f.releases(first)).length === 0, 60_000);
  assert.equal(await deployedOn(f, spare), true);
  await daemon.queue.idle();
  const p3 = await f.status('ClusterProfile/kyverno.yaml');
  assert.deepEqual(names(p3.status.matchingClusters), [spare]);

  // 5. Metrics tell the same story.
  const text = await (await fetch(`${daemon.url}/metrics`)).text();
  assert.match(text, /^gitset_selection_changes_total\{set="ClusterSet\/prod"\} 1$/m);
  assert.match(text, /^gitset_probes_total\{result="failed"\} [1-9]\d*$/m);
  assert.match(text, /^gitset_helm_calls_total\{action="install",outcome="success"\} 2$/m);
  assert.match(text, /^gitset_helm_calls_total\{action="uninstall",outcome="success"\} 1$/m);
  assert.match(text, /^gitset_ready_clusters 2$/m);
  assert.match(text, /^gitset_status_commits_total [1-9]\d*$/m);
  assert.match(text, /^gitset_cycle_duration_seconds_count\{outcome="success"\} [1-9]\d*$/m);
});
