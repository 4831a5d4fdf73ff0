import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chartReference,
  listArgs,
  replaceInstallArgs,
  uninstallArgs,
  upgradeInstallArgs,
} from '../../src/helm/args.ts';
import { classifyStderr, stderrSummary } from '../../src/helm/errors.ts';
import { callDeadline } from '../../src/helm/install-upgrade.ts';
import type { ReleaseRequest } from '../../src/model/ports.ts';

const target = { cluster: 'civo/cluster1', kubeconfigPath: '/creds/civo/cluster1.kubeconfig' };
const base: ReleaseRequest = {
  releaseNamespace: 'kyverno',
  releaseName: 'kyverno-latest',
  repositoryURL: 'https://kyverno.github.io/kyverno/',
  repositoryName: 'kyverno',
  chartName: 'kyverno/kyverno',
  chartVersion: '3.3.4',
  values: '',
};

/** The value following `flag` in args, or undefined. */
const flagValue = (args: string[], flag: string): string | undefined => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};

describe('chartReference', () => {
  test('classic repository: `repo/chart` becomes --repo <url> chart', () => {
    assert.deepEqual(chartReference(base), { chart: 'kyverno', repo: 'https://kyverno.github.io/kyverno/' });
    assert.deepEqual(chartReference({ ...base, chartName: 'kyverno' }), { chart: 'kyverno', repo: base.repositoryURL });
  });
  test('OCI registry: the chart name is appended to the reference', () => {
    const oci = { repositoryURL: 'oci://registry-1.docker.io/bitnamicharts/', repositoryName: 'oci-vault', chartName: 'vault' };
    assert.deepEqual(chartReference(oci), { chart: 'oci://registry-1.docker.io/bitnamicharts/vault' });
    assert.deepEqual(chartReference({ ...oci, chartName: 'oci://ghcr.io/x/y' }), { chart: 'oci://ghcr.io/x/y' });
  });
  test('other schemes are refused with INVALID_REQUEST', () => {
    assert.throws(() => chartReference({ ...base, repositoryURL: 'gitrepository://flux-system/flux' }), { code: 'INVALID_REQUEST' });
  });
});

describe('upgradeInstallArgs', () => {
  test('Sveltos defaults: create the namespace, keep 2 revisions, JSON output, reset values when none given', () => {
    const args = upgradeInstallArgs(target, base, undefined, 'v4');
    assert.deepEqual(args.slice(0, 2), ['upgrade', '--install']);
    assert.deepEqual(args.slice(-3), ['--', 'kyverno-latest', 'kyverno'], 'options end before the positionals');
    assert.equal(flagValue(args, '--repo'), base.repositoryURL);
    assert.equal(flagValue(args, '--namespace'), 'kyverno');
    assert.equal(flagValue(args, '--kubeconfig'), target.kubeconfigPath);
    assert.equal(flagValue(args, '--version'), '3.3.4');
    assert.equal(flagValue(args, '--history-max'), '2');
    assert.equal(flagValue(args, '--output'), 'json');
    assert.ok(args.includes('--create-namespace'));
    assert.ok(args.includes('--reset-values'));
    assert.ok(!args.includes('--values'));
  });

  test('values come from the given file; createNamespace: false and maxHistory are honoured', () => {
    const args = upgradeInstallArgs(
      target,
      { ...base, values: 'a: 1', options: { installOptions: { createNamespace: false }, upgradeOptions: { maxHistory: 5 } } },
      '/tmp/v/values.yaml',
      'v4',
    );
    assert.equal(flagValue(args, '--values'), '/tmp/v/values.yaml');
    assert.ok(!args.includes('--reset-values'));
    assert.ok(!args.includes('--create-namespace'));
    assert.equal(flagValue(args, '--history-max'), '5');
  });

  test('every HelmOption maps to the flag the helm version accepts', () => {
    const options = {
      wait: true, waitForJobs: true, timeout: '10m', atomic: true, skipCRDs: true, disableHooks: true,
      dependencyUpdate: true, labels: { team: 'a', tier: 'b' }, description: 'from gitset',
      upgradeOptions: { force: true, reuseValues: true, cleanupOnFail: true, subNotes: true },
    };
    const v4 = upgradeInstallArgs(target, { ...base, options }, undefined, 'v4');
    for (const f of ['--wait=watcher', '--wait-for-jobs', '--rollback-on-failure', '--skip-crds', '--no-hooks', '--dependency-update', '--force-replace', '--server-side=false', '--reuse-values', '--cleanup-on-fail', '--render-subchart-notes']) {
      assert.ok(v4.includes(f), `v4 has ${f}`);
    }
    assert.ok(!v4.includes('--reset-values'), 'reuseValues suppresses the default reset');
    assert.equal(flagValue(v4, '--timeout'), '10m');
    assert.equal(flagValue(v4, '--labels'), 'team=a,tier=b');
    assert.equal(flagValue(v4, '--description'), 'from gitset');
    const v3 = upgradeInstallArgs(target, { ...base, options }, undefined, 'v3');
    for (const f of ['--wait', '--atomic', '--force']) assert.ok(v3.includes(f), `v3 has ${f}`);
    assert.ok(!v3.includes('--rollback-on-failure') && !v3.includes('--force-replace'));
  });

  test('a label that helm cannot express is refused rather than mangled', () => {
    assert.throws(() => upgradeInstallArgs(target, { ...base, options: { labels: { a: 'x,y' } } }, undefined, 'v4'), { code: 'INVALID_REQUEST' });
  });
});

describe('flag smuggling', () => {
  const smuggled = '--post-renderer=/bin/sh';
  test('a release name starting with "-" never reaches helm: INVALID_REQUEST', () => {
    assert.throws(() => upgradeInstallArgs(target, { ...base, releaseName: smuggled }, undefined, 'v4'), { code: 'INVALID_REQUEST' });
    assert.throws(() => replaceInstallArgs(target, { ...base, releaseName: smuggled }, undefined, 'v4'), { code: 'INVALID_REQUEST' });
    assert.throws(() => uninstallArgs(target, { releaseNamespace: 'ns', releaseName: smuggled }, 'v4'), { code: 'INVALID_REQUEST' });
  });
  test('nor does a chart name whose segment after the repository starts with "-"', () => {
    assert.throws(() => upgradeInstallArgs(target, { ...base, chartName: `kyverno/${smuggled}` }, undefined, 'v4'), { code: 'INVALID_REQUEST' });
    assert.throws(() => upgradeInstallArgs(target, { ...base, chartName: smuggled }, undefined, 'v4'), { code: 'INVALID_REQUEST' });
  });
  test('a chart name helm would read as a local path is refused', () => {
    for (const chartName of ['kyverno/../../etc/charts/x', '/etc/charts/x', 'kyverno/..', 'kyverno\\x']) {
      assert.throws(() => chartReference({ ...base, chartName }), { code: 'INVALID_REQUEST' }, chartName);
    }
  });
  test('every argument list ends its options with "--" before the positionals', () => {
    const upgrade = upgradeInstallArgs(target, base, '/tmp/v.yaml', 'v4');
    assert.equal(upgrade.indexOf('--'), upgrade.length - 3);
    const replace = replaceInstallArgs(target, base, undefined, 'v4');
    assert.deepEqual(replace.slice(0, 2), ['install', '--replace']);
    assert.deepEqual(replace.slice(-3), ['--', 'kyverno-latest', 'kyverno']);
  });
});

describe('uninstallArgs and listArgs', () => {
  test('uninstall maps the uninstall options', () => {
    const args = uninstallArgs(
      target,
      { releaseNamespace: 'ns', releaseName: 'r', options: { uninstallOptions: { keepHistory: true, deletionPropagation: 'Foreground', description: 'bye' } } },
      'v4',
    );
    assert.deepEqual(args.slice(0, 3), ['uninstall', '--namespace', 'ns']);
    assert.deepEqual(args.slice(-2), ['--', 'r'], 'options end before the positional');
    assert.ok(args.includes('--keep-history'));
    assert.equal(flagValue(args, '--cascade'), 'foreground');
    assert.equal(flagValue(args, '--description'), 'bye');
    assert.throws(() => uninstallArgs(target, { releaseNamespace: 'ns', releaseName: 'r', options: { uninstallOptions: { deletionPropagation: 'Eventually' } } }, 'v4'), { code: 'INVALID_REQUEST' });
  });

  test('list asks for every state in which a release is on the cluster, across namespaces, unlimited', () => {
    const args = listArgs(target);
    for (const f of ['--all-namespaces', '--deployed', '--failed', '--pending', '--uninstalling']) assert.ok(args.includes(f));
    assert.equal(flagValue(args, '--max'), '0');
  });
});

test('Go durations and the per-call deadline they extend', () => {
  assert.equal(callDeadline(300_000, undefined), 300_000);
  assert.equal(callDeadline(300_000, '1m'), 300_000);
  assert.equal(callDeadline(300_000, '20m'), 20 * 60_000 + 30_000);
});

describe('helm stderr', () => {
  test('classified into the codes callers branch on', () => {
    const cases: Array<[string, string]> = [
      ['Error: kubernetes cluster unreachable: Get "https://127.0.0.1:1/version": dial tcp 127.0.0.1:1: connect: connection refused', 'CLUSTER_UNREACHABLE'],
      ['Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress', 'RELEASE_LOCKED'],
      ['Error: INSTALLATION FAILED: Unauthorized', 'CLUSTER_UNAUTHORIZED'],
      ['Error: chart "nope" version "1.0.0" not found in http://127.0.0.1:5000 repository', 'CHART_NOT_FOUND'],
      ['Error: looks like "http://127.0.0.1:9/" is not a valid chart repository or cannot be reached: Get "http://127.0.0.1:9/index.yaml": dial tcp 127.0.0.1:9: connect: connection refused', 'REPOSITORY_UNREACHABLE'],
      ['Error: INSTALLATION FAILED: template: hello/templates/cm.yaml:3:3: executing ...', 'HELM_FAILED'],
    ];
    for (const [stderr, code] of cases) assert.equal(classifyStderr(stderr), code, stderr);
  });

  test('summary keeps the first meaningful lines and scrubs secrets and hidden paths', () => {
    const stderr = [
      'WARNING: Kubernetes configuration file is group-readable. This is insecure. Location: /creds/c.kubeconfig',
      '',
      'Error: INSTALLATION FAILED: Get "https://admin:hunter2@10.0.0.1/api": Authorization: Bearer abc.def-123 rejected',
      'token: eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl in /tmp/gitset/values-x/values.yaml',
    ].join('\n');
    const msg = stderrSummary(stderr, { '/tmp/gitset/values-x/values.yaml': '<values>' });
    assert.ok(msg.startsWith('INSTALLATION FAILED'));
    for (const secret of ['hunter2', 'abc.def-123', 'eyJhbGci', 'values-x', 'group-readable']) assert.ok(!msg.includes(secret), `${secret} scrubbed: ${msg}`);
    assert.match(msg, /<values>/);
  });
});
