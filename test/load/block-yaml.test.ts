// The block-style manifest reader either declines or reads exactly what the `yaml` package reads, and
// places every field (present or absent) where the parser's locator does: error positions must
// not depend on which reader took a file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { LineCounter, parseAllDocuments, stringify } from 'yaml';
import { readBlockYaml } from '../../src/load/block-yaml.ts';
import { createLocator, createShapeLocator, type FieldPath, type PointAt } from '../../src/load/positions.ts';
import { parseFile } from '../../src/load/index.ts';
import { generateFleet } from '../../bench/generate.ts';

const POINTS: PointAt[] = ['value', 'key', 'parent'];

/** Every path of `value`, and beside each a path that is absent (a missing key, an index past the end). */
function paths(value: unknown, prefix: FieldPath = []): FieldPath[] {
  const out: FieldPath[] = [prefix, [...prefix, 'absent'], [...prefix, 7]];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

/** Either declines (false) or agrees with yaml on values and places; throws on any difference. */
function agrees(text: string, name = 'doc.yaml'): boolean {
  const block = readBlockYaml(text);
  if (block === undefined) return false;
  const lc = new LineCounter();
  const full = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: false });
  assert.ok(Array.isArray(full), `block-style reader accepted what yaml rejects:\n${text}`);
  const docs = full.filter((d) => d.toJS() !== null); // empty documents (a comment alone) hold nothing
  for (const d of docs) assert.deepEqual(d.errors, [], `block-style reader accepted what yaml rejects:\n${text}`);
  assert.equal(block.length, docs.length, `document count:\n${text}`);
  block.forEach((doc, i) => {
    const slow = createLocator(name, docs[i]!, lc);
    assert.deepEqual(doc.value, docs[i]!.toJS(), `value of document ${i}:\n${text}`);
    const loc = createShapeLocator(name, doc.shape, () => slow);
    for (const path of paths(doc.value)) {
      for (const point of POINTS) assert.deepEqual(loc.at(path, point), slow.at(path, point), `${path.join('.')} (${point}):\n${text}`);
    }
  });
  return true;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(name) ? [p] : [];
  });
}

test('example repository, fixtures and the Sveltos corpus: the block-style reader agrees with yaml or declines', () => {
  const root = new URL('../..', import.meta.url).pathname;
  const files = [...yamlFiles(join(root, 'example-repo')), ...yamlFiles(join(root, 'test')), ...yamlFiles(new URL('../../../shared/corpus/sveltos-docs/', import.meta.url).pathname)];
  let taken = 0;
  for (const f of files) if (agrees(readFileSync(f, 'utf8'), f)) taken++;
  assert.ok(taken > files.length / 2, `the block-style reader should take most real manifests (took ${taken} of ${files.length})`);
});

test('a generated fleet is read entirely by the block-style reader, as yaml reads it', () => {
  const fleet = generateFleet({ clusters: 60, sets: 20, profiles: 20, seed: 7 });
  for (const f of fleet.files) assert.ok(agrees(f.text, f.path), `declined ${f.path}`);
});

test('shapes people write: comments, compact and indented lists, literals, quoting, several documents', () => {
  const cases = [
    '# header\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  # the name\n  name: x\n\n  labels:\n    a: "1"\ndata:\n  k: |\n    line\n\n    # not a comment\n  other: |-\n      deeper\n  keep: |+\n    kept\n\n# after\n',
    'a:\n- x\n- y: 1\n  z: [] \nb:\n    - 1\n    - -2\nc: {}\n',
    '---\na: 1\n---\n# only a comment\n---\nb: \'it\'\'s\'\n...\n',
    '---\na: 1\n---\n# only a comment\n---\nb: \'it\'\'s\'\n',
    'a: 1\n---\n',
    'k: v   \nn: ~\nt: True\nf: FALSE\nq: "a \\"b\\" \\u00e9"\n',
    'a:\n  b:\n    c: |\n     odd indent\n  d: x\n',
    'list:\n- |\n  literal item\n- plain\n',
    'a: |\n  no final newline',
    'a: 007\nb: 1.5\nc: 0x1F\n',
    'a: b: c\n',
    'values: [a, b1, "q", 3]\nempty: [ ]\nx: [a,b]\n',
    'a: x\n  continued\n',
    'a:\n  - x\n  -\n    y: 1\n',
    'url: http://h:80/p\nkey: a:b\nhash: a#b\n',
  ];
  let taken = 0;
  for (const text of cases) if (agrees(text)) taken++;
  assert.ok(taken >= 7, `took ${taken}`);
});

const key = fc.oneof({ arbitrary: fc.constantFrom('name', 'k8s.io/tier', 'a_b', 'x-y.z', 'spec'), weight: 12 }, fc.constantFrom('1', 'true', 'False', 'NULL', 'null', '1e3', '0x1F', '0o7', '1.5', '12', '1abc', '9lives', 'truth', '<<', '__proto__'), fc.string({ maxLength: 6 }));
const scalar = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-z][a-z0-9.-]{0,8}$/), weight: 12 },
  fc.string(),
  fc.constantFrom('', 'true', 'True', 'null', '~', '0', '007', '1.5', '-1', '0x1F', '.inf', 'a: b', 'a #b', '- x', '0.1.0', 'http://127.0.0.1:18080', "it's", 'line\n', 'a\n\nb\n\n', '\n\nx', ' lead', 'trail ', '"q"', '#c'),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 4 })),
})).node;

test('property: on documents yaml writes, with comments and documents between, the block-style reader agrees or declines', () => {
  let accepted = 0;
  fc.assert(
    fc.property(fc.array(fc.dictionary(key, value, { minKeys: 1, maxKeys: 5 }), { minLength: 1, maxLength: 3 }), fc.boolean(), fc.nat(6), (docs, indentSeq, comment) => {
      const texts = docs.map((d) => stringify(d, { indentSeq, lineWidth: 0 }));
      // A comment line at the top level or inside, where an author might put one.
      const withComment = texts.map((t) => t.split('\n').flatMap((l, i) => (i === comment && !/^\s*[|>-]/.test(l) ? ['# note', l] : [l])).join('\n'));
      if (agrees(texts.join('---\n'))) accepted++;
      if (agrees(withComment.join('---\n'))) accepted++;
    }),
    { numRuns: 400 },
  );
  assert.ok(accepted > 50, `the reader should take plenty of random documents too (took ${accepted})`);
});

test('an error inside a selector string is placed by the full parser when the block-style reader took the file', () => {
  const text = 'apiVersion: lib.projectsveltos.io/v1alpha1\nkind: ClusterSet\nmetadata:\n  name: s\nspec:\n  clusterSelector: env in (prod\n  maxReplicas: 1\n';
  assert.ok(readBlockYaml(text));
  const d = parseFile('s.yaml', text).diagnostics.find((x) => x.code === 'selector-syntax');
  assert.ok(d, 'a selector-syntax error');
  assert.equal(d.line, 6);
  assert.ok(d.col > 20, `points inside the string (col ${d.col})`);
});
