// The CLI's ASCII tables: sveltosctl's look, byte for byte what cli-table3 draws with the same
// frame (kept as the reference here), and linear in the rows, so a 10k-cluster plan prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Table from 'cli-table3';
import fc from 'fast-check';
import { asciiTable, plainTable, type TableCell } from '../../src/cli/tables.ts';
import { escapeControl } from '../../src/model/escape.ts';

const FRAME = {
  top: '-', 'top-mid': '+', 'top-left': '+', 'top-right': '+',
  bottom: '-', 'bottom-mid': '+', 'bottom-left': '+', 'bottom-right': '+',
  left: '|', 'left-mid': '', mid: '', 'mid-mid': '', right: '|', 'right-mid': '', middle: '|',
};

/** What the CLI printed through cli-table3: its table with a rule under the header. */
function reference(head: string[], rows: ReadonlyArray<readonly TableCell[]>): string {
  const t = new Table({ head, chars: FRAME, style: { head: [], border: [] } });
  t.push(...rows.map((r) => r.map((c) => (typeof c === 'string' ? escapeControl(c) : c.map(escapeControl).join('\n')))));
  const lines = t.toString().split('\n');
  return `${[lines[0], lines[1], lines[0], ...lines.slice(2)].join('\n')}\n`;
}

const text = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '-', '/', ' ', '.', 'é', '→', '…', '漢', 'ｱ', '\u0301', '\t', '\u001b', '\n'), maxLength: 12 });
const cell: fc.Arbitrary<TableCell> = fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 3 }));

test('the same bytes as cli-table3 with the same frame, escapes and multi-line cells included', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(fc.array(fc.constantFrom('NAME', 'A', 'CLUSTERS', 'WHY'), { minLength: n, maxLength: n }), fc.array(fc.array(cell, { minLength: n, maxLength: n }), { maxLength: 6 }))), ([head, rows]) => {
    assert.equal(asciiTable(head, rows), reference(head, rows));
  }), { numRuns: 300 });
});

test('a control character in a cell cannot forge a row: it is shown escaped', () => {
  const out = asciiTable(['NAME'], [['evil\n| forged |\u001b[2J']]);
  assert.equal(out.split('\n').length, 6, out);
  assert.ok(!out.includes('\u001b'));
});

test('80,000 rows print (a 10k-cluster plan), where cli-table3 took minutes', () => {
  const rows = Array.from({ length: 80_000 }, (_, i) => [`fleet/c${i}`, 'install', `web/app${i % 8}`, ['1.0.0', 'was 0.9.0']]);
  const out = asciiTable(['CLUSTER', 'ACTION', 'RELEASE', 'VERSION'], rows);
  assert.equal(out.split('\n').length, 3 + 160_000 + 2);
});

test('the borderless table of `gitset probe` is what cli-table3 drew without a frame', () => {
  const none = Object.fromEntries(Object.keys(FRAME).map((k) => [k, ''])) as Record<keyof typeof FRAME, string>;
  const draw = (head: string[], rows: string[][]): string => {
    const t = new Table({ head, chars: { ...none, middle: '  ' }, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 } });
    t.push(...rows);
    return `${t.toString().split('\n').map((line) => line.trimEnd()).join('\n')}\n`;
  };
  const line = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '-', ' ', 'é', '→', '漢'), maxLength: 10 });
  fc.assert(fc.property(fc.array(fc.array(line, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 5 }), (rows) => {
    assert.equal(plainTable(['NAME', 'READY', 'MESSAGE'], rows), draw(['NAME', 'READY', 'MESSAGE'], rows));
  }), { numRuns: 200 });
});
