// Status files are written by our own writer: their bytes are fixed here, literally, so they
// cannot change with the version of a YAML library, and whatever is written reads back as given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from 'yaml';
import { writeStatusYaml } from '../../src/status/status-writer.ts';
import { renderDocument, sortKeys } from '../../src/status/render.ts';

const doc = {
  apiVersion: 'config.projectsveltos.io/v1beta1',
  kind: 'ClusterProfile',
  metadata: { name: 'hello', labels: { 'app.kubernetes.io/name': 'hello', tier: '1' } },
  spec: {
    helmCharts: [{ chartName: 'local/hello', chartVersion: '0.1.0', values: 'message: "Hello {{ .Cluster.metadata.name }}"\nlist:\n  - a\n\n  - b\n' }],
    tier: 50,
    setRefs: ['prod'],
  },
  status: {
    matchingClusters: [{ apiVersion: 'lib.projectsveltos.io/v1beta1', kind: 'SveltosCluster', name: 'cluster1', namespace: 'civo' }],
    clusters: [
      {
        cluster: 'civo/cluster1',
        releases: [
          {
            releaseName: 'hello',
            releaseNamespace: 'apps',
            chart: 'local/hello',
            chartVersion: '0.1.0',
            state: 'Deployed',
            hash: 'sha256:0af3',
            revision: 2,
            failures: 0,
            lastAppliedTime: '2024-03-13T09:27:46.000Z',
          },
        ],
      },
    ],
    conflicts: ['apps/x on civo/cluster1: conflict, owned by ClusterProfile/a (tier 10)'],
    errors: ['values: {{ .Cluster.spec.x }}: unsupported # not a comment'],
    unsupported: [],
    words: ['yes', 'on', 'No', '0x1', '1e3', '', 'null', '~', ' leading', 'trailing ', 'a: b', 'x #1', 'héllo wörld ✓', 'tab\there', 'line1\nline2', 'ends\n\n', 'true', '007', '1.5', '-a'],
    numbers: [0, -3, 1.5, 1e21, 2.5e-7],
    flags: { on: true, off: false, none: null },
    nested: [[], {}, ['a', ['b']], [{ x: 1 }]],
  },
};

const expected = `# Written by gitset: the observed status of this object. Edit the object itself, not this file.
apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  labels:
    app.kubernetes.io/name: hello
    tier: "1"
  name: hello
spec:
  helmCharts:
    - chartName: local/hello
      chartVersion: 0.1.0
      values: |
        message: "Hello {{ .Cluster.metadata.name }}"
        list:
          - a

          - b
  setRefs:
    - prod
  tier: 50
status:
  clusters:
    - cluster: civo/cluster1
      releases:
        - chart: local/hello
          chartVersion: 0.1.0
          failures: 0
          hash: sha256:0af3
          lastAppliedTime: 2024-03-13T09:27:46.000Z
          releaseName: hello
          releaseNamespace: apps
          revision: 2
          state: Deployed
  conflicts:
    - "apps/x on civo/cluster1: conflict, owned by ClusterProfile/a (tier 10)"
  errors:
    - "values: {{ .Cluster.spec.x }}: unsupported # not a comment"
  flags:
    none: null
    "off": false
    "on": true
  matchingClusters:
    - apiVersion: lib.projectsveltos.io/v1beta1
      kind: SveltosCluster
      name: cluster1
      namespace: civo
  nested:
    - []
    - {}
    - - a
      - - b
    - - x: 1
  numbers:
    - 0
    - -3
    - 1.5
    - 1e+21
    - 2.5e-7
  unsupported: []
  words:
    - "yes"
    - "on"
    - "No"
    - "0x1"
    - "1e3"
    - ""
    - "null"
    - "~"
    - " leading"
    - "trailing "
    - "a: b"
    - "x #1"
    - "héllo wörld ✓"
    - "tab\\there"
    - |-
      line1
      line2
    - "ends\\n\\n"
    - "true"
    - "007"
    - "1.5"
    - "-a"
`;

test('a status file is written byte for byte as fixed here, and reads back as the document', () => {
  const text = renderDocument(doc);
  assert.equal(text, expected);
  assert.deepEqual(parse(text), sortKeys(doc));
});

test('special scalars: quoted where a YAML reader would take them for something else, and read back as written', () => {
  const cases: Array<[unknown, string]> = [
    ['Yes', '"Yes"'],
    ['OFF', '"OFF"'],
    ['y', '"y"'],
    ['.5', '".5"'],
    ['1_000', '"1_000"'],
    ['0o17', '"0o17"'],
    ['+1', '"+1"'],
    ['key:', '"key:"'],
    ['a  b', '"a  b"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['\u0085next', '"\\u0085next"'],
    ['v1.29.2+k3s1', 'v1.29.2+k3s1'],
    ['paused (spec.paused: true)', '"paused (spec.paused: true)"'],
    [Number.NaN, '.nan'],
    [Infinity, '.inf'],
    [-Infinity, '-.inf'],
    [-0, '-0.0'],
    [null, 'null'],
  ];
  for (const [value, written] of cases) {
    const text = writeStatusYaml({ v: value });
    assert.equal(text, `v: ${written}\n`, String(value));
    assert.deepEqual(parse(text), { v: value }, String(value));
  }
  assert.equal(writeStatusYaml({ 'b c': 1, '': 2, '1': 3, y: 4 }), '"1": 3\n"b c": 1\n"": 2\n"y": 4\n');
  assert.equal(writeStatusYaml({ l: ['a\nb\n', ['x\ny']] }), 'l:\n  - |\n    a\n    b\n  - - |-\n      x\n      y\n');
});

const words = fc.constantFrom(
  'a', 'civo/cluster1', 'over cap (maxReplicas 1)', '0.1.0', '2024-03-13T09:27:46.000Z', 'sha256:0af3', 'http://127.0.0.1:18080',
  'true', 'True', 'no', 'null', '1', '007', '1.5', '1e3', '0x1f', '-a', '-1', '', ' a', 'a ', 'a: b', 'a #b', 'a  b', 'é', 'a,b',
  'a\nb\n', 'a\nb', 'a\n\nb\n', 'a\n  b\n', '\na', 'a\n\n', 'a  \nb\n', 'a\tb', '\u2028', '\ufeffx', 'x: "{{ .Cluster.metadata.name }}"\n', '~', '(x)', '/p',
);
const scalar = fc.oneof(words, fc.string({ maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 4 }), fc.integer(), fc.boolean(), fc.constant(null), fc.double());
const key = fc.oneof(fc.constantFrom('a', 'name', 'k8s.io/tier', 'a_b', '1', 'true', 'on', 'x-y', 'b c', ''), fc.string({ maxLength: 4 }));
const node = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(key, tie('v'), { maxKeys: 4 })),
})).v;

test('property: any document of plain data reads back through yaml.parse exactly as it was', () => {
  fc.assert(
    fc.property(fc.dictionary(key, node, { minKeys: 1, maxKeys: 5 }), (d) => {
      const sorted = sortKeys(d) as Record<string, unknown>;
      assert.deepEqual(parse(writeStatusYaml(sorted)), sorted);
    }),
    { numRuns: 2000 },
  );
});

test('property: a one-line string is written plain exactly by the rules committed status was written with', () => {
  // The rules as the regular expressions the writer first had: a status file's bytes never change with the writer's code.
  const special = /^(true|false|null|yes|no|on|off|y|n|~|nan|inf)$/i;
  const numberish = /^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$|^0[xo]/i;
  const plainByRules = (s: string): boolean =>
    s.length > 0 && /^[A-Za-z0-9_/(]/.test(s) && /^[A-Za-z0-9_./:@+=(),~ -]*$/.test(s) && !s.endsWith(' ') && !s.endsWith(':') && !s.includes(': ') && !s.includes('  ') && !special.test(s) && !numberish.test(s);
  const unit = fc.constantFrom('a', 'Y', 'e', 'x', 'o', 'n', '0', '7', '_', '.', '/', ':', '@', '+', '=', '(', ')', ',', '~', ' ', '-', '#', '"', "'", 'é', '\t', '{', '\u0085');
  const text = fc.oneof(words, fc.string({ maxLength: 10 }), fc.string({ unit, maxLength: 8 }), fc.constantFrom('yes', 'Off', 'NaN', 'inf', '1e3', '1_000', '0o7', '0x1', '12:30', 'a:', 'a: ', 'y', '(1)', '1.', '1.5e-3x'));
  fc.assert(
    fc.property(text, (s) => {
      if (s.includes('\n')) return;
      assert.equal(writeStatusYaml({ v: s }) === `v: ${s}\n`, plainByRules(s), JSON.stringify(s));
    }),
    { numRuns: 5000 },
  );
});
