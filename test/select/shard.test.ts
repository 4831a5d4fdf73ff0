// Which replica owns what: FNV-1a as Go's hash/fnv computes it, every cluster owned by exactly one
// shard whatever the number of shards and the order they are listed in, and the shard read from
// a StatefulSet pod's name with clear errors for what cannot be one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { clusterShard, fnv1a32, objectShard, ordinalOf, ownsCluster, resolveShard, shardOf, type Shard } from '../../src/select/shard.ts';

test('fnv1a32 gives the published FNV-1a 32-bit values', () => {
  // Test vectors of the FNV reference (isthe.com/chongo/tech/comp/fnv), as Go's fnv.New32a gives them.
  assert.equal(fnv1a32(''), 0x811c9dc5);
  assert.equal(fnv1a32('a'), 0xe40c292c);
  assert.equal(fnv1a32('foobar'), 0xbf9cf968);
});

test('one shard owns everything; the hash spreads clusters over several', () => {
  assert.equal(clusterShard('civo/cluster1', 1), 0);
  const counts = [0, 0, 0];
  for (let i = 0; i < 300; i++) counts[clusterShard(`fleet/cluster-${i}`, 3)]!++;
  for (const c of counts) assert.ok(c > 60, `each of 3 shards gets a fair part: ${counts.join(', ')}`);
  assert.equal(objectShard('ClusterSet/prod', 3), shardOf('ClusterSet/prod', 3));
});

test('every cluster is owned by exactly one shard, for any number of shards, in any order', () => {
  const key = fc.tuple(fc.stringMatching(/^[a-z0-9-]{1,20}$/), fc.stringMatching(/^[a-z0-9.-]{1,30}$/)).map(([ns, n]) => `${ns}/${n}`);
  fc.assert(
    fc.property(fc.uniqueArray(key, { maxLength: 40 }), fc.integer({ min: 1, max: 12 }), (keys, count) => {
      const shards: Shard[] = Array.from({ length: count }, (_, index) => ({ index, count }));
      const owners = (list: string[]) => new Map(list.map((k) => [k, shards.filter((s) => ownsCluster(s, k)).map((s) => s.index)]));
      const forward = owners(keys);
      for (const [k, o] of forward) assert.equal(o.length, 1, `${k} has exactly one owner among ${count}`);
      const backward = owners([...keys].reverse());
      for (const [k, o] of forward) assert.deepEqual(backward.get(k), o, 'the owner does not depend on the order');
    }),
  );
});

test('adding clusters moves no existing cluster to another shard', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z]{1,8}\/[a-z0-9]{1,8}$/), { minLength: 2, maxLength: 30 }), fc.integer({ min: 2, max: 7 }), (keys, count) => {
      const before = new Map(keys.slice(0, keys.length / 2).map((k) => [k, clusterShard(k, count)]));
      for (const k of keys) if (before.has(k)) assert.equal(clusterShard(k, count), before.get(k));
    }),
  );
});

test('the shard comes from --shard, else from the StatefulSet pod name; bad values are named', () => {
  assert.deepEqual(resolveShard({}), { index: 0, count: 1 });
  assert.deepEqual(resolveShard({ shards: '3', shard: '2' }), { index: 2, count: 3 });
  assert.deepEqual(resolveShard({ shards: '3', hostname: 'gitset-1' }), { index: 1, count: 3 });
  assert.deepEqual(resolveShard({ shards: '1', hostname: 'whatever' }), { index: 0, count: 1 });
  assert.equal(ordinalOf('gitset-12.gitset-headless.ns.svc'), 12);
  assert.equal(ordinalOf('laptop'), undefined);
  const problem = (given: Parameters<typeof resolveShard>[0]) => {
    const r = resolveShard(given);
    assert.ok('option' in r, `expected a problem for ${JSON.stringify(given)}`);
    return r;
  };
  assert.equal(problem({ shards: '3', shard: '3' }).option, '--shard');
  assert.match(problem({ shards: '3', shard: '3' }).message, /0 to 2/);
  assert.equal(problem({ shards: '0' }).option, '--shards');
  assert.equal(problem({ shards: 'two' }).option, '--shards');
  assert.equal(problem({ shards: '3', shard: '-1' }).option, '--shard');
  assert.match(problem({ shards: '3', hostname: 'laptop' }).message, /does not end in -<ordinal>/);
  assert.match(problem({ shards: '2', hostname: 'gitset-2' }).message, /ordinal 2, out of range/);
});
