// The Sveltos helm options issue 13 found silently ignored, each mapped to helm's flag, and each
// flag checked against what the real helm binary's help lists for that command.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { replaceInstallArgs, testArgs, uninstallArgs, upgradeInstallArgs } from '../../src/helm/args.ts';
import { ensureHelm } from '../../src/helm/binary.ts';
import type { HelmOptions } from '../../src/model/objects.ts';
import type { ReleaseRequest } from '../../src/model/ports.ts';

const target = { cluster: 'civo/cluster1', kubeconfigPath: '/creds/civo/cluster1.kubeconfig' };
const base: ReleaseRequest = {
  releaseNamespace: 'cert-manager',
  releaseName: 'cert-manager',
  repositoryURL: 'https://charts.jetstack.io',
  repositoryName: 'jetstack',
  chartName: 'jetstack/cert-manager',
  chartVersion: 'v1.13.2',
  values: '',
};
const root = fileURLToPath(new URL('../../', import.meta.url));

async function helpFlags(command: string): Promise<Set<string>> {
  const helm = await ensureHelm(root);
  const { stdout } = await execa(helm, [command, '--help'], { env: {}, extendEnv: false });
  return new Set([...stdout.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1]!));
}

const flags = (args: string[]) => args.slice(0, args.indexOf('--')).filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]!);
const upgrade = (options: HelmOptions, phase?: ReleaseRequest['phase']) => upgradeInstallArgs(target, { ...base, options, ...(phase ? { phase } : {}) }, undefined, 'v4');

describe('Sveltos options that reach helm', () => {
  test('disableOpenAPIValidation → --disable-openapi-validation, on install and upgrade', () => {
    assert.ok(upgrade({ disableOpenAPIValidation: true }).includes('--disable-openapi-validation'));
    assert.ok(replaceInstallArgs(target, { ...base, options: { disableOpenAPIValidation: true } }, undefined, 'v4').includes('--disable-openapi-validation'));
    assert.ok(!upgrade({}).includes('--disable-openapi-validation'));
  });

  test('takeOwnership → --take-ownership, from installOptions on an install and upgradeOptions on an upgrade', () => {
    assert.ok(upgrade({ installOptions: { takeOwnership: true } }, 'install').includes('--take-ownership'));
    assert.ok(!upgrade({ installOptions: { takeOwnership: true } }, 'upgrade').includes('--take-ownership'));
    assert.ok(upgrade({ upgradeOptions: { takeOwnership: true } }, 'upgrade').includes('--take-ownership'));
    assert.ok(!upgrade({ upgradeOptions: { takeOwnership: true } }, 'install').includes('--take-ownership'));
  });

  test('disableHooks → --no-hooks: the general option everywhere, each phase\'s own only there', () => {
    assert.ok(upgrade({ disableHooks: true }, 'upgrade').includes('--no-hooks'));
    assert.ok(upgrade({ installOptions: { disableHooks: true } }, 'install').includes('--no-hooks'));
    assert.ok(!upgrade({ installOptions: { disableHooks: true } }, 'upgrade').includes('--no-hooks'));
    assert.ok(upgrade({ upgradeOptions: { disableHooks: true } }, 'upgrade').includes('--no-hooks'));
    const un = (o: HelmOptions) => uninstallArgs(target, { releaseNamespace: 'ns', releaseName: 'r', options: o }, 'v4');
    assert.ok(un({ uninstallOptions: { disableHooks: true } }).includes('--no-hooks'));
    assert.ok(!un({ installOptions: { disableHooks: true } }).includes('--no-hooks'));
  });

  test('runTests → helm test of the release, with the chart timeout, options before "--"', () => {
    assert.deepEqual(testArgs(target, { ...base, options: { runTests: true, timeout: '2m' } }), [
      'test', '--namespace', 'cert-manager', '--kubeconfig', target.kubeconfigPath, '--timeout', '2m', '--', 'cert-manager',
    ]);
    assert.throws(() => testArgs(target, { ...base, releaseName: '--filter=x' }), { code: 'INVALID_REQUEST' });
  });

  test('every flag gitset passes is one the real helm accepts for that command', async () => {
    const all: HelmOptions = {
      disableOpenAPIValidation: true, disableHooks: true, skipCRDs: true, wait: true, waitForJobs: true, timeout: '1m', atomic: true, dependencyUpdate: true,
      installOptions: { takeOwnership: true, disableHooks: true }, upgradeOptions: { takeOwnership: true, disableHooks: true, force: true, cleanupOnFail: true, subNotes: true },
      uninstallOptions: { keepHistory: true, disableHooks: true, deletionPropagation: 'Background' },
    };
    const cases: Array<[string, string[]]> = [
      ['upgrade', upgrade(all, 'install')],
      ['upgrade', upgrade(all, 'upgrade')],
      ['install', replaceInstallArgs(target, { ...base, options: all }, undefined, 'v4')],
      ['uninstall', uninstallArgs(target, { ...base, options: all }, 'v4')],
      ['test', testArgs(target, { ...base, options: all })],
    ];
    for (const [command, args] of cases) {
      const accepted = await helpFlags(command);
      for (const f of flags(args)) assert.ok(accepted.has(f), `helm ${command} accepts ${f}`);
    }
  });
});
