import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from '../../src/model/duration.ts';

test('durations in flags, annotations and helm options', () => {
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('5m0s'), 300_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('1d'), 86_400_000);
  assert.equal(parseDuration(' 30s '), 30_000);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('10'), undefined);
  assert.equal(parseDuration('10 s'), undefined);
  assert.equal(parseDuration('5 minutes'), undefined);
  assert.equal(parseDuration('abc'), undefined);
  assert.equal(parseDuration(''), undefined);
});
