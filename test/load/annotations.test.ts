// gitset.dev/ annotations as the loader validates them: every bad value is an error at the
// value's file:line:col; unknown keys and keys on the wrong kind are warnings; pins must name
// clusters of the repository.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests } from '../../src/load/index.ts';
import { parseBudget, parseDrainTimeout, parsePin, parseTime } from '../../src/load/annotations.ts';

const load = (text: string) => parseManifests([{ path: 'fleet.yaml', text }]);
const where = (d: { file: string; line: number; col: number; severity: string; code: string }): string => `${d.file}:${d.line}:${d.col} ${d.severity} ${d.code}`;

const clusters = `apiVersion: lib.projectsveltos.io/v1beta1
kind: SveltosCluster
metadata:
  name: cluster1
  namespace: civo
  labels: {env: prod}
  annotations:
    gitset.dev/cordon: "kernel upgrade"
    gitset.dev/cordon-until: "tomorrow"
---
apiVersion: lib.projectsveltos.io/v1beta1
kind: SveltosCluster
metadata:
  name: cluster2
  namespace: civo
  labels: {env: prod}
  annotations:
    gitset.dev/pin: "civo/cluster1"
    gitset.dev/colour: blue
`;

const set = (annotations: string) => `---
apiVersion: lib.projectsveltos.io/v1beta1
kind: ClusterSet
metadata:
  name: prod
  annotations:
${annotations}
spec: {clusterSelector: {matchLabels: {env: prod}}, maxReplicas: 1}
`;

describe('gitset.dev/ annotations in the loader', () => {
  test('bad values are errors at the value; unknown keys and wrong kinds are warnings', () => {
    const repo = load(
      clusters +
        set(`    gitset.dev/failover-grace: "soon"
    gitset.dev/failover-budget: "2 per hour"
    gitset.dev/pin: "civo/cluster1, civo/nowhere"`),
    );
    const found = repo.diagnostics.filter((d) => d.code === 'bad-annotation').map((d) => `${where(d)} ${d.message}`);
    assert.equal(found.length, 6, found.join('\n'));
    assert.match(found[0]!, /^fleet\.yaml:9:30 error bad-annotation SveltosCluster\/civo\/cluster1: annotation gitset\.dev\/cordon-until: "tomorrow" is not an RFC 3339 time/);
    assert.match(found[1]!, /^fleet\.yaml:18:21 warning .*gitset\.dev\/pin has no effect on a SveltosCluster/);
    assert.match(found[2]!, /^fleet\.yaml:19:24 warning .*gitset\.dev\/colour is not one gitset knows/);
    assert.ok(found.some((f) => /^fleet\.yaml:\d+:\d+ error .*failover-grace: "soon" is not a duration/.test(f)), found.join('\n'));
    assert.ok(found.some((f) => /error .*failover-budget: "2 per hour" is not a budget/.test(f)), found.join('\n'));
    assert.ok(found.some((f) => /error .*gitset\.dev\/pin names civo\/nowhere: no SveltosCluster/.test(f)), found.join('\n'));
  });

  test('gitset.dev/drain-timeout: a duration longer than 0, on sets only', () => {
    for (const bad of ['soon', '0', '10']) {
      const repo = load(clusters + set(`    gitset.dev/drain-timeout: "${bad}"`));
      const found = repo.diagnostics.filter((d) => d.field === 'metadata.annotations.gitset.dev/drain-timeout');
      assert.equal(found.length, 1, bad);
      assert.equal(found[0]!.severity, 'error');
      assert.equal(`${found[0]!.line}:${found[0]!.col}`, '26:31', bad);
      assert.match(found[0]!.message, new RegExp(`annotation gitset\\.dev/drain-timeout: "${bad}" is not a duration longer than 0 such as 10m`));
    }
    const good = load(clusters + set('    gitset.dev/drain-timeout: "30m"'));
    assert.deepEqual(good.diagnostics.filter((d) => d.field === 'metadata.annotations.gitset.dev/drain-timeout'), []);
  });

  test('good values load without a diagnostic', () => {
    const repo = load(
      clusters.replace('"tomorrow"', '"2026-12-01T06:00:00Z"').replace(/    gitset.dev\/pin.*\n    gitset.dev\/colour: blue\n/, '') +
        set(`    gitset.dev/failover-grace: "1m30s"
    gitset.dev/failover-budget: "2/1h"
    gitset.dev/pin: "civo/cluster2"`),
    );
    assert.deepEqual(repo.diagnostics.filter((d) => d.code === 'bad-annotation'), []);
    assert.equal(repo.sets[0]!.metadata.annotations!['gitset.dev/pin'], 'civo/cluster2');
  });

  test('value parsers', () => {
    assert.deepEqual(parseBudget('2/1h'), { count: 2, windowMs: 3_600_000, text: '2/1h' });
    assert.equal(parseBudget('2/0s'), undefined);
    assert.equal(parseDrainTimeout('1h30m'), 5_400_000);
    assert.equal(parseDrainTimeout('0s'), undefined);
    assert.equal(parseTime('2026-05-01T06:00:00+02:00'), Date.parse('2026-05-01T04:00:00Z'));
    assert.equal(parseTime('2026-05-01 06:00'), undefined);
    assert.deepEqual(parsePin('cluster1, eng/cluster2', 'eng'), { keys: ['eng/cluster1', 'eng/cluster2'] });
    assert.match(parsePin('civo/cluster1', 'eng').error ?? '', /another namespace/);
    assert.match(parsePin('cluster1', undefined).error ?? '', /namespace\/name/);
  });
});
