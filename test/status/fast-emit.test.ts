import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { emitStatusYaml } from '../../src/status/fast-emit.ts';
import { renderDocument, sortKeys } from '../../src/status/render.ts';

const OPTIONS = { lineWidth: 0, minContentWidth: 0 };

/** Either declines or writes exactly what the yaml package writes. */
function same(doc: Record<string, unknown>): boolean {
  const fast = emitStatusYaml(doc);
  if (fast === undefined) return false;
  assert.equal(fast, stringify(doc, OPTIONS), JSON.stringify(doc));
  return true;
}

const words = fc.constantFrom(
  'a', 'x', 'civo/cluster1', 'over cap (maxReplicas 1)', '0.1.0', '2024-03-13T09:27:46.000Z', 'sha256:0af3', 'http://127.0.0.1:18080',
  'true', 'True', 'no', 'null', '1', '007', '1.5', '1e3', '0x1f', '-a', '-1', '', ' a', 'a ', 'a: b', 'a #b', 'a  b', 'é', 'a,b', 'k8s.io/x',
  'a\nb\n', 'a\nb', 'a\n\nb\n', 'a\n  b\n', 'list:\n  - a\n  - b\n', '\na', 'a\n\n', 'a  \nb\n', 'a\tb', 'x: "{{ .Cluster.metadata.name }}"\n',
  'v1.29.2+k3s1', 'not ready (3 failed probes: timeout after 5s)', 'paused (spec.paused: true)', 'a: b: c', 'x #1', 'a:  b', 'a: ', ': a', 'a: #b', 'a #', 'true: x', '1: a', 'waiting for civo/x (paused) to install', '~', 'a=b', '(x)', '/p',
);
const scalar = fc.oneof(words, fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.double());
const key = fc.oneof(fc.constantFrom('a', 'name', 'k8s.io/tier', 'app.kubernetes.io/name', 'a_b', '1', 'true', 'x-y', 'b c', ''), fc.string({ maxLength: 4 }));
const node = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(key, tie('v'), { maxKeys: 4 })),
})).v;

test('property: the fast writer writes byte for byte what yaml writes, or declines', () => {
  let taken = 0;
  fc.assert(
    fc.property(fc.dictionary(key, node, { minKeys: 1, maxKeys: 5 }), (doc) => {
      if (same(doc)) taken++;
      if (same(sortKeys(doc) as Record<string, unknown>)) taken++;
    }),
    { numRuns: 3000 },
  );
  // The writer must take a fair share of random documents (mean about 255 of 6,000 here,
  // standard deviation about 14); 1,500 runs and a bound of 100 sat 3 deviations from the mean.
  assert.ok(taken > 200, `took ${taken}`);
});

test('status documents go through the fast writer, and renderDocument matches yaml exactly', () => {
  const doc = sortKeys({
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'ClusterSet',
    metadata: { name: 'prod', labels: { 'app.kubernetes.io/part-of': 'fleet' } },
    spec: { clusterSelector: { matchLabels: { env: 'prod' } }, maxReplicas: 1, helmCharts: [{ values: 'a: 1\nb:\n  - c\n' }] },
    status: {
      matchingClusterRefs: [{ apiVersion: 'lib.projectsveltos.io/v1beta1', kind: 'SveltosCluster', name: 'cluster1', namespace: 'civo' }],
      notSelected: [{ cluster: 'civo/cluster2', reason: 'over-cap', message: 'over cap (maxReplicas 1)' }],
      selectedClusterRefs: [],
    },
  }) as Record<string, unknown>;
  assert.ok(same(doc));
  assert.equal(renderDocument(doc).split('\n').slice(1).join('\n'), stringify(doc, OPTIONS));
});
