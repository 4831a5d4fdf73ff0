// Failover policies end to end: the seed (two simulated clusters, ClusterSet prod capped at one,
// ClusterProfile kyverno on it) through the daemon, real helm, a real Git server.
// - a partition (every cluster hung at once) opens the breaker: nothing is withdrawn, the freeze
//   shows in status, log and metrics, and everything thaws without a move;
// - a flapping cluster under failover grace and budget: the second failover is held back;
//   the timings are recorded and `gitset show failovers` prints them;
// - cordon, cordon-until and pin pushed as commits: make-before-break, checked from helm lists.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import { counterTotal, names, seedManifests, startFleet, waitFor, type Fleet } from './fleet.ts';

const fleets: Fleet[] = [];
after(async () => {
  for (const f of fleets) await f.close();
});

const C1 = 'civo/cluster1';
const C2 = 'civo/cluster2';
const RELEASE = 'kyverno-latest';

async function deployedOn(f: Fleet, cluster: string): Promise<boolean> {
  return (await f.releases(cluster)).some((r) => r.name === RELEASE && r.status === 'deployed');
}

async function metric(daemonUrl: string, name: string): Promise<number | undefined> {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${daemonUrl}/metrics`)).text());
  return m ? Number(m[1]) : undefined;
}

async function cli(args: string[]): Promise<string> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => (out += d));
  const code = await main(args, { stdout, stderr: new PassThrough(), env: {}, cwd: process.cwd(), exitCode: 0 });
  assert.equal(code, 0);
  return out;
}

test('a partition freezes every selection: nothing withdrawn, the freeze is visible, it thaws and nothing moved', { timeout: 120_000 }, async () => {
  const f = await startFleet();
  fleets.push(f);
  const daemon = await f.startDaemon({ failureThreshold: '2' });
  await waitFor(`the release on ${C1}`, () => deployedOn(f, C1), 60_000);
  await daemon.queue.idle();
  const uninstallsBefore = await counterTotal(f.metrics, 'gitset_helm_calls_total');

  for (const c of [C1, C2]) f.sandbox.clusters.get(c)!.hang(true);
  const open = await waitFor('status/gitset.yaml: breaker open', async () => {
    const s = await f.status('gitset.yaml');
    return s?.breaker?.state === 'open' ? s : undefined;
  });
  assert.match(open.breaker.reason, /^no cluster could be reached: all 2 probes failed/);
  assert.equal(await metric(daemon.url, 'gitset_breaker_open'), 1);
  assert.equal(await metric(daemon.url, 'gitset_breaker_trips_total'), 1);
  assert.ok(f.logs.some((l) => l.includes('mass-failure breaker open')), 'the log says so');
  // Readiness is still recorded while frozen; the selection stays and says why.
  const frozen = await waitFor('both clusters recorded as not ready', async () => {
    // The set's file is read last: status commits only move forward, so it is at least as new as
    // the commit that recorded both clusters not ready (read first, it could be a commit older).
    const a = await f.status(`SveltosCluster/${C1}.yaml`);
    const b = await f.status(`SveltosCluster/${C2}.yaml`);
    return a?.status?.ready === false && b?.status?.ready === false ? f.status('ClusterSet/prod.yaml') : undefined;
  });
  assert.deepEqual(names(frozen.status.selectedClusterRefs), [C1]);
  assert.match(frozen.status.message, /selection frozen: the mass-failure breaker is open/);
  assert.equal(frozen.status.heldBack[0].reason, 'breaker-open');
  assert.ok((await f.log()).some((c) => c.subject.startsWith('gitset: mass-failure breaker open')), 'a status commit names the freeze');

  for (const c of [C1, C2]) f.sandbox.clusters.get(c)!.hang(false);
  await waitFor('the breaker closes by itself', async () => (await f.status('gitset.yaml'))?.breaker?.state === 'closed');
  await daemon.queue.idle();
  const thawed = await f.status('ClusterSet/prod.yaml');
  assert.deepEqual(names(thawed.status.selectedClusterRefs), [C1], 'nothing moved');
  assert.equal(thawed.status.failovers, undefined);
  assert.equal(await metric(daemon.url, 'gitset_breaker_open'), 0);
  assert.equal(await deployedOn(f, C1), true, 'nothing withdrawn');
  assert.deepEqual(await f.releases(C2), [], 'nothing installed elsewhere');
  assert.equal(await counterTotal(f.metrics, 'gitset_helm_calls_total'), uninstallsBefore, 'no helm call at all during and after the partition');
});

test('a flapping cluster under failover grace and budget: the second failover is held back; timings are recorded and shown', { timeout: 120_000 }, async () => {
  const f = await startFleet({
    manifests: (url) => {
      const m = seedManifests(url);
      m['sets/prod.yaml'] = m['sets/prod.yaml']!.replace('  name: prod\n', '  name: prod\n  annotations:\n    gitset.dev/failover-grace: "2s"\n    gitset.dev/failover-budget: "1/1h"\n');
      return m;
    },
  });
  fleets.push(f);
  const daemon = await f.startDaemon({ failureThreshold: '2' });
  await waitFor(`the release on ${C1}`, () => deployedOn(f, C1), 60_000);

  const hungAt = Date.now();
  f.sandbox.clusters.get(C1)!.hang(true);
  const graced = await waitFor('the failover is held back for the grace period', async () => {
    const s = await f.status('ClusterSet/prod.yaml');
    return s?.status?.heldBack?.[0]?.reason === 'failover-grace' ? s : undefined;
  });
  assert.deepEqual(names(graced.status.selectedClusterRefs), [C1]);
  await waitFor(`the release deployed on ${C2}`, () => deployedOn(f, C2), 60_000);
  const failoverMs = Date.now() - hungAt;
  const done = await waitFor('the failover record is complete', async () => {
    const s = await f.status('ClusterSet/prod.yaml');
    return s?.status?.failovers?.[0]?.deployed ? s : undefined;
  });
  const rec = done.status.failovers[0];
  assert.equal(rec.from, C1);
  assert.equal(rec.to, C2);
  assert.equal(rec.reason, 'not-ready');
  assert.ok(rec.firstFailedProbe <= rec.declaredNotReady && rec.declaredNotReady < rec.selected && rec.selected <= rec.deployed, JSON.stringify(rec));
  assert.ok(Date.parse(rec.selected) - Date.parse(rec.declaredNotReady) >= 2000, 'not replaced within the grace period');
  assert.equal(rec.totalSeconds, Math.round((Date.parse(rec.deployed) - Date.parse(rec.firstFailedProbe)) / 1000));
  console.log(`# failover time with failover-grace 2s (hang → release deployed on ${C2}): ${failoverMs} ms; recorded total ${rec.totalSeconds}s`);
  const messages = (await f.log()).map((c) => `${c.subject}\n${c.body}`);
  assert.ok(messages.some((m) => m.includes(`ClusterSet/prod failed over ${C1} → ${C2} in ${rec.totalSeconds}s`)), messages.join('\n---\n'));

  // cluster1 answers again (its release is withdrawn); then cluster2 fails: the budget is spent.
  f.sandbox.clusters.get(C1)!.hang(false);
  await waitFor(`the release withdrawn from ${C1}`, async () => (await f.releases(C1)).length === 0, 60_000);
  f.sandbox.clusters.get(C2)!.hang(true);
  const held = await waitFor('the second failover is held back by the budget', async () => {
    const s = await f.status('ClusterSet/prod.yaml');
    return s?.status?.heldBack?.[0]?.reason === 'failover-budget' ? s : undefined;
  }, 30_000);
  assert.deepEqual(names(held.status.selectedClusterRefs), [C2]);
  assert.match(held.status.heldBack[0].message, /failover held back, budget 1\/1h spent \(failovers at /);
  // A few more probe rounds (the queue never idles while a probe hangs): still no move back.
  const cycles = await counterTotal(f.metrics, 'gitset_cycles_total');
  await waitFor('three more cycles', async () => (await counterTotal(f.metrics, 'gitset_cycles_total')) >= cycles + 3);
  assert.deepEqual(names((await f.status('ClusterSet/prod.yaml')).status.selectedClusterRefs), [C2]);
  assert.deepEqual(await f.releases(C1), [], 'no move back within the budget window');
  f.sandbox.clusters.get(C2)!.hang(false);

  // `gitset show failovers` on a clone prints the recorded timings.
  const clone = await f.clone();
  const table = await cli(['show', 'failovers', clone]);
  assert.match(table, new RegExp(`\\| ClusterSet/prod \\| ${C1} \\| ${C2} \\| not-ready \\| .* \\| ${rec.totalSeconds}s +\\|`));
  const rows = JSON.parse(await cli(['show', 'failovers', clone, '--format', 'json', '--since', '1h']));
  assert.equal(rows.length, 1);
});

test('cordon, cordon-until and pin by pull request: make-before-break on every move', { timeout: 180_000 }, async () => {
  const f = await startFleet();
  fleets.push(f);
  const daemon = await f.startDaemon({ pollInterval: '300ms' });
  await waitFor(`the release on ${C1}`, () => deployedOn(f, C1), 60_000);
  const work = await f.clone();
  const annotate = async (file: string, annotations: Record<string, string>): Promise<void> => {
    const path = join(work, file);
    const text = (await readFile(path, 'utf8')).replace(/  annotations:\n(    .*\n)*/, '');
    const lines = Object.entries(annotations).map(([k, v]) => `    ${k}: "${v}"\n`).join('');
    await writeFile(path, lines ? text.replace(/(  name: \S+\n)/, `$1  annotations:\n${lines}`) : text);
  };

  /**
   * Polls helm on both clusters until the move is done (failing if the release was ever on
   * neither), then orders the two events from the simulated API servers' request logs: helm's
   * last write of the release record on `to` (marking it deployed) came before its first
   * deletion of a release record on `from`. Polling alone can miss a short overlap.
   */
  async function moveWatched(from: string, to: string, since: number): Promise<void> {
    await waitFor(`the release moved ${from} → ${to}`, async () => {
      const [a, b] = [await deployedOn(f, from), await deployedOn(f, to)];
      assert.ok(a || b, `make-before-break: at some moment the release was on neither ${from} nor ${to}`);
      return !a && b;
    }, 60_000);
    const record = new RegExp(`/secrets/sh\\.helm\\.release\\.v1\\.${RELEASE}\\.v\\d+$`);
    const writes = (cluster: string, method: string) =>
      f.sandbox.clusters.get(cluster)!.requests().filter((r) => r.at >= since && r.method === method && record.test(r.path) && r.status < 300);
    const deployedAt = Math.max(...writes(to, 'PUT').map((r) => r.finishedAt ?? Infinity));
    const withdrawnAt = Math.min(...writes(from, 'DELETE').map((r) => r.at));
    assert.ok(Number.isFinite(deployedAt) && Number.isFinite(withdrawnAt), `helm wrote the release on ${to} and deleted it on ${from}`);
    assert.ok(deployedAt <= withdrawnAt, `the replacement on ${to} was deployed ${deployedAt - withdrawnAt} ms after the release on ${from} was withdrawn`);
  }

  // An invalid value is not applied: nothing moves, nothing is withdrawn.
  await annotate('clusters/cluster1.yaml', { 'gitset.dev/cordon-until': 'after lunch' });
  const bad = await f.push(work, 'Cordon cluster1 (bad time)');
  const failed = await waitFor('the bad revision recorded', async () => {
    const s = await f.status('gitset.yaml');
    return s?.lastFailedRevision === bad ? s : undefined;
  });
  assert.match(failed.errors[0], /^clusters\/cluster1\.yaml:\d+:\d+ error SveltosCluster\/civo\/cluster1: annotation gitset\.dev\/cordon-until: "after lunch" is not an RFC 3339 time/);
  assert.equal(await deployedOn(f, C1), true);

  // Cordon cluster1: cluster2 gets the release first, then cluster1 loses it.
  await annotate('clusters/cluster1.yaml', { 'gitset.dev/cordon': 'kernel upgrade' });
  const cordonAt = Date.now();
  await f.push(work, 'Cordon cluster1');
  await moveWatched(C1, C2, cordonAt);
  const cordoned = await waitFor('the move recorded', async () => {
    const s = await f.status('ClusterSet/prod.yaml');
    return s?.status?.failovers?.[0]?.deployed && !s.status.drainingClusterRefs ? s : undefined;
  });
  assert.deepEqual(names(cordoned.status.selectedClusterRefs), [C2]);
  assert.equal(cordoned.status.failovers[0].reason, 'cordoned');
  assert.deepEqual(cordoned.status.notSelected, [{ cluster: C1, reason: 'cordoned', message: 'cordoned: kernel upgrade' }]);

  // Uncordon cluster1, cordon cluster2 for a few seconds: back to cluster1, and the cordon lapses by itself.
  await annotate('clusters/cluster1.yaml', {});
  const until = new Date(Date.now() + 6000).toISOString();
  await annotate('clusters/cluster2.yaml', { 'gitset.dev/cordon': 'maintenance', 'gitset.dev/cordon-until': until });
  const moveOffAt = Date.now();
  await f.push(work, 'Move off cluster2 until the maintenance is over');
  await moveWatched(C2, C1, moveOffAt);
  await waitFor('the cordon on cluster2 lapses', async () => {
    const s = await f.status('ClusterSet/prod.yaml');
    return s?.status?.notSelected?.[0]?.reason === 'over-cap' ? s : undefined;
  }, 30_000);
  assert.ok(Date.now() >= Date.parse(until));

  // Pin cluster2: it takes the place of the sticky cluster1, make-before-break again.
  await annotate('sets/prod.yaml', { 'gitset.dev/pin': C2 });
  const pinAt = Date.now();
  await f.push(work, 'Pin cluster2');
  await moveWatched(C1, C2, pinAt);
  await daemon.queue.idle();
  const pinned = await waitFor('three moves recorded', async () => {
    const s = await f.status('ClusterSet/prod.yaml');
    return s?.status?.failovers?.length === 3 && s.status.failovers[2].deployed ? s : undefined;
  });
  assert.deepEqual(pinned.status.failovers.map((r: { reason: string }) => r.reason), ['cordoned', 'cordoned', 'pinned']);
  assert.equal(await counterTotal(f.metrics, 'gitset_breaker_trips_total'), 0);
});
