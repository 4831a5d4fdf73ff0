import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextRevisionStatus, readRevisionStatus, renderRevisionStatus } from '../../src/daemon/revision-status.ts';

test('the revision record changes only when the content of the inputs does', () => {
  const good = nextRevisionStatus({}, { revision: 'c1', inputs: 't1' }, undefined);
  assert.deepEqual(good, { applied: { revision: 'c1', inputs: 't1' } });
  // gitset's own status commit: a new tip, same inputs → nothing to record.
  assert.deepEqual(nextRevisionStatus(good, { revision: 'c2', inputs: 't1' }, undefined), good);

  const bad = nextRevisionStatus(good, { revision: 'c3', inputs: 't2' }, ['a.yaml:1:1 error x']);
  assert.deepEqual(bad, { applied: good.applied, failed: { revision: 'c3', inputs: 't2', errors: ['a.yaml:1:1 error x'] } });
  // The status commit on top of the invalid head does not move the failed revision either.
  assert.deepEqual(nextRevisionStatus(bad, { revision: 'c4', inputs: 't2' }, ['a.yaml:1:1 error x']), bad);

  const fixed = nextRevisionStatus(bad, { revision: 'c5', inputs: 't3' }, undefined);
  assert.deepEqual(fixed, { applied: { revision: 'c5', inputs: 't3' } });
});

test('rendered and read back, byte-stable', () => {
  const status = { applied: { revision: 'c1', inputs: 't1' }, failed: { revision: 'c3', inputs: 't2', errors: ['a.yaml:1:1 error x'] } };
  const text = renderRevisionStatus(status);
  assert.deepEqual(readRevisionStatus(text), status);
  assert.equal(renderRevisionStatus(readRevisionStatus(text)), text);
  assert.deepEqual(readRevisionStatus('not: [yaml'), {});
  assert.deepEqual(readRevisionStatus(undefined), {});
});

test("gitset.yaml is written by gitset's own emitter: hostile error text reads back exactly", () => {
  // Validation errors quote what a pull request wrote: YAML 1.1 words, colons, quotes, newlines
  // and control characters must come back as the same strings, whatever the YAML library does.
  const errors = ['yes', 'on', '0x1f', 'a.yaml:3:7 metadata.name: "x: y" is not a name', 'two\nlines', 'bell \u0007 and tab \t', '- item', '#hash', ''];
  const status = { applied: { revision: 'c1', inputs: 't1' }, failed: { revision: 'c2', inputs: 't2', errors } };
  const text = renderRevisionStatus(status);
  assert.deepEqual(readRevisionStatus(text), status);
  assert.match(text, /^lastFailedRevision: c2$/m);
  assert.match(text, /^  - "yes"$/m, 'a YAML 1.1 boolean word is quoted');
});
