// Two replicas as processes committing status to a branch of its own (`--status-branch`): each
// deploys its shard's clusters, their sealed status commits land on that branch only (main keeps
// the people's commits), and each hears the other's heartbeat there: no shard is taken for silent.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { readStatusFiles } from '../../src/status/read.ts';
import type { StatusSnapshot } from '../../src/status/snapshot.ts';
import { ownerOfPath } from '../../src/status/shards.ts';
import { gitCliEnv } from '../../src/sim/git-server.ts';
import { startFleet, waitFor, type Fleet } from './fleet.ts';
import { agentManifests, clustersByShard, commitsOf, startReplica, type Replica } from './replicas.ts';

const SHARDS = 2;
const BRANCH = 'gitset-status';
const CLUSTERS = clustersByShard(SHARDS);
const manifests = agentManifests(CLUSTERS);

let fleet: Fleet | undefined;
const replicas: Replica[] = [];
after(async () => {
  for (const r of replicas) r.child.kill('SIGKILL');
  await fleet?.close();
});

/** The status committed on the status branch (every shard's part), straight from the bare repository. */
async function statusBranchSnapshot(f: Fleet): Promise<StatusSnapshot> {
  const git = (...args: string[]) => execa('git', ['--git-dir', f.sandbox.barePath, ...args], { env: gitCliEnv(), reject: false });
  const listed = await git('ls-tree', '-r', '--name-only', BRANCH, 'status/');
  if (listed.exitCode !== 0) return readStatusFiles([]);
  const paths = listed.stdout.split('\n').filter(Boolean);
  const files = await Promise.all(paths.map(async (p) => ({ path: p.slice('status/'.length), text: (await git('show', `${BRANCH}:${p}`)).stdout })));
  return readStatusFiles(files);
}

test('replicas committing to a status branch: each deploys its shard and hears the other there', { timeout: 300_000 }, async () => {
  const f = (fleet = await startFleet({ clusters: CLUSTERS, manifests }));
  const mainBefore = (await commitsOf(f.sandbox)).map((c) => c.oid);
  for (let k = 0; k < SHARDS; k++) replicas.push(startReplica(f.sandbox, k, SHARDS, { 'status-branch': BRANCH, 'shard-heartbeat': '3s' }));

  await waitFor('the agent deployed on every cluster, as the status branch says', async () => {
    const clusters = (await statusBranchSnapshot(f)).profiles.get('ClusterProfile/agent')?.status.clusters ?? [];
    return CLUSTERS.every((c) => clusters.find((x) => x.cluster === c)?.releases.some((r) => r.state === 'Deployed')) || undefined;
  }, 240_000);
  // Long enough for a shard silent for 3 heartbeats (9 s) to be reported by the other.
  await new Promise((r) => setTimeout(r, 12_000));

  assert.deepEqual((await commitsOf(f.sandbox)).map((c) => c.oid), mainBefore, 'main has no status commit');
  const commits = await commitsOf(f.sandbox, BRANCH);
  for (let k = 0; k < SHARDS; k++) {
    const own = commits.filter((c) => c.author === `gitset shard ${k}`);
    assert.ok(own.length > 0, `shard ${k} committed to ${BRANCH}`);
    for (const c of own) for (const p of c.paths) assert.equal(ownerOfPath(p, SHARDS), k, `${c.subject}: ${p} written by shard ${k}`);
  }
  for (const r of replicas) {
    // A replica may start before the other's first heartbeat (slow under load): then it must hear it since.
    const said = r.lines.filter((l) => String(l.msg).includes('probed and worked on by nobody') || l.msg === 'every shard is heard from again');
    assert.equal(said.length === 0 ? 'heard' : said.at(-1)!.msg === 'every shard is heard from again' ? 'heard' : said.at(-1)!.msg, 'heard', `shard ${r.shard} hears the other shard's heartbeat on ${BRANCH}`);
    const refused = r.lines.filter((l) => String(l.msg).includes('committed status is not taken'));
    assert.deepEqual(refused.map((l) => l.msg), [], `shard ${r.shard} took the other's sealed status`);
  }
});
