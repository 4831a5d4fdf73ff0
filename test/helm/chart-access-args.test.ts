// helm's command line for valuesFrom, registryCredentialsConfig and provenanceVerification: each
// valuesFrom text is a private values file after `values` (helm merges them in that order), the
// credentials folder's files are attached with `=`, and options still end before "--".
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { replaceInstallArgs, upgradeInstallArgs } from '../../src/helm/args.ts';
import type { ReleaseRequest } from '../../src/model/ports.ts';

const target = { cluster: 'civo/cluster1', kubeconfigPath: '/creds/civo/cluster1.kubeconfig' };
const oci: ReleaseRequest = {
  releaseNamespace: 'projectsveltos',
  releaseName: 'projectsveltos',
  repositoryURL: 'oci://registry.example.com/charts',
  repositoryName: 'projectsveltos',
  chartName: 'projectsveltos',
  chartVersion: '0.46.0',
  values: '',
};
const https: ReleaseRequest = { ...oci, repositoryURL: 'https://charts.example.com', chartName: 'example/mychart' };
const values = (args: string[]) => args.flatMap((a, i) => (a === '--values' ? [args[i + 1]] : []));

describe('valuesFrom files', () => {
  test('come after the values file, in order; only valuesFrom still passes values (no --reset-values)', () => {
    const both = upgradeInstallArgs(target, oci, '/w/v/values.yaml', 'v4', undefined, { valuesFrom: ['/w/v/values-from-0.yaml', '/w/v/values-from-1.yaml'] });
    assert.deepEqual(values(both), ['/w/v/values.yaml', '/w/v/values-from-0.yaml', '/w/v/values-from-1.yaml']);
    const only = upgradeInstallArgs(target, oci, undefined, 'v4', undefined, { valuesFrom: ['/w/v/values-from-0.yaml'] });
    assert.deepEqual(values(only), ['/w/v/values-from-0.yaml']);
    assert.ok(!only.includes('--reset-values'));
    assert.deepEqual(values(replaceInstallArgs(target, oci, undefined, 'v4', undefined, { valuesFrom: ['/w/v/values-from-0.yaml'] })), ['/w/v/values-from-0.yaml']);
  });
});

describe('chart access', () => {
  const access: ReleaseRequest = {
    ...oci,
    chartAccess: { credentials: { namespace: 'default', name: 'regcred' }, ca: { namespace: 'default', name: 'ca', key: 'ca.crt' }, insecureSkipTLSVerify: true, plainHTTP: true },
  };
  const files = { registryConfig: '/creds/default/regcred/.dockerconfigjson', caFile: '/creds/default/ca/ca.crt' };

  test('registry config, CA, insecure and plain HTTP map to helm 4 flags, attached with "="', () => {
    const args = upgradeInstallArgs(target, access, undefined, 'v4', undefined, files);
    for (const flag of ['--registry-config=/creds/default/regcred/.dockerconfigjson', '--ca-file=/creds/default/ca/ca.crt', '--insecure-skip-tls-verify', '--plain-http']) assert.ok(args.includes(flag), flag);
    assert.deepEqual(args.slice(-3), ['--', 'projectsveltos', 'oci://registry.example.com/charts/projectsveltos']);
    assert.ok(replaceInstallArgs(target, access, undefined, 'v4', undefined, files).includes('--registry-config=/creds/default/regcred/.dockerconfigjson'));
  });

  test('provenance verification: --verify with the keyring', () => {
    const verified = { ...https, chartAccess: { keyring: { namespace: 'projectsveltos', name: 'chart-gpg-keyring', key: 'keyring.gpg' } } };
    const args = upgradeInstallArgs(target, verified, undefined, 'v4', undefined, { keyring: '/creds/projectsveltos/chart-gpg-keyring/keyring.gpg' });
    assert.deepEqual(args.filter((a) => a.startsWith('--verify') || a.startsWith('--keyring')), ['--verify', '--keyring=/creds/projectsveltos/chart-gpg-keyring/keyring.gpg']);
  });

  test('no flag without the field, no credentials for an http(s) repository, no flag without its file', () => {
    assert.ok(!upgradeInstallArgs(target, oci, undefined, 'v4').some((a) => /registry-config|ca-file|insecure|plain-http|verify|keyring/.test(a)));
    assert.throws(() => upgradeInstallArgs(target, { ...https, chartAccess: access.chartAccess! }, undefined, 'v4', undefined, files), { code: 'INVALID_REQUEST', message: /oci:\/\/ charts only/ });
    assert.throws(() => upgradeInstallArgs(target, access, undefined, 'v4', undefined, {}), { code: 'INVALID_REQUEST', message: /registryCredentialsConfig.credentials: its file/ });
  });
});
