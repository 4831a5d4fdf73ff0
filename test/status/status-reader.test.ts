import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { parseStatusYaml, readStatusYaml, splitKey } from '../../src/status/status-reader.ts';
import { renderDocument, sortKeys } from '../../src/status/render.ts';
import { certify } from '../../src/status/certified.ts';

/** Either declines (undefined) or reads exactly what the full parser reads. */
function agrees(text: string): boolean {
  const fast = parseStatusYaml(text);
  if (fast === undefined) return false;
  let full: unknown;
  try {
    full = parse(text);
  } catch {
    assert.fail(`fast reader accepted what yaml rejects:\n${text}`);
  }
  assert.deepEqual(fast, full, text);
  return true;
}

const key = fc.oneof(fc.constantFrom('name', 'k8s.io/tier', 'a_b', '1', 'true', 'x-y.z'), fc.string({ maxLength: 6 }));
const scalar = fc.oneof(
  fc.string(),
  fc.constantFrom('', 'true', 'True', 'null', '~', '0', '007', '1.5', '-1', '0x1F', '.inf', 'a: b', 'a #b', '- x', '0.1.0', 'sha256:ab', 'http://127.0.0.1:18080', "it's", 'line\n', 'a\n\nb\n\n', ' lead', 'trail ', '"q"', 'a\rb', 'a\u2028b', 'b\u2029'),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.double(),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 4 })),
})).node;

test('property: on any document the renderer can write, the status reader agrees with yaml or declines', () => {
  let accepted = 0;
  fc.assert(
    fc.property(fc.dictionary(key, value, { minKeys: 1, maxKeys: 5 }), (doc) => {
      if (agrees(renderDocument(doc))) accepted++;
      if (agrees(stringify(doc))) accepted++;
    }),
    { numRuns: 600 },
  );
  assert.ok(accepted > 30, `the reader should take plenty of random documents too (took ${accepted})`);
});

test('status-shaped documents are read by the status reader', () => {
  const doc = {
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterProfile',
    metadata: { name: 'hello', labels: { 'app.kubernetes.io/name': 'x', zone: '1' } },
    spec: { helmCharts: [{ chartVersion: '0.1.0', values: 'message: "Hello {{ .Cluster.metadata.name }}"\nlist:\n  - a\n\n  - b\n' }], tier: 50, setRefs: ['prod'], emptyList: [], emptyMap: {} },
    status: {
      clusters: [{ cluster: 'civo/cluster2', releases: [{ hash: 'sha256:00', revision: 2, state: 'Deployed', lastAppliedTime: '2024-03-13T09:27:46.000Z', lastError: 'error: "quoted": x # y' }] }],
      matchingClusters: [{ apiVersion: 'lib.projectsveltos.io/v1beta1', kind: 'SveltosCluster', name: 'cluster2', namespace: 'civo' }],
    },
  };
  assert.ok(agrees(renderDocument(doc)));
});

test('hand edits outside the subset are declined, never misread', () => {
  const declined = [
    'a: {b: 1}\n',
    'a: &x 1\nb: *x\n',
    'a: 1 # note\n',
    'a:\n\tb: 1\n',
    'a: 1\n---\nb: 2\n',
    'a: plain\n  continued\n',
    'a: >\n  folded\n',
    'a: |2\n    indented\n',
    'a: 1.0\n',
    'a: 0x10\n',
    '? complex\n: key\n',
    // Line terminators other than \n in a value: yaml reads 'a: b\u2028c' as 'b c'.
    'a: b\u2028c\n',
    'a: b\rc\n',
    'a:\n  - x\u2029y\n',
  ];
  for (const text of declined) assert.equal(parseStatusYaml(text), undefined, text);
  assert.deepEqual(parseStatusYaml('# header\na: 1\nb:\n  - x\n  - y: 2\n    z: "q\\n"\n'), { a: 1, b: ['x', { y: 2, z: 'q\n' }] });
});

test('property: a `key: value` line is split as the regular expression it replaces would', () => {
  const KEY = /^([A-Za-z0-9_][A-Za-z0-9_./-]*): ?(.*)$/;
  const part = fc.oneof(fc.constantFrom('a', 'k8s.io/tier', '_x', '-', '.', '/', ':', ': ', ' ', '\r', '\u2028', '#', '9'), fc.string({ maxLength: 4 }));
  fc.assert(
    fc.property(fc.array(part, { maxLength: 6 }), (parts) => {
      const line = parts.join('');
      const m = KEY.exec(line);
      assert.deepEqual(splitKey(line), m ? [m[1], m[2]] : undefined, JSON.stringify(line));
    }),
    { numRuns: 2000 },
  );
});

describe('a status file certified as what gitset writes', () => {
  // Status-shaped documents, which the reader mostly takes (the generators above mostly make it decline).
  const statusKey = fc.constantFrom('name', 'kind', 'k8s.io/tier', 'a_b', 'x-y.z', 'zone', 'ready', 'releases');
  const statusScalar = fc.oneof(
    fc.constantFrom('civo/cluster1', 'Deployed', '0.1.0', '2024-03-13T09:27:46.000Z', 'sha256:0af3', 'over cap (maxReplicas 1)', 'true', '', 'a: b', 'x\ny\n', 'x\ny', 'é'),
    fc.string({ unit: fc.constantFrom('a', '1', ' ', ':', '-', '"', '\n', '#'), maxLength: 6 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
  );
  const statusValue = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, statusScalar, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(statusKey, tie('node'), { maxKeys: 4 })),
  })).node;
  const statusDoc = fc.dictionary(statusKey, statusValue, { minKeys: 1, maxKeys: 5 });
  const certified = (text: string): unknown => {
    const read = readStatusYaml(text);
    return read && certify(text, read)?.doc;
  };

  test('property: every file the renderer writes and the reader takes is certified, with what was written', () => {
    let taken = 0;
    fc.assert(
      fc.property(statusDoc, (doc) => {
        const text = renderDocument(doc);
        const read = readStatusYaml(text);
        if (read === undefined) return;
        taken++;
        assert.deepEqual(certified(text), sortKeys(doc), text);
      }),
      { numRuns: 600 },
    );
    assert.ok(taken > 100, `the reader should take most rendered documents (took ${taken})`);
  });

  test('property: an edited file is certified only when it still is byte for byte what rendering its content writes', () => {
    const edits = fc.constantFrom(' ', '  ', '\n', '\n\n', '# note\n', ' # note', '"', "'", '0', '.0', 'a', 'Z', '-', '- ', ': ', 'zz: 1\n', 'aa: 1\n', '\t', '|', '|+', '~');
    let certifiedEdits = 0;
    fc.assert(
      fc.property(statusDoc, fc.array(fc.tuple(fc.nat(), fc.oneof(edits, fc.constant(''))), { minLength: 1, maxLength: 3 }), (doc, changes) => {
        let text = renderDocument(doc);
        for (const [at, insert] of changes) {
          const i = at % (text.length + 1);
          // An empty insert deletes the character there instead.
          text = insert === '' ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + insert + text.slice(i);
        }
        const read = certified(text);
        if (read === undefined) return;
        certifiedEdits++;
        assert.equal(renderDocument(read as object), text);
      }),
      { numRuns: 3000 },
    );
    assert.ok(certifiedEdits > 50, `edits that keep the canonical form (a changed value) are certified too (${certifiedEdits})`);
  });

  test('hand edits that read back the same are not certified', () => {
    const text = renderDocument({ kind: 'SveltosCluster', metadata: { name: 'c1', namespace: 'civo' }, spec: { list: ['a', 'b'], text: 'x\ny\n' }, status: { ready: true, version: 'v1.29.2' } });
    assert.ok(certified(text));
    const edits = [
      text.replace('ready: true', 'ready: True'),
      text.replace('version: v1.29.2', 'version: "v1.29.2"'),
      text.replace('ready: true', 'ready:  true'),
      text.replace('kind: SveltosCluster\n', 'kind: SveltosCluster # the object\n'),
      text.replace('status:\n', 'status: \n'),
      text.replace('  list:\n', '  list:  \n'),
      `${text}\n`,
      text.replace('\n', '\n# reviewed\n'),
      text.replace('metadata:\n  name: c1\n  namespace: civo\n', 'metadata:\n  namespace: civo\n  name: c1\n'),
      text.replace('    y\n', '    y\n\n'),
      text.slice(0, -1),
      text.replace(/^# .*\n/, ''),
      // The document as the one item of a top-level sequence: canonical YAML, not what gitset writes.
      text.split('\n').map((line, i) => (i === 0 || line === '' ? line : i === 1 ? `- ${line}` : `  ${line}`)).join('\n'),
    ];
    for (const edited of edits) {
      assert.notEqual(edited, text);
      assert.equal(certified(edited), undefined, edited);
    }
  });
});
