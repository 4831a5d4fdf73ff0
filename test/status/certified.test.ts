// Whether two documents are written alike is decided without writing them (status/certified.ts):
// it must agree with writing both, or an unchanged object would keep a stale file, or a changed
// one be written for nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sameWritten } from '../../src/status/certified.ts';
import { sortKeys } from '../../src/status/render.ts';
import { writeStatusYaml } from '../../src/status/status-writer.ts';

/** As a sequence item, where the writer writes undefined as null (a document is a mapping, so never undefined). */
const written = (doc: unknown): string => writeStatusYaml({ doc: [sortKeys(doc)] });

const scalar = fc.oneof(fc.constantFrom('a', 'b', '', 'null', '1', 0, -0, 1, NaN, Infinity, null, undefined, true, false), fc.string({ maxLength: 3 }), fc.integer({ min: -2, max: 2 }));
const key = fc.constantFrom('a', 'b', 'c', 'name');
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(key, tie('node'), { maxKeys: 3 })),
})).node;

/** The same data built anew: keys in reverse order, as the daemon's entries have them in another order than the files. */
function rebuilt(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(rebuilt);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, rebuilt(x)]));
}

test('property: two documents are the same written exactly when the writer writes them alike', () => {
  let alike = 0;
  fc.assert(
    fc.property(value, fc.oneof(value, fc.constantFrom(null, undefined)), fc.boolean(), (a, b, copy) => {
      const other = copy ? rebuilt(a) : b;
      const same = written(a) === written(other);
      if (same) alike++;
      assert.equal(sameWritten(a, other), same, `${written(a)}---\n${written(other)}`);
      assert.equal(sameWritten(other, a), same);
    }),
    { numRuns: 4000 },
  );
  assert.ok(alike > 1000, `pairs written alike are tried too (${alike})`);
});

test('what the writer tells apart and what it does not', () => {
  assert.equal(sameWritten({ a: 0 }, { a: -0 }), false, '0 and -0.0');
  assert.equal(sameWritten({ a: NaN }, { a: NaN }), true);
  assert.equal(sameWritten({ a: 1, b: undefined }, { a: 1 }), true, 'an undefined value is not written');
  assert.equal(sameWritten({ a: null }, {}), false, 'null is written');
  assert.equal(sameWritten([undefined], [null]), true, 'an undefined item is written as null');
  assert.equal(sameWritten({ a: [] }, { a: {} }), false);
  assert.equal(sameWritten({ a: '1' }, { a: 1 }), false);
});
