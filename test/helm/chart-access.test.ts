// valuesFrom, provenanceVerification and registry credentials through the REAL helm binary against
// a simulated cluster and the local chart repository: values files merge in order and are removed,
// a chart that must be verified and cannot be is not installed, and a credentials file that is
// missing fails the release before helm runs. Plus where those files are found.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { resolveHelm } from '../../src/helm/binary.ts';
import { HelmError } from '../../src/helm/errors.ts';
import { createHelmRunner } from '../../src/helm/runner.ts';
import type { ClusterTarget, HelmRunner, ReleaseRequest } from '../../src/model/ports.ts';
import { locateSecretFile } from '../../src/probe/secret-files.ts';
import { startChartRepo, type ChartRepo } from '../../src/sim/chart-repo.ts';
import { startSimCluster, type SimCluster } from '../../src/sim/index.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
let work: string;
let creds: string;
let cluster: SimCluster;
let repo: ChartRepo;
let target: ClusterTarget;
let runner: HelmRunner;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'gitset-chart-access-'));
  creds = join(work, 'creds');
  const helmPath = (await resolveHelm({ env: process.env, projectRoot: root })).path;
  cluster = await startSimCluster({ namespace: 'civo', name: 'cluster1' });
  target = { cluster: cluster.key, kubeconfigPath: join(creds, 'civo', 'cluster1.kubeconfig') };
  await cluster.writeKubeconfig(target.kubeconfigPath);
  repo = await startChartRepo({ charts: [join(root, 'charts', 'hello')], helmBinary: helmPath });
  runner = createHelmRunner({ helmPath, workDir: join(work, 'runner'), timeoutMs: 60_000, credentialsDir: creds });
});

after(async () => {
  await cluster?.close();
  await repo?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const request = (name: string, over: Partial<ReleaseRequest> = {}): ReleaseRequest => ({
  releaseNamespace: 'apps',
  releaseName: name,
  repositoryURL: repo.url,
  repositoryName: 'local',
  chartName: 'local/hello',
  chartVersion: '0.1.0',
  values: 'message: from-values\nreplicaCount: 2\n',
  ...over,
});
const message = (name: string) => (cluster.get(`/api/v1/namespaces/apps/configmaps/${name}-hello`) as { data?: Record<string, string> } | undefined)?.data?.message;
const installed = (name: string) => cluster.objects('Secret').some((s) => s.metadata.labels?.owner === 'helm' && s.metadata.labels?.name === name);

describe('through helm', () => {
  test('valuesFrom texts merge after values, in order, from private files that are removed', async () => {
    const result = await runner.upgradeInstall(target, request('merged', { valuesFrom: ['message: first\n', 'message: second\n'] }));
    assert.equal(result.status, 'deployed');
    assert.equal(message('merged'), 'second');
    assert.deepEqual(readdirSync(join(work, 'runner', 'tmp')), []);
  });

  test('a chart that asks for provenance verification and has no provenance file is not installed', async () => {
    mkdirSync(join(creds, 'projectsveltos', 'chart-gpg-keyring'), { recursive: true });
    writeFileSync(join(creds, 'projectsveltos', 'chart-gpg-keyring', 'keyring.gpg'), 'not a real keyring');
    const req = request('verified', { chartAccess: { keyring: { namespace: 'projectsveltos', name: 'chart-gpg-keyring', key: 'keyring.gpg' } } });
    await assert.rejects(runner.upgradeInstall(target, req), (err: unknown) => err instanceof HelmError && /provenance/i.test(err.message) && !err.message.includes(creds));
    assert.equal(installed('verified'), false);
  });

  test('a chart signed by a key of the keyring is installed; one signed by another key is not', async () => {
    const gpg = await signingKeys(join(work, 'gpg'));
    await repo.add({ dir: join(root, 'charts', 'hello'), version: '0.3.0', sign: { key: 'trusted', keyring: gpg.secring } }, { dir: join(root, 'charts', 'hello'), version: '0.4.0', sign: { key: 'other', keyring: gpg.secring } });
    mkdirSync(join(creds, 'apps', 'keys'), { recursive: true });
    writeFileSync(join(creds, 'apps', 'keys', 'keyring.gpg'), gpg.trustedPublic);
    const keyring = { namespace: 'apps', name: 'keys', key: 'keyring.gpg' };
    const good = await runner.upgradeInstall(target, request('signed', { chartVersion: '0.3.0', chartAccess: { keyring } }));
    assert.equal(good.status, 'deployed');
    assert.equal(message('signed'), 'from-values');
    await assert.rejects(runner.upgradeInstall(target, request('forged', { chartVersion: '0.4.0', chartAccess: { keyring } })), (err: unknown) => err instanceof HelmError && /signature made by unknown entity/.test(err.message));
    assert.equal(installed('forged'), false);
  });

  test('a registry credentials file that is missing fails the release before helm runs, naming the file', async () => {
    const req = request('private', { repositoryURL: 'oci://127.0.0.1:1/charts', chartName: 'hello', chartAccess: { credentials: { namespace: 'default', name: 'regcred' } } });
    await assert.rejects(runner.upgradeInstall(target, req), (err: unknown) => {
      assert.ok(err instanceof HelmError);
      assert.equal(err.code, 'CREDENTIALS_NOT_FOUND');
      assert.match(err.message, /Secret default\/regcred: no file default\/regcred \(nor default\.regcred\) in the credentials folder/);
      return true;
    });
    assert.equal(installed('private'), false);
  });
});

describe('locateSecretFile', () => {
  test('folder layout, flat layout, and a keyless Secret\'s only file (a mounted Secret\'s ..data aside)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gitset-secret-files-'));
    try {
      mkdirSync(join(dir, 'default', 'regcred', '..2026_data'), { recursive: true });
      writeFileSync(join(dir, 'default', 'regcred', '..2026_data', '.dockerconfigjson'), '{}');
      symlinkSync('..2026_data', join(dir, 'default', 'regcred', '..data'));
      symlinkSync('..data/.dockerconfigjson', join(dir, 'default', 'regcred', '.dockerconfigjson'));
      writeFileSync(join(dir, 'default.ca.ca.crt'), 'pem');
      assert.equal(locateSecretFile(dir, { namespace: 'default', name: 'regcred' }), join(dir, 'default', 'regcred', '..2026_data', '.dockerconfigjson'));
      assert.equal(locateSecretFile(dir, { namespace: 'default', name: 'ca', key: 'ca.crt' }), join(dir, 'default.ca.ca.crt'));
      assert.throws(() => locateSecretFile(dir, { namespace: 'default', name: 'ca', key: '../../etc' }), { code: 'path-escape' });
      symlinkSync('/etc/hostname', join(dir, 'default.out.key'));
      assert.throws(() => locateSecretFile(dir, { namespace: 'default', name: 'out', key: 'key' }), { code: 'path-escape' });
      assert.throws(() => locateSecretFile(dir, { namespace: 'default', name: 'none' }), { code: 'secret-file-not-found' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Two signing keys made with gpg ("trusted" and "other"): both secret keys, and the trusted public key alone. */
async function signingKeys(home: string): Promise<{ secring: string; trustedPublic: Buffer }> {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const gpg = (...args: string[]) => execa('gpg', ['--batch', '--homedir', home, ...args], { encoding: 'buffer', stripFinalNewline: false }); // binary keyrings: no byte dropped
  for (const who of ['trusted', 'other']) await gpg('--passphrase', '', '--quick-gen-key', `${who} <${who}@gitset.test>`, 'ed25519', 'sign', 'never');
  const secring = join(home, 'secring.gpg');
  writeFileSync(secring, (await gpg('--export-secret-keys')).stdout);
  return { secring, trustedPublic: Buffer.from((await gpg('--export', 'trusted')).stdout) };
}
