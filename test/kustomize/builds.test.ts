// kustomizationRefs sources fetched and built for real: a Flux GitRepository served by git's own
// http-backend on loopback (basic auth), checked out with isomorphic-git, built with the real
// kubectl kustomize; polled once per interval, cached per revision, and refused when hostile.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { createKustomizeBuilds } from '../../src/kustomize/builds.ts';
import { checkoutsOf } from '../../src/git/flux-source.ts';
import { resolveKubectl } from '../../src/kubectl/binary.ts';
import type { FluxSource } from '../../src/model/sources.ts';
import type { KustomizeOutput, KustomizeRequest } from '../../src/model/ports.ts';
import { PROJECT_ROOT } from '../../src/daemon/wiring.ts';
import { cliClone, fixture, gitCli, USER, userPush, writeFiles, type Fixture } from '../git/helpers.ts';

const APP = {
  'base/kustomization.yaml': 'resources:\n- cm.yaml\n',
  'base/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hello\ndata:\n  greeting: hi\n',
  'overlay/kustomization.yaml': 'resources:\n- ../base\nnamePrefix: prod-\n',
  'components/extra/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n- extra.yaml\n',
  'components/extra/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n',
};

let f: Fixture;
let url: string;
let kubectlPath: string;
let credentials: string;
before(async () => {
  f = await fixture();
  url = await f.seed('apps', APP);
  kubectlPath = (await resolveKubectl({ env: process.env, projectRoot: PROJECT_ROOT })).path;
  credentials = join(f.tmp, 'credentials');
  await writeFiles(credentials, { 'flux-system/apps-auth/username': USER.username, 'flux-system/apps-auth/password': `${USER.password}\n` });
});
after(() => f.close());

function flux(spec: Partial<FluxSource['spec']> = {}): FluxSource {
  return { kind: 'GitRepository', apiVersion: 'source.toolkit.fluxcd.io/v1', metadata: { name: 'apps', namespace: 'flux-system' }, spec: { url, interval: '1m', secretRef: { name: 'apps-auth' }, ...spec }, source: { file: 'src.yaml', line: 1, col: 1 } };
}
const request = (source: FluxSource, path = 'overlay', components: string[] = []): KustomizeRequest => ({ key: JSON.stringify([source.spec, path, components]), source: { kind: 'GitRepository', flux: source }, path, components });

async function builder(clock: { now: number }) {
  const workDir = await mkdtemp(join(f.tmp, 'work-'));
  return { workDir, builds: createKustomizeBuilds({ kubectlPath, workDir, timeoutMs: 60_000, now: () => clock.now }) };
}
async function one(b: Awaited<ReturnType<typeof builder>>, req: KustomizeRequest, credentialsDir = credentials): Promise<KustomizeOutput> {
  return (await b.builds.build([req], { credentialsDir })).get(req.key)!;
}
const names = (o: KustomizeOutput) => (o.ok ? o.documents.map((d) => /name: (\S+)/.exec(d)![1]) : o.error);

describe('Flux GitRepository sources', () => {
  test('a branch is fetched with the secretRef credentials, built, and not fetched or built again within the interval', async () => {
    const clock = { now: 0 };
    const b = await builder(clock);
    const first = await one(b, request(flux({ ref: { branch: 'main' } })));
    assert.deepEqual(names(first), ['prod-hello']);
    const stats = { ...f.server.stats };
    const again = await one(b, request(flux({ ref: { branch: 'main' } })));
    assert.equal(again, first, 'the cached output itself');
    assert.equal(f.server.stats.requests, stats.requests, 'no request to the Git server within the interval');
  });

  test('a change on the branch is picked up once the interval has passed, and the old checkout goes', async () => {
    const clock = { now: 0 };
    const b = await builder(clock);
    const src = flux({ ref: { branch: 'main' } });
    const before = await one(b, request(src));
    assert.ok(before.ok);
    const dir = await cliClone(url, join(f.tmp, `user-${Date.now()}`));
    await userPush(dir, { 'base/cm.yaml': APP['base/cm.yaml'].replace('hi', 'hello') }, 'greeting: hello');
    clock.now += 30_000;
    assert.equal(await one(b, request(src)), before, 'within the interval: the same revision');
    clock.now += 31_000;
    const after = await one(b, request(src));
    assert.ok(after.ok && after.revision !== before.revision);
    assert.match(after.documents[0]!, /greeting: hello/);
    assert.deepEqual(await readdir(checkoutsOf(url, join(b.workDir, 'sources'))), [after.revision]);
  });

  test('components are added to the kustomization; a semver range picks the highest matching tag', async () => {
    const dir = await cliClone(url, join(f.tmp, `tags-${Date.now()}`));
    await gitCli(dir, ['tag', 'v1.0.0']);
    await userPush(dir, { 'base/cm.yaml': APP['base/cm.yaml'].replace('hi', 'v1.1') }, 'v1.1');
    await gitCli(dir, ['tag', '-a', '-m', 'release', 'v1.1.0']);
    await userPush(dir, { 'base/cm.yaml': APP['base/cm.yaml'].replace('hi', 'v2') }, 'v2');
    await gitCli(dir, ['tag', 'v2.0.0']);
    await gitCli(dir, ['push', '-q', 'origin', '--tags']);
    const b = await builder({ now: 0 });
    const out = await one(b, request(flux({ ref: { semver: '^1.0.0' } }), 'overlay', ['../components/extra']));
    assert.ok(out.ok, names(out).toString());
    assert.deepEqual([...names(out)].sort(), ['prod-extra', 'prod-hello']);
    assert.ok(out.documents.some((d) => /greeting: v1.1/.test(d)));
    assert.ok(out.documents.some((d) => /name: prod-extra/.test(d)), 'the component was applied');
  });

  test('missing or wrong credentials, a missing branch and a missing path are errors that say so', async () => {
    const b = await builder({ now: 0 });
    const noCreds = await one(b, request(flux({ secretRef: { name: 'nobody' } })));
    assert.ok(!noCreds.ok && /flux-system\/nobody\/username/.test(noCreds.error), names(noCreds).toString());
    const wrong = join(f.tmp, 'wrong-credentials');
    await writeFiles(wrong, { 'flux-system/apps-auth/username': 'alice', 'flux-system/apps-auth/password': 'nope' });
    const denied = await one(b, request(flux({ ref: { branch: 'main' } })), wrong);
    assert.ok(!denied.ok && /authentication failed/.test(denied.error) && !denied.error.includes('nope'));
    const noBranch = await one(b, request(flux({ ref: { branch: 'gone' } })));
    assert.ok(!noBranch.ok && /branch gone does not exist/.test(noBranch.error));
    const noPath = await one(b, request(flux({ ref: { branch: 'main' } }), 'nowhere'));
    assert.ok(!noPath.ok && /path "nowhere" not found/.test(noPath.error));
  });

  test('a policyRefs folder is read file by file, in path order, without kustomize', async () => {
    const b = await builder({ now: 0 });
    const req: KustomizeRequest = { ...request(flux({ ref: { branch: 'main' } }), 'components'), key: 'files', mode: 'files' };
    const out = await one(b, req);
    assert.ok(out.ok, out.ok ? '' : out.error);
    assert.deepEqual(out.documents, [APP['components/extra/extra.yaml'], APP['components/extra/kustomization.yaml']]);
  });

  test('a symlink out of the checkout is refused before kubectl reads it', async () => {
    const work = await mkdtemp(join(f.tmp, 'hostile-'));
    await writeFiles(work, APP);
    await execa('git', ['init', '-q', '-b', 'evil'], { cwd: work });
    await mkdir(join(work, 'leak'));
    await symlink('/etc', join(work, 'leak', 'etc'));
    await writeFile(join(work, 'leak', 'kustomization.yaml'), 'resources: []\n');
    const hostileUrl = await f.seed('hostile', { README: 'x' });
    await gitCli(work, ['add', '-A']);
    await gitCli(work, ['-c', 'user.name=u', '-c', 'user.email=u@x', 'commit', '-qm', 'evil']);
    await gitCli(work, ['push', '-q', hostileUrl.replace('http://', `http://${USER.username}:${USER.password}@`), 'evil']);
    const b = await builder({ now: 0 });
    const linked = await one(b, request(flux({ url: hostileUrl, ref: { branch: 'evil' } })));
    assert.ok(!linked.ok && /leak\/etc is a symlink out of the source/.test(linked.error), names(linked).toString());
    const fetches = f.server.stats.uploadPacks;
    const again = await b.builds.build([{ ...request(flux({ url: hostileUrl, ref: { branch: 'evil' } })), key: 'again' }], { credentialsDir: credentials });
    assert.ok(!again.get('again')!.ok);
    assert.equal(f.server.stats.uploadPacks, fetches, 'a refused commit is not fetched again');
  });
});

describe('ConfigMap sources (kustomize.tar.gz)', () => {
  const tarball = async (files: Record<string, string>): Promise<string> => {
    const dir = await mkdtemp(join(f.tmp, 'tar-'));
    await writeFiles(dir, files);
    return Buffer.from((await execa('tar', ['-czf', '-', '-C', dir, '.'], { encoding: 'buffer' })).stdout).toString('base64');
  };
  const cmRequest = (tar: string, path: string): KustomizeRequest => ({ key: `${tar.length}:${path}`, source: { kind: 'ConfigMap', id: 'ConfigMap/default/kustomize', tarball: tar }, path, components: [] });

  test('the archive is unpacked once and built; its hash is the revision', async () => {
    const b = await builder({ now: 0 });
    const tar = await tarball(APP);
    const out = await one(b, cmRequest(tar, './overlay/'));
    assert.ok(out.ok && out.revision.startsWith('sha256:'));
    assert.deepEqual(names(out), ['prod-hello']);
  });

  test('a kustomization naming a remote resource or a folder outside the source is refused', async () => {
    const b = await builder({ now: 0 });
    const remote = await one(b, cmRequest(await tarball({ ...APP, 'remote/kustomization.yaml': 'resources:\n- https://github.com/acme/evil//deploy?ref=main\n' }), 'overlay'));
    assert.ok(!remote.ok && /is remote: gitset builds only what the source holds/.test(remote.error), names(remote).toString());
    const outside = await one(b, cmRequest(await tarball({ ...APP, 'up/kustomization.yaml': 'resources:\n- ../../../../etc\n' }), 'overlay'));
    assert.ok(!outside.ok && /leads out of the source/.test(outside.error), names(outside).toString());
  });
});
