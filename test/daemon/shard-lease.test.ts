// Replicas taking shards by Lease, with the real kubectl against a simulated cluster: each gets
// its own shard, a freed shard goes to a waiting replica at once, a holder that stopped renewing
// is replaced only after its Lease stood still for a whole duration, and a holder whose Lease was
// written by someone else learns that it lost the shard.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import pino from 'pino';
import { resolveKubectl } from '../../src/kubectl/binary.ts';
import { kubectlLeaseStore } from '../../src/kubectl/leases.ts';
import { acquireShard, judgeLease, leaseName, type HeldShard } from '../../src/daemon/shard-lease.ts';
import type { LeaseStore } from '../../src/model/ports.ts';
import { startSimCluster, type SimCluster } from '../../src/sim/index.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const NS = 'gitset';
const logger = pino({ level: 'silent' });

describe('judgeLease', () => {
  test('a Lease held by another is free only once seen unchanged for a whole duration', () => {
    const seen = new Map();
    const lease = { name: 'gitset-shard-0', resourceVersion: '7', holder: 'b', renewTime: '2026-01-01T00:00:00Z', durationSeconds: 10 };
    assert.equal(judgeLease(lease, 'a', seen, 1_000, 10_000), 'held');
    assert.equal(judgeLease(lease, 'a', seen, 10_999, 10_000), 'held');
    assert.equal(judgeLease({ ...lease, resourceVersion: '8' }, 'a', seen, 11_000, 10_000), 'held', 'renewed: the wait starts again');
    assert.equal(judgeLease({ ...lease, resourceVersion: '8' }, 'a', seen, 20_999, 10_000), 'held');
    assert.equal(judgeLease({ ...lease, resourceVersion: '8' }, 'a', seen, 21_000, 10_000), 'free');
    assert.equal(judgeLease(lease, 'b', new Map(), 0, 10_000), 'ours');
    assert.equal(judgeLease({ name: 'gitset-shard-1' }, 'a', new Map(), 0, 10_000), 'free', 'absent or released');
  });
});

describe('shard leases through kubectl', () => {
  let cluster: SimCluster;
  let work: string;
  let store: LeaseStore;
  const held: HeldShard[] = [];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'gitset-shard-lease-'));
    const kubectlPath = (await resolveKubectl({ env: process.env, projectRoot: root })).path;
    cluster = await startSimCluster({ namespace: 'home', name: 'leases' });
    const kubeconfig = join(work, 'home.kubeconfig');
    await cluster.writeKubeconfig(kubeconfig);
    const kubectl = (input: string, ...args: string[]) => execa(kubectlPath, [...args, `--kubeconfig=${kubeconfig}`, `--cache-dir=${join(work, 'cache')}`], { env: { HOME: work }, timeout: 30_000, input });
    await kubectl(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }), 'create', '-f', '-');
    store = kubectlLeaseStore({ kubectlPath, namespace: NS, kubeconfig, workDir: join(work, 'store'), timeoutMs: 20_000, env: process.env });
  });
  after(async () => {
    for (const h of held) await h.release();
    await cluster?.stop();
    await rm(work, { recursive: true, force: true });
  });

  const holderOf = async (shard: number): Promise<string | undefined> => (await store.get(leaseName(shard)))?.holder;

  test('three replicas starting together hold three different shards; a fourth takes the first one freed', async () => {
    const opts = { store, shards: 3, durationMs: 30_000, logger };
    const three = await Promise.all(['pod-a', 'pod-b', 'pod-c'].map((identity) => acquireShard({ ...opts, identity })));
    held.push(...three);
    assert.deepEqual(three.map((h) => h.shard).sort(), [0, 1, 2]);
    for (const [i, h] of three.entries()) assert.equal(await holderOf(h.shard), ['pod-a', 'pod-b', 'pod-c'][i]);

    const waiting = new AbortController();
    const fourth = acquireShard({ ...opts, durationMs: 3_000, identity: 'pod-d' }, waiting.signal);
    await new Promise((r) => setTimeout(r, 1_500));
    const b = three[1]!;
    await b.release();
    const d = await fourth;
    held.push(d);
    assert.equal(d.shard, b.shard, 'the freed shard, without waiting for it to expire');
    assert.equal(await holderOf(d.shard), 'pod-d');
    for (const h of [three[0]!, three[2]!, d]) await h.release();
    held.length = 0;
  });

  test('a replica restarted under the same name takes its own shard back at once', async () => {
    const opts = { store, shards: 2, durationMs: 6_000, logger };
    const first = await acquireShard({ ...opts, identity: 'gitset-1' });
    const other = await acquireShard({ ...opts, identity: 'gitset-0' });
    const held = (await store.get(leaseName(first.shard)))!;
    const again = await acquireShard({ ...opts, identity: 'gitset-1' }); // the same pod, after a crash
    assert.equal(again.shard, first.shard);
    const taken = (await store.get(leaseName(again.shard)))!;
    assert.equal(taken.holder, 'gitset-1');
    // Taken back as its own: no takeover counted, the time it was first acquired kept.
    assert.equal(taken.transitions, held.transitions);
    assert.equal(Date.parse(taken.acquireTime!), Date.parse(held.acquireTime!));
    for (const h of [again, other]) await h.release();
    await first.lost; // the old process's next renewal finds the Lease written since: it would stop
  });

  test('a release during a renewal still frees the Lease', async () => {
    let slow = false;
    const slowStore: LeaseStore = { ...store, replace: async (l) => (slow ? new Promise((r) => setTimeout(r, 600)).then(() => store.replace(l)) : store.replace(l)) };
    const h = await acquireShard({ store: slowStore, shards: 1, identity: 'pod-slow', durationMs: 3_000, logger });
    slow = true; // the renewal after 1 s takes 0.6 s more
    await new Promise((r) => setTimeout(r, 1_200));
    await h.release();
    assert.equal(await holderOf(0), undefined, 'no holder: the next replica starts at once');
  });

  test('an API server that is away at start is waited for, not a crash', async () => {
    let calls = 0;
    const flaky: LeaseStore = { ...store, get: async (name) => (++calls <= 2 ? Promise.reject(new Error('connection refused')) : store.get(name)) };
    const h = await acquireShard({ store: flaky, shards: 1, identity: 'pod-late', durationMs: 3_000, logger });
    assert.equal(h.shard, 0);
    assert.ok(calls > 2);
    await h.release();
  });

  test('a holder that stopped renewing is replaced after its Lease stood still for a duration', async () => {
    // A replica that died holding shard 0: its Lease says it was renewed just now.
    const ghost = { name: leaseName(0), holder: 'pod-gone', durationSeconds: 3, renewTime: new Date().toISOString(), transitions: 4 };
    const before = await store.get(ghost.name);
    const written = before ? await store.replace({ ...before, ...ghost }) : await store.create(ghost);
    assert.ok(typeof written === 'object', `the dead replica's Lease is written (${String(written)})`);
    const started = performance.now();
    const h = await acquireShard({ store, shards: 1, identity: 'pod-new', durationMs: 3_000, logger });
    held.push(h);
    const waited = performance.now() - started;
    assert.equal(h.shard, 0);
    assert.ok(waited >= 3_000, `took over after ${waited.toFixed(0)} ms: not before the Lease stood still for its duration`);
    const lease = await store.get(leaseName(0));
    assert.equal(lease?.holder, 'pod-new');
    assert.equal(lease?.transitions, 5, 'a takeover counts as a transition');
    await h.release();
    held.length = 0;
  });

  test('a holder renews its Lease, and learns it lost the shard when someone else writes it', async () => {
    const h = await acquireShard({ store, shards: 1, identity: 'pod-a', durationMs: 3_000, logger });
    held.push(h);
    const first = (await store.get(leaseName(0)))!;
    await new Promise((r) => setTimeout(r, 2_500));
    const renewed = (await store.get(leaseName(0)))!;
    assert.equal(renewed.holder, 'pod-a');
    assert.ok(Date.parse(renewed.renewTime!) > Date.parse(first.renewTime!), 'renewed while held');

    const taken = await store.replace({ ...renewed, holder: 'pod-intruder', renewTime: new Date().toISOString() });
    assert.notEqual(taken, 'conflict');
    const why = await Promise.race([h.lost, new Promise<string>((r) => setTimeout(() => r('not lost'), 5_000))]);
    assert.match(why, /written by pod-intruder/);
    assert.equal(await holderOf(0), 'pod-intruder', 'the loser does not write it back');
    held.length = 0;
  });
});
