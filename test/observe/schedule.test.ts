import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dueChecks, type LookedAfter } from '../../src/observe/schedule.ts';

const interval = 300_000;
const item = (key: string, health: LookedAfter['health'] = 'Healthy', detectDrift = true): LookedAfter => ({ key, health, detectDrift });

test('a release not yet healthy is looked at every cycle, without a drift check off its turn', () => {
  const now = 1_000_000_000;
  const last = new Map([['c r', now - 1000]]);
  const due = dueChecks([item('c r', 'Progressing')], last, now, interval);
  assert.equal(due.length, 1);
  assert.equal(due[0]!.drift, false);
  assert.equal(dueChecks([item('c r', 'Healthy')], last, now + 1, interval).length, 0);
});

test('every release gets exactly one periodic look per interval, and drift is checked only if asked', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 0, max: 2 ** 40 }), (keys, start) => {
      const items = [...new Set(keys)].map((k, i) => item(k, 'Healthy', i % 2 === 0));
      const last = new Map<string, number>(items.map((i) => [i.key, start]));
      const looks = new Map<string, number>();
      // Cycles every 10 s over exactly one interval: each key's turn comes once.
      for (let t = start + 10_000; t <= start + interval; t += 10_000) {
        for (const d of dueChecks(items, last, t, interval)) {
          looks.set(d.item.key, (looks.get(d.item.key) ?? 0) + 1);
          assert.equal(d.drift, d.item.detectDrift);
          last.set(d.item.key, t);
        }
      }
      for (const i of items) assert.equal(looks.get(i.key), 1, i.key);
    }),
  );
});

test('periodic looks of a fleet spread over the interval instead of coming at once', () => {
  const items = Array.from({ length: 1000 }, (_, i) => item(`civo/c${i} hello/hello`));
  const start = 1_700_000_000_000;
  const last = new Map(items.map((i) => [i.key, start]));
  let most = 0;
  for (let t = start + 10_000; t <= start + interval; t += 10_000) {
    const due = dueChecks(items, last, t, interval);
    for (const d of due) last.set(d.item.key, t);
    most = Math.max(most, due.length);
  }
  // 30 cycles in the interval: an even spread gives about 33 a cycle.
  assert.ok(most < 100, `at most ${most} looks in one cycle`);
});
