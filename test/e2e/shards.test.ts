// Three gitset replicas as three processes (`--shards 3`) against one Git server and six simulated
// clusters: every cluster is probed and worked on by its own shard only; a forged status file of one
// shard is refused by the others (it lacks that shard's seal); a set on one shard fails
// over from a cluster of a second shard to a spare of a third; a killed replica's clusters wait,
// said so in the set's status, and nobody takes them over until it is back; and walking the
// branch finds every status commit the replicas made, once, each touching only its writer's files.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterShard, objectShard } from '../../src/select/shard.ts';
import { ownerOfPath } from '../../src/status/shards.ts';
import { startFleet, waitFor, names, type Fleet } from './fleet.ts';
import { commitsOf, startReplica, stopReplica, type Replica } from './replicas.ts';

const SHARDS = 3;
const owner = (c: string): number => clusterShard(c, SHARDS);
// Two clusters of each shard, picked by the hash (which is fixed: FNV-1a).
const candidates = Array.from({ length: 16 }, (_, i) => `fleet/c${String(i).padStart(2, '0')}`);
const CLUSTERS = [0, 1, 2].flatMap((k) => candidates.filter((c) => owner(c) === k).slice(0, 2)).sort();
const PRIMARY = CLUSTERS[0]!;
const SPARE = CLUSTERS.find((c) => owner(c) !== owner(PRIMARY))!;
// The set is owned by the third shard: its owner decides a failover between clusters of two others.
const SET = ['edge', 'edge-a', 'edge-b', 'edge-c', 'edge-d', 'edge-e', 'edge-f'].find((n) => ![owner(PRIMARY), owner(SPARE)].includes(objectShard(`ClusterSet/${n}`, SHARDS)))!;

function manifests(chartUrl: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const c of CLUSTERS) {
    const [ns, name] = c.split('/');
    const tier = c === PRIMARY || c === SPARE ? '\n    tier: edge' : '';
    files[`clusters/${name}.yaml`] = `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n  labels:\n    env: prod${tier}\nspec: {}\n`;
  }
  files['sets/edge.yaml'] = `apiVersion: lib.projectsveltos.io/v1alpha1\nkind: ClusterSet\nmetadata:\n  name: ${SET}\nspec:\n  clusterSelector: tier=edge\n  maxReplicas: 1\n`;
  const chart = (release: string) => `  helmCharts:\n  - chartName: hello/hello\n    chartVersion: 0.1.0\n    releaseName: ${release}\n    releaseNamespace: ${release}\n    repositoryName: hello\n    repositoryURL: ${chartUrl}\n`;
  files['profiles/agent.yaml'] = `apiVersion: config.projectsveltos.io/v1alpha1\nkind: ClusterProfile\nmetadata:\n  name: agent\nspec:\n  clusterSelector: env=prod\n${chart('agent')}`;
  files['profiles/web.yaml'] = `apiVersion: config.projectsveltos.io/v1alpha1\nkind: ClusterProfile\nmetadata:\n  name: web\nspec:\n  setRefs:\n  - ${SET}\n${chart('web')}`;
  return files;
}

let fleet: Fleet | undefined;
const replicas: Replica[] = [];
after(async () => {
  // SHARDS_LOGS=dir keeps each replica's log lines for a look after a failure.
  if (process.env.SHARDS_LOGS) for (const r of replicas) writeFileSync(join(process.env.SHARDS_LOGS, `replica-${r.shard}.jsonl`), r.lines.map((l) => JSON.stringify(l)).join('\n'));
  for (const r of replicas) r.child.kill('SIGKILL');
  await fleet?.close();
});

const deployed = async (f: Fleet, profile: string, cluster: string): Promise<boolean> => {
  const snap = await f.sandbox.readSnapshot();
  return snap.profiles.get(`ClusterProfile/${profile}`)?.status.clusters?.find((c) => c.cluster === cluster)?.releases.some((r) => r.state === 'Deployed') ?? false;
};
const probesOf = (f: Fleet, c: string): number => f.sandbox.clusters.get(c)!.server.requests().filter((r) => r.userAgent === 'gitset-probe').length;
const helmClusters = (r: Replica): Set<string> => new Set(r.lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('helm ') && typeof l.cluster === 'string').map((l) => l.cluster as string));

test('three replicas share six clusters: one owner each, failover across shards, a dead shard waits', { timeout: 600_000 }, async () => {
  assert.equal(CLUSTERS.length, 6);
  assert.ok(SET, 'a set name owned by a third shard');
  const f = (fleet = await startFleet({ clusters: CLUSTERS, manifests }));
  for (let k = 0; k < SHARDS; k++) replicas.push(startReplica(f.sandbox, k, SHARDS));

  // Every cluster gets the agent, and the set's selected cluster the web release.
  await waitFor('every cluster has the agent deployed', async () => {
    for (const c of CLUSTERS) if (!(await deployed(f, 'agent', c))) return undefined;
    return true;
  }, 240_000);
  await waitFor(`web deployed on ${PRIMARY}`, () => deployed(f, 'web', PRIMARY), 60_000);

  // 1. Each replica ran helm on its own clusters only, and wrote only its own files.
  for (const r of replicas) {
    const ran = helmClusters(r);
    assert.ok(ran.size > 0, `shard ${r.shard} ran helm`);
    for (const c of ran) assert.equal(owner(c), r.shard, `shard ${r.shard} ran helm on ${c}, owned by shard ${owner(c)}`);
  }
  assert.deepEqual([...new Set(replicas.flatMap((r) => [...helmClusters(r)]))].sort(), CLUSTERS, 'every cluster was worked on');
  for (const c of await commitsOf(f.sandbox)) {
    if (!c.author.startsWith('gitset shard ')) continue;
    const shard = Number(c.author.slice('gitset shard '.length));
    for (const p of c.paths) assert.equal(ownerOfPath(p, SHARDS), shard, `${c.subject}: ${p} written by shard ${shard}`);
  }

  // 2. A forged status file: someone who can push writes the primary's health as not ready. (The
  // primary's replica is paused meanwhile, or it would write its health back before the others
  // look.) Its files no longer hold its seal, so the set's owner refuses them and keeps the primary;
  // once resumed, the primary's replica writes its health back and seals it again.
  const setOwner = replicas[objectShard(`ClusterSet/${SET}`, SHARDS)]!;
  const primaryShard = replicas[owner(PRIMARY)]!;
  const user = await f.clone();
  const forged = join(user, 'status', 'SveltosCluster', `${PRIMARY}.yaml`);
  assert.match(readFileSync(forged, 'utf8'), /ready: true/);
  writeFileSync(forged, readFileSync(forged, 'utf8').replace('ready: true', 'ready: false'));
  primaryShard.child.kill('SIGSTOP');
  try {
    const forgedAt = await f.push(user, `status: ${PRIMARY} down (forged)`);
    await waitFor('the set\'s owner refuses the forged file', async () => setOwner.lines.find((l) => l.level === 50 && String(l.msg).startsWith(`shard ${owner(PRIMARY)}'s committed status is not taken`)), 30_000);
    // Its next status commit (a heartbeat at the latest), on top of the forged one, still selects the primary.
    await waitFor('the set\'s owner commits on top of the forgery', async () => {
      const log = await commitsOf(f.sandbox);
      return log.slice(0, log.findIndex((c) => c.oid === forgedAt)).some((c) => c.author === `gitset shard ${setOwner.shard}`) || undefined;
    }, 30_000);
    assert.deepEqual(names((await f.status(`ClusterSet/${SET}.yaml`)).status.selectedClusterRefs), [PRIMARY], 'no failover on a forged file');
  } finally {
    primaryShard.child.kill('SIGCONT');
  }
  await waitFor(`${PRIMARY}'s shard writes its health back`, async () => (await f.status(`SveltosCluster/${PRIMARY}.yaml`))?.status?.ready === true, 60_000);
  await waitFor('the set\'s owner takes that shard\'s status again', async () => setOwner.lines.find((l) => String(l.msg) === `shard ${owner(PRIMARY)}'s status holds its seal again`), 60_000);
  assert.deepEqual(names((await f.status(`ClusterSet/${SET}.yaml`)).status.selectedClusterRefs), [PRIMARY]);
  assert.ok(!replicas.some((r) => r.lines.some((l) => l.msg === 'helm install' && l.cluster === SPARE && String(l.release).endsWith('/web'))), 'nothing installed on the spare');

  // 3. Failover across shards: the primary (one shard) goes down, the set's owner (another) picks the spare (a third).
  await f.sandbox.clusters.get(PRIMARY)!.stop();
  const failedOver = await waitFor(`${SET} fails over to ${SPARE}`, async () => {
    const s = await f.status(`ClusterSet/${SET}.yaml`);
    return names(s?.status?.selectedClusterRefs).join() === SPARE ? s : undefined;
  }, 240_000);
  assert.ok(failedOver.status.notSelected.some((n: { cluster: string; reason: string }) => n.cluster === PRIMARY && n.reason === 'not-ready'));
  await waitFor(`web deployed on ${SPARE} by shard ${owner(SPARE)}`, () => deployed(f, 'web', SPARE), 60_000);
  assert.ok(replicas[owner(SPARE)]!.lines.some((l) => l.msg === 'helm install' && l.cluster === SPARE && String(l.release).endsWith('/web')), 'the spare\'s own shard installed web');

  // 4. The spare's shard is killed: its clusters wait, said so by the set's owner, and nobody else probes them.
  const dead = replicas[owner(SPARE)]!;
  const deadClusters = CLUSTERS.filter((c) => owner(c) === dead.shard);
  const liveClusters = CLUSTERS.filter((c) => owner(c) !== dead.shard && c !== PRIMARY);
  await stopReplica(dead, 'SIGKILL');
  const killedAt = (await commitsOf(f.sandbox))[0]!.oid;
  for (const c of CLUSTERS) f.sandbox.clusters.get(c)!.server.clearRequests();
  const stale = await waitFor('the set says its cluster\'s health is stale', async () => {
    const s = await f.status(`ClusterSet/${SET}.yaml`);
    return (s?.status?.staleHealth as string[] | undefined)?.find((n) => n.startsWith(`${SPARE}: health as shard ${dead.shard} last committed it; shard ${dead.shard} silent since `));
  }, 240_000);
  assert.match(stale, /no heartbeat for over 30s\): waiting for it$/);
  const s = await f.status(`ClusterSet/${SET}.yaml`);
  assert.deepEqual(names(s.status.selectedClusterRefs), [SPARE], 'the set keeps the spare while its shard is away: no failover on a guess');
  const others = await f.status(dead.shard === 0 ? 'shards/1/gitset.yaml' : 'gitset.yaml');
  assert.ok((others.silentShards as string[]).some((t) => t.startsWith(`shard ${dead.shard} silent since`)), 'the live shards say whom they wait for');
  // Each live replica says so at its own next cycle, which may come after the set's owner committed.
  for (const r of replicas.filter((x) => x !== dead)) {
    await waitFor(`shard ${r.shard} logs that shard ${dead.shard} is silent`, async () => r.lines.some((l) => l.level === 40 && l.shard === dead.shard && String(l.msg).includes('its clusters wait, probed and worked on by nobody')) || undefined, 30_000);
  }
  for (const c of deadClusters) assert.equal(probesOf(f, c), 0, `${c} (shard ${dead.shard}, down) is probed by nobody else`);
  for (const c of liveClusters) assert.ok(probesOf(f, c) > 0, `${c} is still probed by its shard`);
  const since = await commitsOf(f.sandbox);
  const afterKill = since.slice(0, since.findIndex((c) => c.oid === killedAt));
  assert.ok(afterKill.length > 0, 'the live shards went on committing');
  for (const c of afterKill) for (const p of c.paths) assert.notEqual(ownerOfPath(p, SHARDS), dead.shard, `${p} of the dead shard written by ${c.author}`);

  // 5. Back: the shard resumes its clusters and the set's note goes.
  const back = startReplica(f.sandbox, dead.shard, SHARDS);
  replicas[dead.shard] = back;
  let seen: unknown;
  await waitFor('the stale note is gone', async () => {
    const s = await f.status(`ClusterSet/${SET}.yaml`);
    seen = s?.status;
    return s && !s.status.staleHealth && names(s.status.selectedClusterRefs).join() === SPARE;
  }, 240_000).catch((err: Error) => assert.fail(`${err.message}; last status: ${JSON.stringify(seen)}`));
  for (const c of deadClusters) assert.ok(probesOf(f, c) > 0, `${c} probed again by its shard`);

  // 6. The history: one straight line; every commit a replica logged is there once; none is empty.
  for (const r of replicas) await stopReplica(r);
  const log = await commitsOf(f.sandbox);
  for (let i = 0; i < log.length - 1; i++) assert.deepEqual(log[i]!.parents, [log[i + 1]!.oid], 'linear history, no merges');
  const ours = log.filter((c) => c.author.startsWith('gitset shard '));
  assert.equal(new Set(ours.map((c) => c.oid)).size, ours.length);
  for (const c of ours) assert.ok(c.paths.length > 0, `${c.oid} changes something`);
  const logged = [dead, ...replicas].flatMap((r) => r.said('status committed').map((l) => l.revision as string));
  assert.equal(new Set(logged).size, logged.length, 'no commit reported twice');
  const inLog = new Set(ours.map((c) => c.oid));
  for (const oid of logged) assert.ok(inLog.has(oid), `logged commit ${oid} is on the branch`);
  // A commit pushed in the instant before SIGKILL may have had no time to be logged: at most that one.
  const unlogged = ours.filter((c) => !logged.includes(c.oid));
  assert.ok(unlogged.length <= 1 && unlogged.every((c) => c.author === `gitset shard ${dead.shard}`), `unlogged commits: ${unlogged.map((c) => c.subject).join('; ')}`);
  console.log(`# ${ours.length} status commits by ${SHARDS} replicas (${[0, 1, 2].map((k) => ours.filter((c) => c.author === `gitset shard ${k}`).length).join('/')})`);
});
