import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, type CycleReport, type Reconciler } from '../../src/daemon/daemon.ts';
import { createMetrics } from '../../src/daemon/metrics.ts';
import { silentLogger } from '../../src/daemon/logger.ts';

/** A reconciler whose cycles are `cycle` and whose shutdown is `finish`; no background work. */
function fakeReconciler(cycle: Reconciler['cycle'], finish: Reconciler['finish'] = async () => ({ outcome: 'success', failures: [], committed: false })): Reconciler {
  return { cycle, complete: cycle, finish, idle: async () => undefined, busy: false, onWake: () => undefined };
}

const config = {
  listen: { host: '127.0.0.1', port: 0 },
  probeIntervalMs: 3_600_000,
  pollIntervalMs: 3_600_000,
  shutdownGraceMs: 50,
  unreadyAfterMs: 60_000,
  branch: 'main',
  statusBranch: 'main',
  secrets: {},
};

test('readiness: not before the first cycle; failing cycles make it unready only after a while', async () => {
  let clock = 1_000_000;
  let outcome: CycleReport['outcome'] = 'success';
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const daemon = await startDaemon({
    config,
    reconciler: fakeReconciler(async () => {
      await gate;
      return { outcome, failures: outcome === 'failure' ? ['git server unreachable'] : [], committed: false };
    }),
    logger: silentLogger(),
    metrics: createMetrics(),
    now: () => clock,
  });
  try {
    const ready = async () => (await fetch(`${daemon.url}/readyz`)).status;
    assert.equal(await ready(), 503);
    release();
    await daemon.firstCycle;
    assert.equal(await ready(), 200);
    outcome = 'failure';
    daemon.trigger('manual');
    await daemon.queue.idle();
    assert.equal(await ready(), 200, 'one failed cycle is not enough');
    clock += 61_000;
    const res = await fetch(`${daemon.url}/readyz`);
    assert.equal(res.status, 503);
    assert.match(await res.text(), /git server unreachable/);
    outcome = 'success';
    daemon.trigger('manual');
    await daemon.queue.idle();
    assert.equal(await ready(), 200);
  } finally {
    await daemon.stop();
  }
});

test('stop waits for the running cycle, then lets the reconciler finish its helm calls and commit', async () => {
  const order: string[] = [];
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  let endCycle!: () => void;
  const daemon = await startDaemon({
    config,
    reconciler: fakeReconciler(
      async () => {
        started();
        await new Promise<void>((r) => (endCycle = r));
        order.push('cycle');
        return { outcome: 'success', failures: [], committed: false };
      },
      async (graceMs) => {
        order.push(`finish ${graceMs}`);
        return { outcome: 'failure', failures: ['upgrade kyverno/kyverno-latest on civo/cluster1: aborted at shutdown'], committed: true };
      },
    ),
    logger: silentLogger(),
    metrics: createMetrics(),
  });
  await running;
  const stopped = daemon.stop('SIGTERM');
  endCycle();
  await stopped;
  assert.deepEqual(order, ['cycle', 'finish 50'], 'the running cycle ends before the reconciler finishes, with the grace period');
  assert.equal(daemon.lastReport()?.committed, true, 'what the shutdown recorded is the last report');
  await assert.rejects(fetch(`${daemon.url}/healthz`), 'the endpoint is closed');
});

test('a stop with a shorter grace (a lost shard Lease) gives running helm calls only that; never a longer one', async () => {
  for (const [asked, given] of [[20, 20], [5_000, 50]] as const) {
    const graces: number[] = [];
    const daemon = await startDaemon({
      config,
      reconciler: fakeReconciler(
        async () => ({ outcome: 'success', failures: [], committed: false }),
        async (graceMs) => {
          graces.push(graceMs);
          return { outcome: 'success', failures: [], committed: false };
        },
      ),
      logger: silentLogger(),
      metrics: createMetrics(),
    });
    await daemon.firstCycle;
    await daemon.stop('lease lost', asked);
    assert.deepEqual(graces, [given]);
  }
});

test('readiness: a process whose cycles have all failed since it started is not ready', async () => {
  let outcome: CycleReport['outcome'] = 'failure';
  const daemon = await startDaemon({
    config,
    reconciler: fakeReconciler(async () => ({ outcome, failures: outcome === 'failure' ? ['ENAMETOOLONG: name too long'] : [], committed: false })),
    logger: silentLogger(),
    metrics: createMetrics(),
  });
  try {
    await daemon.firstCycle;
    const res = await fetch(`${daemon.url}/readyz`);
    assert.equal(res.status, 503);
    assert.match(await res.text(), /no cycle has succeeded yet: ENAMETOOLONG/);
    outcome = 'invalid-revision';
    daemon.trigger('manual');
    await daemon.queue.idle();
    assert.equal((await fetch(`${daemon.url}/readyz`)).status, 200, 'an invalid head is the repository\'s problem, not the daemon\'s');
  } finally {
    await daemon.stop();
  }
});
