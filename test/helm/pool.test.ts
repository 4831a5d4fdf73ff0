import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { runPerCluster, type ClusterTask } from '../../src/helm/pool.ts';

/** Tasks that record how many run at once, overall and per cluster, yielding a few times while "running". */
function tracker() {
  let running = 0;
  let maxRunning = 0;
  const perCluster = new Map<string, number>();
  let maxPerCluster = 0;
  const order: string[] = [];
  const task = (cluster: string, id: string, fail = false): ClusterTask<string> => ({
    cluster,
    run: async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      const n = (perCluster.get(cluster) ?? 0) + 1;
      perCluster.set(cluster, n);
      maxPerCluster = Math.max(maxPerCluster, n);
      order.push(`${id}:start`);
      for (let i = 0; i < 5; i++) await tick();
      order.push(`${id}:end`);
      perCluster.set(cluster, (perCluster.get(cluster) ?? 1) - 1);
      running--;
      if (fail) throw new Error(`${id} failed`);
      return id;
    },
  });
  return { task, order, max: () => maxRunning, maxPerCluster: () => maxPerCluster };
}

test('no more clusters run at once than the parallelism allows', async () => {
  const t = tracker();
  const tasks = Array.from({ length: 10 }, (_, i) => t.task(`ns/c${i}`, `c${i}`));
  const results = await runPerCluster(tasks, { parallelism: 3 });
  assert.equal(t.max(), 3);
  assert.deepEqual(results.map((r) => r.status === 'fulfilled' && r.value), tasks.map((_, i) => `c${i}`));
});

test("one cluster's tasks run one at a time, in the given order", async () => {
  const t = tracker();
  const tasks = [t.task('ns/a', 'a1'), t.task('ns/b', 'b1'), t.task('ns/a', 'a2'), t.task('ns/a', 'a3'), t.task('ns/b', 'b2')];
  await runPerCluster(tasks, { parallelism: 8 });
  assert.equal(t.maxPerCluster(), 1);
  const aEvents = t.order.filter((e) => e.startsWith('a'));
  assert.deepEqual(aEvents, ['a1:start', 'a1:end', 'a2:start', 'a2:end', 'a3:start', 'a3:end']);
  assert.ok(t.max() >= 2, 'different clusters proceed side by side');
});

test('a failure is reported in its slot and stops nothing else, not even later tasks of its cluster', async () => {
  const t = tracker();
  const tasks = [t.task('ns/a', 'a1', true), t.task('ns/a', 'a2'), t.task('ns/b', 'b1', true), t.task('ns/c', 'c1')];
  const results = await runPerCluster(tasks, { parallelism: 2 });
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'fulfilled', 'rejected', 'fulfilled']);
  const first = results[0];
  assert.ok(first?.status === 'rejected' && first.reason instanceof Error && first.reason.message === 'a1 failed');
});

test('abort stops starting tasks; the unstarted ones settle as rejected', async () => {
  const controller = new AbortController();
  const started: string[] = [];
  const tasks: ClusterTask<string>[] = ['a', 'b', 'c', 'd'].map((c) => ({
    cluster: `ns/${c}`,
    run: async (signal) => {
      started.push(c);
      if (c === 'a') controller.abort();
      assert.equal(signal.aborted, c === 'a');
      return c;
    },
  }));
  const results = await runPerCluster(tasks, { parallelism: 1, signal: controller.signal });
  assert.deepEqual(started, ['a']);
  assert.equal(results[0]?.status, 'fulfilled');
  for (const r of results.slice(1)) {
    assert.equal(r.status, 'rejected');
    assert.equal(r.status === 'rejected' && (r.reason as Error).name, 'AbortError');
  }
});

test('an empty task list settles to an empty list', async () => {
  assert.deepEqual(await runPerCluster([], {}), []);
});
