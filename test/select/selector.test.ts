import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileSelector, SelectorSyntaxError } from '../../src/select/selector.ts';
import type { LabelSelector, LabelSelectorRequirement } from '../../src/model/objects.ts';

const matches = (sel: Parameters<typeof compileSelector>[0], labels?: Record<string, string>): boolean =>
  compileSelector(sel).matches(labels);

describe('LabelSelector (v1beta1)', () => {
  const cases: Array<[string, LabelSelector, Record<string, string> | undefined, boolean]> = [
    ['matchLabels equal', { matchLabels: { env: 'prod' } }, { env: 'prod', x: 'y' }, true],
    ['matchLabels other value', { matchLabels: { env: 'prod' } }, { env: 'dev' }, false],
    ['matchLabels absent key', { matchLabels: { env: 'prod' } }, {}, false],
    ['matchLabels all must hold', { matchLabels: { env: 'prod', zone: 'a' } }, { env: 'prod' }, false],
    ['In hit', { matchExpressions: [{ key: 'env', operator: 'In', values: ['a', 'prod'] }] }, { env: 'prod' }, true],
    ['In miss', { matchExpressions: [{ key: 'env', operator: 'In', values: ['a'] }] }, { env: 'prod' }, false],
    ['In absent key', { matchExpressions: [{ key: 'env', operator: 'In', values: ['a'] }] }, {}, false],
    ['NotIn other value', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] }, { env: 'prod' }, true],
    ['NotIn listed value', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] }, { env: 'dev' }, false],
    ['NotIn matches an absent key', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] }, {}, true],
    ['Exists', { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }, { gpu: '' }, true],
    ['Exists absent', { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }, { env: 'x' }, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }, { env: 'x' }, true],
    ['DoesNotExist present', { matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }, { gpu: 'x' }, false],
    ['In with many values (set path)', { matchExpressions: [{ key: 'n', operator: 'In', values: ['1', '2', '3', '4', '5', '6'] }] }, { n: '6' }, true],
    ['undefined labels', { matchLabels: { env: 'prod' } }, undefined, false],
    ['prefixed key', { matchLabels: { 'topology.kubernetes.io/zone': 'eu-1' } }, { 'topology.kubernetes.io/zone': 'eu-1' }, true],
  ];
  for (const [name, sel, labels, want] of cases) {
    test(name, () => assert.equal(matches(sel, labels), want));
  }

  test('an empty selector matches nothing (Sveltos), whatever the labels', () => {
    for (const sel of [undefined, {}, { matchLabels: {} }, { matchLabels: {}, matchExpressions: [] }, '', '   ']) {
      const c = compileSelector(sel);
      assert.equal(c.empty, true);
      assert.equal(c.matches({ env: 'prod' }), false);
      assert.equal(c.matches({}), false);
    }
  });

  test('labels inherited from the prototype do not count', () => {
    assert.equal(matches({ matchExpressions: [{ key: 'constructor', operator: 'Exists' }] }, {}), false);
    assert.equal(matches({ matchExpressions: [{ key: 'toString', operator: 'DoesNotExist' }] }, {}), true);
  });

  const invalid: Array<[string, LabelSelector, string]> = [
    ['In without values', { matchExpressions: [{ key: 'env', operator: 'In', values: [] }] }, 'matchExpressions[0].values'],
    ['NotIn without values', { matchExpressions: [{ key: 'env', operator: 'NotIn' }] }, 'matchExpressions[0].values'],
    ['Exists with values', { matchExpressions: [{ key: 'env', operator: 'Exists', values: ['x'] }] }, 'matchExpressions[0].values'],
    ['unknown operator', { matchExpressions: [{ key: 'env', operator: 'Equals' as LabelSelectorRequirement['operator'] }] }, 'matchExpressions[0].operator'],
    ['bad key', { matchLabels: { 'bad key': 'x' } }, 'matchLabels.bad key'],
    ['bad value', { matchLabels: { env: 'a b' } }, 'matchLabels.env'],
    ['bad key in expression', { matchExpressions: [{ key: '-x', operator: 'Exists' }] }, 'matchExpressions[0].key'],
  ];
  for (const [name, sel, field] of invalid) {
    test(`rejects ${name}`, () => {
      assert.throws(() => compileSelector(sel), (err: unknown) => err instanceof SelectorSyntaxError && err.code === 'selector-syntax' && err.field === field);
    });
  }
});

describe('selector string (v1alpha1)', () => {
  const cases: Array<[string, Record<string, string>, boolean]> = [
    ['env=prod', { env: 'prod' }, true],
    ['env==prod', { env: 'prod' }, true],
    ['env = prod', { env: 'dev' }, false],
    ['env!=prod', { env: 'dev' }, true],
    ['env!=prod', {}, true],
    ['env!=prod', { env: 'prod' }, false],
    ['env in (prod, staging)', { env: 'staging' }, true],
    ['env in (prod,staging)', {}, false],
    ['env notin (dev)', {}, true],
    ['env notin (dev)', { env: 'dev' }, false],
    ['gpu', { gpu: 'false' }, true],
    ['gpu', {}, false],
    ['!gpu', {}, true],
    ['!gpu', { gpu: '' }, false],
    ['env=prod,zone in (a,b),!canary', { env: 'prod', zone: 'b' }, true],
    ['env=prod,zone in (a,b),!canary', { env: 'prod', zone: 'b', canary: 'y' }, false],
    ['  env = prod ,  tier  notin ( x , y )  ', { env: 'prod', tier: 'z' }, true],
    ['env=', { env: '' }, true],
    ['env=', { env: 'x' }, false],
    ['example.com/team=blue', { 'example.com/team': 'blue' }, true],
    ['replicas>2', { replicas: '3' }, true],
    ['replicas>2', { replicas: 'x' }, false],
    ['replicas<2', {}, false],
  ];
  for (const [sel, labels, want] of cases) {
    test(`"${sel}" on ${JSON.stringify(labels)} → ${want}`, () => assert.equal(matches(sel, labels), want));
  }

  const invalid: Array<[string, number]> = [
    ['env=prod,', 9],
    ['env in ()', 8],
    ['env in (a b)', 10],
    ['env=pr od', 7],
    ['e$v=1', 1],
    ['=x', 0],
    ['env in a', 7],
    ['env notin (a', 12],
    ['!', 1],
    ['env=prod,,zone=a', 9],
    ['env=a$b', 5],
    ['n>x', 2],
  ];
  for (const [sel, index] of invalid) {
    test(`"${sel}" is a syntax error at offset ${index}`, () => {
      assert.throws(() => compileSelector(sel), (err: unknown) => err instanceof SelectorSyntaxError && err.index === index);
    });
  }
});

describe('properties', () => {
  const key = fc.constantFrom('env', 'zone', 'tier', 'example.com/team');
  const value = fc.constantFrom('a', 'b', 'prod', 'x-1');
  const labels = fc.dictionary(key, value, { maxKeys: 4 });
  const requirement: fc.Arbitrary<LabelSelectorRequirement> = fc.oneof(
    fc.record({ key, operator: fc.constantFrom('In' as const, 'NotIn' as const), values: fc.uniqueArray(value, { minLength: 1, maxLength: 3 }) }),
    fc.record({ key, operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
  );
  const selector = fc.record({
    matchLabels: fc.dictionary(key, value, { maxKeys: 2 }),
    matchExpressions: fc.array(requirement, { maxLength: 3 }),
  });

  /** The v1alpha1 string equivalent of a LabelSelector, with random spacing. */
  function toString(sel: LabelSelector, pad: string): string {
    const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}${pad}=${pad}${v}`);
    for (const r of sel.matchExpressions ?? []) {
      const vals = `(${pad}${(r.values ?? []).join(`${pad},${pad}`)}${pad})`;
      if (r.operator === 'In') parts.push(`${r.key} in ${vals}`);
      if (r.operator === 'NotIn') parts.push(`${r.key} notin ${vals}`);
      if (r.operator === 'Exists') parts.push(r.key);
      if (r.operator === 'DoesNotExist') parts.push(`!${r.key}`);
    }
    return parts.join(`${pad},${pad}`);
  }

  test('the string form and the equivalent LabelSelector agree on every label map', () => {
    fc.assert(
      fc.property(selector, fc.constantFrom('', ' ', '  '), fc.array(labels, { minLength: 1, maxLength: 8 }), (sel, pad, maps) => {
        const a = compileSelector(sel);
        const b = compileSelector(toString(sel, pad));
        assert.equal(a.empty, b.empty);
        for (const m of maps) assert.equal(a.matches(m), b.matches(m));
      }),
    );
  });

  test('a non-empty selector is the AND of its requirements', () => {
    fc.assert(
      fc.property(fc.array(requirement, { minLength: 1, maxLength: 4 }), labels, (reqs, m) => {
        const all = compileSelector({ matchExpressions: reqs }).matches(m);
        const each = reqs.every((r) => compileSelector({ matchExpressions: [r] }).matches(m));
        assert.equal(all, each);
      }),
    );
  });

  test('NotIn is the complement of In, Exists of DoesNotExist', () => {
    fc.assert(
      fc.property(key, fc.uniqueArray(value, { minLength: 1, maxLength: 3 }), labels, (k, vals, m) => {
        const inSel = compileSelector({ matchExpressions: [{ key: k, operator: 'In', values: vals }] });
        const notIn = compileSelector({ matchExpressions: [{ key: k, operator: 'NotIn', values: vals }] });
        assert.notEqual(inSel.matches(m), notIn.matches(m));
        const ex = compileSelector({ matchExpressions: [{ key: k, operator: 'Exists' }] });
        const dne = compileSelector({ matchExpressions: [{ key: k, operator: 'DoesNotExist' }] });
        assert.notEqual(ex.matches(m), dne.matches(m));
      }),
    );
  });

  test('the parser never throws anything but SelectorSyntaxError on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        try {
          compileSelector(s);
        } catch (err) {
          assert.ok(err instanceof SelectorSyntaxError, String(err));
          assert.ok(err.index >= 0 && err.index <= s.length);
        }
      }),
    );
  });
});
