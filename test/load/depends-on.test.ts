// Repository checks of dependsOn, and the helm options gitset lists instead of ignoring.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests, unsupportedFields } from '../../src/load/index.ts';

const cp = (name: string, deps: string[]) => `apiVersion: config.projectsveltos.io/v1beta1\nkind: ClusterProfile\nmetadata:\n  name: ${name}\nspec:\n  clusterSelector: {matchLabels: {env: prod}}\n  dependsOn:\n${deps.map((d) => `  - ${d}\n`).join('')}`;
const profile = (ns: string, name: string, deps: string[]) => `apiVersion: config.projectsveltos.io/v1beta1\nkind: Profile\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  clusterSelector: {matchLabels: {env: prod}}\n  dependsOn: [${deps.join(', ')}]\n`;

function load(files: Record<string, string>) {
  return parseManifests(Object.entries(files).map(([path, text]) => ({ path, text }))).diagnostics.filter((d) => d.severity === 'error');
}

describe('dependsOn in validate', () => {
  test('a name that is no profile of the same kind is an error at the entry', () => {
    const errors = load({ 'a.yaml': cp('a', ['kyverno', 'b']), 'b.yaml': cp('b', []) });
    assert.deepEqual(errors.map((e) => `${e.file}:${e.line}:${e.col} ${e.code} ${e.field}`), ['a.yaml:8:5 dangling-depends-on spec.dependsOn[0]']);
    assert.match(errors[0]!.message, /ClusterProfile\/a: spec\.dependsOn\[0\] names "kyverno": no ClusterProfile of that name/);
  });

  test('a Profile depends on Profiles of its own namespace only', () => {
    const errors = load({ 'a.yaml': profile('eng', 'a', ['b']), 'b.yaml': profile('ops', 'b', []), 'c.yaml': cp('b', []) });
    assert.deepEqual(errors.map((e) => e.code), ['dangling-depends-on']);
    assert.match(errors[0]!.message, /no Profile of that name in namespace eng/);
  });

  test('a cycle is an error at every entry on it, each naming the whole cycle with files and lines', () => {
    const errors = load({ 'a.yaml': cp('a', ['b']), 'b.yaml': cp('b', ['c']), 'c.yaml': cp('c', ['a']), 'self.yaml': cp('self', ['self']), 'ok.yaml': cp('ok', ['a']) });
    assert.deepEqual(errors.map((e) => `${e.file}:${e.line} ${e.code}`), ['a.yaml:8 depends-on-cycle', 'b.yaml:8 depends-on-cycle', 'c.yaml:8 depends-on-cycle', 'self.yaml:8 depends-on-cycle']);
    assert.match(errors[0]!.message, /ClusterProfile\/a \(a\.yaml:8:5\) → ClusterProfile\/b \(b\.yaml:8:5\) → ClusterProfile\/c \(c\.yaml:8:5\) → ClusterProfile\/a/);
  });
});

describe('helm options gitset cannot honour are listed, not ignored', () => {
  test('enableClientCache, recoverAfterConsecutiveFailures, upgradeCRDs and recreate are unsupported; the rest map to helm', () => {
    const options = {
      enableClientCache: true, disableOpenAPIValidation: true, runTests: true, disableHooks: true,
      installOptions: { replace: false, takeOwnership: true, disableHooks: true, recoverAfterConsecutiveFailures: 5 },
      upgradeOptions: { upgradeCRDs: true, takeOwnership: true, disableHooks: true, recreate: true },
      uninstallOptions: { disableHooks: true },
    };
    const spec = { helmCharts: [{ releaseName: 'r', releaseNamespace: 'n', chartName: 'c', chartVersion: '1', repositoryURL: 'https://x', repositoryName: 'x', options }] };
    assert.deepEqual(unsupportedFields({ spec }), [
      'spec.helmCharts[0].options.enableClientCache',
      'spec.helmCharts[0].options.installOptions.recoverAfterConsecutiveFailures',
      'spec.helmCharts[0].options.upgradeOptions.upgradeCRDs',
      'spec.helmCharts[0].options.upgradeOptions.recreate',
    ]);
    assert.deepEqual(unsupportedFields({ spec: { dependsOn: ['a'], continueOnConflict: true } }), []);
  });
});
