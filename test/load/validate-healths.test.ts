// validateHealths in the repository: the corpus' forms load and are acted on; a CEL rule that does
// not parse, or a check that names no kind, is a validate error at the check; names that would reach
// a URL path are held to Kubernetes' forms; and what gitset does not run is listed, not ignored.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests } from '../../src/load/index.ts';
import { helmHealthChecks, luaScriptProblems } from '../../src/load/validate-healths.ts';
import type { Diagnostic } from '../../src/model/diagnostics.ts';

const load = (checks: string) =>
  parseManifests([
    {
      path: 'p.yaml',
      text: `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: kyverno
spec:
  clusterSelector:
    matchLabels: {env: prod}
  validateHealths:
${checks}`,
    },
  ]);
const where = (d: Diagnostic) => `${d.file}:${d.line}:${d.col} ${d.severity} ${d.code} ${d.field}`;

describe('validateHealths in the repository', () => {
  test('Lua and CEL checks of the helm feature load without a word, and are the ones run', () => {
    const repo = load(`  - name: lua
    featureID: Helm
    group: apps
    version: v1
    kind: Deployment
    namespace: kyverno
    labelFilters: [{key: app.kubernetes.io/name, operation: Equal, value: kyverno}, {key: legacy, operation: DoesNotHave}]
    script: "function evaluate() return {healthy = true} end"
  - name: cel
    featureID: Helm
    group: apps
    version: v1
    kind: Deployment
    evaluateCEL: [{name: replicas, rule: resource.status.availableReplicas == resource.spec.replicas}]
`);
    assert.deepEqual(repo.diagnostics.map(where), []);
    assert.deepEqual(helmHealthChecks(repo.profiles[0]!).map((c) => c.name), ['lua', 'cel']);
  });

  test('a CEL rule that does not parse, and a check without a kind, are errors at the check', () => {
    const repo = load(`  - name: broken
    featureID: Helm
    group: apps
    version: v1
    kind: Deployment
    evaluateCEL: [{name: half, rule: "resource.spec.replicas =="}]
  - name: nothing
    featureID: Helm
    script: "function evaluate() return {healthy = true} end"
`);
    assert.deepEqual(repo.diagnostics.map(where), [
      'p.yaml:9:5 error bad-health-check spec.validateHealths[0].evaluateCEL[0].rule',
      'p.yaml:15:5 error bad-health-check spec.validateHealths[1]',
    ]);
    assert.match(repo.diagnostics[0]!.message, /CEL rule half does not parse/);
  });

  test('a Lua script that does not compile is a validate error at the check, with Lua\'s line', async () => {
    const repo = load(`  - name: fine
    featureID: Helm
    version: v1
    kind: Pod
    script: "function evaluate() return {healthy = true} end"
  - name: typo
    featureID: Helm
    version: v1
    kind: Pod
    script: |
      function evaluate()
        return {healthy = true
      end
`);
    const problems = await luaScriptProblems(repo.profiles);
    assert.deepEqual(problems.map(where), ['p.yaml:14:5 error bad-health-check spec.validateHealths[1].script']);
    assert.match(problems[0]!.message, /Lua script of typo does not compile: line 3: '}' expected \(to close '\{' at line 2\) near 'end'/);
    assert.deepEqual(await luaScriptProblems([]), [], 'no scripts: the VM is not even loaded');
  });

  test('a group, version, kind or label that is not a Kubernetes name is a schema error', () => {
    const repo = load(`  - name: traversal
    featureID: Helm
    group: ../../api/v1/secrets
    version: v1
    kind: Deployment
  - name: label
    featureID: Helm
    version: v1
    kind: Pod
    labelFilters: [{key: "a,b", operation: Equal, value: "x&y=z"}]
`);
    const fields = repo.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.field}`);
    assert.deepEqual(fields, ['schema spec.validateHealths[0].group', 'schema spec.validateHealths[1].labelFilters[0].key', 'schema spec.validateHealths[1].labelFilters[0].value']);
  });

  test('jobCheck, metric sources and checks of other features are listed as not acted on', () => {
    const repo = load(`  - name: job
    featureID: Helm
    jobCheck: {jobRef: {kind: ConfigMap, namespace: kyverno, name: smoke}}
  - name: metrics
    featureID: Helm
    metricSource: {url: "http://prometheus:9090"}
    script: "function evaluate() return {healthy = true} end"
  - name: resources
    featureID: Resources
    version: v1
    kind: ConfigMap
    script: "function evaluate() return {healthy = true} end"
`);
    const unsupported = repo.diagnostics.filter((d) => d.code === 'unsupported-field').map((d) => d.field);
    assert.deepEqual(unsupported, ['spec.validateHealths[0].jobCheck', 'spec.validateHealths[1].metricSource', 'spec.validateHealths[2].featureID']);
    assert.deepEqual(helmHealthChecks(repo.profiles[0]!), []);
  });
});
