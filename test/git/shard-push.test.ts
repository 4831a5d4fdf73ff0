// Several replicas (`--shards`) pushing status to one branch at once: each commits only the files
// it owns and carries the others' over, so a rejected push is rebuilt on the new tip and retried,
// and every replica's every commit lands once, with nobody's files lost.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openRepo } from '../../src/git/open.ts';
import { ownerOfPath } from '../../src/status/shards.ts';
import { captureLogger, fixture, history, USER, type Fixture } from './helpers.ts';

const ROUNDS = 8;
const SHARDS = 3;
let fx: Fixture;
before(async () => {
  fx = await fixture();
});
after(async () => {
  await fx.close();
});

/** A shard's files in round `round`: its clusters' status and its gitset.yaml, named so the path says the owner. */
function filesOf(shard: number, round: number, clusters: string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const c of clusters) if (ownerOfPath(`SveltosCluster/${c}.yaml`, SHARDS) === shard) files.set(`SveltosCluster/${c}.yaml`, `cluster: ${c}\nround: ${round}\n`);
  files.set(shard === 0 ? 'gitset.yaml' : `shards/${shard}/gitset.yaml`, `shard: ${shard}\nround: ${round}\n`);
  return files;
}

test(`${SHARDS} replicas pushing ${ROUNDS} status commits each at once: none lost, none twice, no file lost`, { timeout: 120_000 }, async () => {
  const url = await fx.seed('shards', { 'clusters/a.yaml': 'kind: SveltosCluster\n' });
  const clusters = Array.from({ length: 12 }, (_, i) => `fleet/c${i}`);
  for (let k = 0; k < SHARDS; k++) assert.ok(filesOf(k, 0, clusters).size > 1, `shard ${k} owns some clusters`);
  let retries = 0;
  const replica = async (shard: number) => {
    const repo = openRepo({
      url, branch: 'main', workDir: join(fx.tmp, `work-${shard}`), auth: USER, logger: captureLogger(),
      author: { name: `gitset shard ${shard}`, email: 'gitset@localhost' }, pushBackoffMs: 5, maxPushAttempts: 60,
      statusOwned: (path) => ownerOfPath(path, SHARDS) === shard,
    });
    for (let round = 0; round < ROUNDS; round++) {
      await repo.pull();
      const res = await repo.commitStatus(filesOf(shard, round, clusters), { subject: `shard ${shard} round ${round}` });
      assert.ok(res.committed && res.pushed, `shard ${shard} round ${round} pushed`);
      retries += res.retries;
    }
    await repo.close();
  };
  await Promise.all(Array.from({ length: SHARDS }, (_, k) => replica(k)));

  const log = await history(url, join(fx.tmp, 'check'));
  const ours = log.filter((c) => c.author.startsWith('gitset shard'));
  assert.equal(ours.length, SHARDS * ROUNDS, 'every commit of every replica landed');
  assert.equal(new Set(ours.map((c) => c.subject)).size, SHARDS * ROUNDS, 'none twice');
  for (let i = 0; i < log.length - 1; i++) assert.deepEqual(log[i]!.parents, [log[i + 1]!.oid], 'one straight line, no merge commits');
  for (const c of ours) {
    const shard = Number(c.author.slice('gitset shard '.length));
    assert.ok(c.paths.every((p) => p.startsWith('status/') && ownerOfPath(p.slice('status/'.length), SHARDS) === shard), `${c.subject} touched only its own files: ${c.paths}`);
  }
  // The tip holds every shard's last round: nothing was overwritten by another shard's push.
  for (let k = 0; k < SHARDS; k++) {
    for (const [path, text] of filesOf(k, ROUNDS - 1, clusters)) assert.equal(await readFile(join(fx.tmp, 'check', 'status', path), 'utf8'), text, path);
  }
  assert.equal((await readdir(join(fx.tmp, 'check', 'status', 'SveltosCluster', 'fleet'))).length, clusters.length);
  console.log(`# ${SHARDS} replicas: pushes retried ${retries} times over ${SHARDS * ROUNDS} commits`);
});
