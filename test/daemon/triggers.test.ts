import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCycleQueue, type CycleRequest } from '../../src/daemon/triggers.ts';

test('the cycle queue runs one cycle at a time and folds what arrives meanwhile into one', async () => {
  const runs: CycleRequest[] = [];
  let release!: () => void;
  let concurrent = 0;
  let maxConcurrent = 0;
  const queue = createCycleQueue(async (req) => {
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    runs.push(req);
    if (runs.length === 1) await new Promise<void>((r) => (release = r));
    concurrent--;
  }, (err) => assert.fail(String(err)));

  queue.enqueue('start');
  await new Promise((r) => setImmediate(r));
  assert.equal(queue.running, true);
  queue.enqueue('probe-interval');
  queue.enqueue('webhook');
  queue.enqueue('probe-interval');
  release();
  await queue.idle();
  assert.equal(runs.length, 2);
  assert.equal(maxConcurrent, 1);
  assert.deepEqual(runs[1], { reasons: ['probe-interval', 'webhook'], pull: true });
  assert.deepEqual(runs[0], { reasons: ['start'], pull: true });
});

test('a probe-only round does not pull, and a closed queue takes no new work', async () => {
  const runs: CycleRequest[] = [];
  const queue = createCycleQueue(async (req) => void runs.push(req), () => {});
  queue.enqueue('probe-interval');
  await queue.idle();
  assert.equal(runs[0]!.pull, false);
  await queue.close();
  queue.enqueue('sighup');
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(runs.length, 1);
});

test('a failing cycle is reported and does not stop the queue', async () => {
  const errors: unknown[] = [];
  let n = 0;
  const queue = createCycleQueue(async () => {
    n++;
    if (n === 1) throw new Error('boom');
  }, (err) => errors.push(err));
  queue.enqueue('start');
  await queue.idle();
  queue.enqueue('manual');
  await queue.idle();
  assert.equal(n, 2);
  assert.equal(errors.length, 1);
});
