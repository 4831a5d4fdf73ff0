import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { kubeconfigPathFor } from '../../src/probe/credentials.ts';
import { CredentialsError } from '../../src/probe/errors.ts';
import { sveltosCluster, writeCredential } from './kubeconfigs.ts';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'gitset-credentials-')));
const dir = join(base, 'credentials');
const outside = join(base, 'outside');
mkdirSync(dir);
mkdirSync(outside);
writeFileSync(join(outside, 'stolen.kubeconfig'), 'secret');
after(() => rmSync(base, { recursive: true, force: true }));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CredentialsError, `expected CredentialsError, got ${String(err)}`);
    return err.code;
  }
  assert.fail('expected an error');
}

describe('kubeconfigPathFor', () => {
  test('finds <namespace>/<name>.kubeconfig by default', () => {
    const path = writeCredential(dir, 'civo/cluster1.kubeconfig', 'x');
    assert.equal(kubeconfigPathFor(dir, sveltosCluster('civo', 'cluster1')), path);
  });

  test('kubeconfigName names another file of the namespace folder', () => {
    const path = writeCredential(dir, 'civo/shared-admin', 'x');
    assert.equal(kubeconfigPathFor(dir, sveltosCluster('civo', 'cluster2', { kubeconfigName: 'shared-admin' })), path);
  });

  test('kubeconfigName with kubeconfigKeyName is a Secret folder and its key file', () => {
    const path = writeCredential(dir, 'civo/cluster3-sveltos-kubeconfig/value', 'x');
    const cluster = sveltosCluster('civo', 'cluster3', { kubeconfigName: 'cluster3-sveltos-kubeconfig', kubeconfigKeyName: 'value' });
    assert.equal(kubeconfigPathFor(dir, cluster), path);
  });

  test('kubeconfigKeyName alone is a key file in the folder named after the cluster', () => {
    const path = writeCredential(dir, 'civo/cluster4/kubeconfig', 'x');
    assert.equal(kubeconfigPathFor(dir, sveltosCluster('civo', 'cluster4', { kubeconfigKeyName: 'kubeconfig' })), path);
  });

  test('a missing kubeconfig is reported relative to the credentials directory', () => {
    assert.throws(
      () => kubeconfigPathFor(dir, sveltosCluster('civo', 'missing')),
      (err: unknown) =>
        err instanceof CredentialsError &&
        err.code === 'kubeconfig-not-found' &&
        err.message === 'kubeconfig not found: civo/missing.kubeconfig (nor civo.missing.kubeconfig)',
    );
  });

  test('a missing credentials directory reads as a missing kubeconfig', () => {
    assert.equal(codeOf(() => kubeconfigPathFor(join(base, 'nope'), sveltosCluster('civo', 'cluster1'))), 'kubeconfig-not-found');
  });

  test('a folder where the file should be is not a kubeconfig', () => {
    mkdirSync(join(dir, 'civo', 'folder.kubeconfig'), { recursive: true });
    assert.equal(codeOf(() => kubeconfigPathFor(dir, sveltosCluster('civo', 'folder'))), 'kubeconfig-unreadable');
  });

  for (const [label, spec] of [
    ['..', { kubeconfigName: '..' }],
    ['../ path', { kubeconfigName: '../outside/stolen.kubeconfig' }],
    ['an absolute name', { kubeconfigName: join(outside, 'stolen.kubeconfig') }],
    ['a nested name', { kubeconfigName: 'a/../../outside/stolen.kubeconfig' }],
    ['a backslash', { kubeconfigName: '..\\outside' }],
    ['.. as key', { kubeconfigName: 'civo', kubeconfigKeyName: '..' }],
    ['an absolute key', { kubeconfigKeyName: '/etc/passwd' }],
  ] as const) {
    test(`rejects ${label} before touching the file system`, () => {
      assert.equal(codeOf(() => kubeconfigPathFor(dir, sveltosCluster('civo', 'cluster1', { ...spec }))), 'path-escape');
    });
  }

  test('rejects a namespace or name that is a path', () => {
    assert.equal(codeOf(() => kubeconfigPathFor(dir, sveltosCluster('..', 'outside/stolen'))), 'path-escape');
  });

  test('rejects a symlink that resolves outside the directory', () => {
    mkdirSync(join(dir, 'evil'), { recursive: true });
    symlinkSync(join(outside, 'stolen.kubeconfig'), join(dir, 'evil', 'link.kubeconfig'));
    assert.throws(
      () => kubeconfigPathFor(dir, sveltosCluster('evil', 'link')),
      (err: unknown) => err instanceof CredentialsError && err.code === 'path-escape' && !err.message.includes(outside),
    );
  });

  test('rejects a namespace folder that is a symlink to outside', () => {
    symlinkSync(outside, join(dir, 'evilns'));
    assert.equal(codeOf(() => kubeconfigPathFor(dir, sveltosCluster('evilns', 'stolen'))), 'path-escape');
  });

  test('finds the flat key <namespace>.<name>.kubeconfig when there is no folder, and checks it the same way', () => {
    const flat = writeCredential(dir, 'aws.eks1.kubeconfig', 'x');
    assert.equal(kubeconfigPathFor(dir, sveltosCluster('aws', 'eks1')), flat);
    const keyed = writeCredential(dir, 'aws.eks2-kubeconfig.value', 'x');
    assert.equal(kubeconfigPathFor(dir, sveltosCluster('aws', 'eks2', { kubeconfigName: 'eks2-kubeconfig', kubeconfigKeyName: 'value' })), keyed);
    const nested = writeCredential(dir, 'aws/eks1.kubeconfig', 'x');
    assert.equal(kubeconfigPathFor(dir, sveltosCluster('aws', 'eks1')), nested, 'the folder layout comes first');
    symlinkSync(join(outside, 'stolen.kubeconfig'), join(dir, 'aws.stolen.kubeconfig'));
    assert.equal(codeOf(() => kubeconfigPathFor(dir, sveltosCluster('aws', 'stolen'))), 'path-escape');
  });

  test('follows symlinks that stay inside, as a mounted Kubernetes Secret has', () => {
    const target = writeCredential(dir, 'mounted/..data/cluster9.kubeconfig', 'x');
    symlinkSync('..data/cluster9.kubeconfig', join(dir, 'mounted', 'cluster9.kubeconfig'));
    assert.equal(kubeconfigPathFor(dir, sveltosCluster('mounted', 'cluster9')), target);
  });
});
