// Two gitset replicas as processes taking their shards by Lease (`--shard-lease-namespace`, pod
// names that are not StatefulSet ordinals), the Leases in a simulated "home" cluster through the
// real kubectl: each holds its own shard and its clusters get deployed; when one is killed, a
// replacement under another name waits until the dead one's Lease stood still for its duration,
// takes that shard over and works on its clusters; a replica stopped by SIGTERM frees its Lease.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { clusterShard } from '../../src/select/shard.ts';
import { resolveKubectl } from '../../src/kubectl/binary.ts';
import { PROJECT_ROOT } from '../../src/daemon/wiring.ts';
import { startSimCluster, type SimCluster } from '../../src/sim/index.ts';
import { startFleet, waitFor, type Fleet } from './fleet.ts';
import { agentManifests, clustersByShard, heldShard, startLeasedReplica, stopReplica, type Replica } from './replicas.ts';

const SHARDS = 2;
const CLUSTERS = clustersByShard(SHARDS);
const manifests = agentManifests(CLUSTERS);

let fleet: Fleet | undefined;
let home: SimCluster | undefined;
let work: string | undefined;
const replicas: Replica[] = [];
after(async () => {
  for (const r of replicas) r.child.kill('SIGKILL');
  await fleet?.close();
  await home?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const deployed = async (f: Fleet, cluster: string): Promise<boolean> => {
  const snap = await f.sandbox.readSnapshot();
  return snap.profiles.get('ClusterProfile/agent')?.status.clusters?.find((c) => c.cluster === cluster)?.releases.some((r) => r.state === 'Deployed') ?? false;
};
const probesOf = (f: Fleet, c: string): number => f.sandbox.clusters.get(c)!.server.requests().filter((r) => r.userAgent === 'gitset-probe').length;

test('replicas take shards by Lease; a replacement takes over a killed replica\'s shard', { timeout: 420_000 }, async () => {
  work = await mkdtemp(join(tmpdir(), 'gitset-shard-leases-'));
  home = await startSimCluster({ namespace: 'home', name: 'home' });
  const kubeconfig = join(work, 'home.kubeconfig');
  await home.writeKubeconfig(kubeconfig);
  const kubectlPath = (await resolveKubectl({ env: process.env, projectRoot: PROJECT_ROOT })).path;
  await execa(kubectlPath, ['create', '-f', '-', `--kubeconfig=${kubeconfig}`, `--cache-dir=${join(work, 'cache')}`], { env: { HOME: work }, input: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gitset' } }) });
  const lease = { namespace: 'gitset', kubeconfig, duration: '6s' };

  const f = (fleet = await startFleet({ clusters: CLUSTERS, manifests }));
  const a = startLeasedReplica(f.sandbox, 'gitset-7d9f-a', SHARDS, lease);
  const b = startLeasedReplica(f.sandbox, 'gitset-7d9f-b', SHARDS, lease);
  replicas.push(a, b);
  const shards = await waitFor('both replicas hold a shard', async () => {
    const got = [heldShard(a), heldShard(b)];
    return got.every((s) => s !== undefined) ? (got as number[]) : undefined;
  }, 60_000);
  assert.deepEqual([...shards].sort(), [0, 1], 'two different shards');
  await waitFor('every cluster has the agent deployed', async () => {
    for (const c of CLUSTERS) if (!(await deployed(f, c))) return undefined;
    return true;
  }, 240_000);

  // a dies without giving its Lease back; its clusters are probed by nobody until c takes over.
  const lost = heldShard(a)!;
  const orphans = CLUSTERS.filter((c) => clusterShard(c, SHARDS) === lost);
  await stopReplica(a, 'SIGKILL');
  const killedAt = performance.now();
  const c = startLeasedReplica(f.sandbox, 'gitset-7d9f-c', SHARDS, lease);
  replicas.push(c);
  await waitFor('the replacement waits while every shard is held', async () => c.lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith('every shard is held')) || undefined, 60_000);
  const taken = await waitFor('the replacement takes the dead replica\'s shard', async () => heldShard(c), 90_000);
  assert.equal(taken, lost);
  assert.ok(performance.now() - killedAt >= 6_000, 'not before the dead replica\'s Lease stood still for its duration');
  assert.ok(c.lines.some((l) => typeof l.msg === 'string' && l.msg.includes('taken over from gitset-7d9f-a')), 'the takeover names the replica it replaces');
  const before = orphans.map((o) => probesOf(f, o));
  await waitFor('the replacement probes the orphaned clusters', async () => orphans.every((o, i) => probesOf(f, o) > before[i]! + 2) || undefined, 60_000);

  // While every shard is held, another replica answers its probes (alive, not ready: a liveness
  // probe must not restart it), and SIGTERM ends its wait at once, with nothing held.
  const d = startLeasedReplica(f.sandbox, 'gitset-7d9f-d', SHARDS, lease);
  replicas.push(d);
  await waitFor('the extra replica waits while every shard is held', async () => d.lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith('every shard is held')) || undefined, 60_000);
  const url = d.said('answering probes while waiting for a shard')[0]?.url;
  assert.equal(typeof url, 'string', 'the waiting replica says where it answers');
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  const ready = await fetch(`${url}/readyz`);
  assert.equal(ready.status, 503);
  assert.match(await ready.text(), /^waiting for a shard: every Lease gitset\/gitset-shard-\* is held/);
  const stoppedAt = performance.now();
  await stopReplica(d);
  assert.equal((await d.child).exitCode, 0);
  assert.ok(performance.now() - stoppedAt < 10_000, 'the wait ends on SIGTERM');
  assert.equal(d.said('stopped while waiting for a shard; nothing held').length, 1);
  assert.equal(heldShard(d), undefined);

  // A replica stopped by SIGTERM gives its Lease back: the shard is free at once, and it exits 0.
  await stopReplica(b);
  assert.equal((await b.child).exitCode, 0);
  const freed = await execa(kubectlPath, ['get', `lease/gitset-shard-${heldShard(b)}`, '-n', 'gitset', '-o', 'json', `--kubeconfig=${kubeconfig}`, `--cache-dir=${join(work, 'cache')}`], { env: { HOME: work } });
  assert.equal(JSON.parse(freed.stdout).spec.holderIdentity, undefined, 'no holder after a clean stop');
});
