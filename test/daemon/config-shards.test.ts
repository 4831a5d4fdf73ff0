// `--shards`/`--shard` (and GITSET_SHARDS/GITSET_SHARD, HOSTNAME in a StatefulSet): the shard a
// replica takes, and clear refusals naming the option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, resolveConfig } from '../../src/daemon/config.ts';

const REPO = 'https://git.example.com/acme/fleet.git';
const KEY = 'a-shared-key-of-some-length';
const config = (flags: Record<string, string>, env: NodeJS.ProcessEnv = {}) => resolveConfig({ flags: { repo: REPO, ...flags }, env: { HOSTNAME: 'laptop', GITSET_SHARD_KEY: KEY, ...env }, cwd: '/' });
const refusal = (flags: Record<string, string>, env: NodeJS.ProcessEnv = {}): ConfigError => {
  try {
    config(flags, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err;
  }
  return assert.fail('accepted');
};

test('one shard by default; flags, then GITSET_*; the pod name\'s ordinal without --shard', () => {
  assert.deepEqual(config({}).shard, { index: 0, count: 1 });
  assert.deepEqual(config({ shards: '3', shard: '1' }).shard, { index: 1, count: 3 });
  assert.deepEqual(config({}, { GITSET_SHARDS: '4', GITSET_SHARD: '3' }).shard, { index: 3, count: 4 });
  assert.deepEqual(config({}, { GITSET_SHARDS: '3', HOSTNAME: 'gitset-2' }).shard, { index: 2, count: 3 });
  assert.equal(config({ shards: '3', shard: '0' }).shardHeartbeatMs, 60_000);
});

test('what cannot be a shard is refused, naming the option', () => {
  assert.equal(refusal({ shards: '3', shard: '3' }).option, '--shard');
  assert.equal(refusal({ shards: 'x' }).option, '--shards');
  assert.match(refusal({ shards: '3' }).message, /--shard: not given, and the host name "laptop" does not end in -<ordinal>/);
  assert.match(refusal({ shards: '2' }, { HOSTNAME: 'gitset-5' }).message, /ordinal 5, out of range/);
  assert.match(refusal({ shards: '2', shard: '0', repo: '/srv/fleet' }).message, /--shards: more than one shard needs a remote --repo/);
  assert.equal(refusal({ shards: '2', shard: '0', shardHeartbeat: 'soon' }).option, '--shard-heartbeat');
});

test('several shards need a shared key, from a file or GITSET_SHARD_KEY, never in the config', () => {
  assert.equal(config({ shards: '3', shard: '1' }).secrets.shardKey, KEY);
  assert.equal(config({}).secrets.shardKey, undefined, 'one replica seals nothing');
  const fromFile = resolveConfig({ flags: { repo: REPO, shards: '2', shard: '0', shardKeyFile: 'key' }, env: { HOSTNAME: 'laptop' }, cwd: '/etc/gitset', readFile: (p) => (p === '/etc/gitset/key' ? `${KEY}\n` : '') });
  assert.equal(fromFile.secrets.shardKey, KEY);
  const missing = refusal({ shards: '2', shard: '0' }, { GITSET_SHARD_KEY: '' });
  assert.equal(missing.option, '--shard-key-file');
  assert.match(missing.message, /--shards 2 needs a key shared by every replica/);
  assert.match(refusal({ shards: '2', shard: '0' }, { GITSET_SHARD_KEY: 'short' }).message, /the shard key has 5 characters; it needs at least 16/);
});

test('--shard-lease-namespace: the shard is taken at start, by a pod of any name; what cannot work is refused', () => {
  const leased = config({ shards: '3', shardLeaseNamespace: 'gitset', shardLeaseKubeconfig: 'home.kubeconfig' }, { HOSTNAME: 'gitset-5c7d9-x2k4q' });
  assert.deepEqual(leased.shard, { index: -1, count: 3 }, 'owns nothing until a Lease is held');
  assert.deepEqual(leased.shardLease, { namespace: 'gitset', durationMs: 30_000, identity: 'gitset-5c7d9-x2k4q', kubeconfig: '/home.kubeconfig' });
  assert.equal(config({ shards: '3', shardLeaseDuration: '9s' }, { GITSET_SHARD_LEASE_NAMESPACE: 'ops' }).shardLease?.durationMs, 9_000);
  assert.match(refusal({ shards: '3', shard: '1', shardLeaseNamespace: 'gitset' }).message, /not with --shard-lease-namespace/);
  assert.match(refusal({ shardLeaseNamespace: 'gitset' }).message, /needs --shards of 2 or more/);
  assert.match(refusal({ shards: '2', shardLeaseNamespace: 'Not_A/Namespace' }).message, /is not a namespace name/);
  assert.match(refusal({ shards: '2', shardLeaseNamespace: 'gitset', shardLeaseDuration: '1s' }).message, /3s or more/);
  assert.equal(config({ shards: '3', shard: '2' }).shardLease, undefined);
});
