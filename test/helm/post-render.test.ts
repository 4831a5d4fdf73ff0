// Drift exclusions survive what helm applies: the pure stripping of excluded paths from rendered
// manifests, the flags that name gitset's post-renderer, and the REAL helm (4) running the plugin
// against a simulated cluster: a path a person scaled stays scaled through an upgrade.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { parseAllDocuments } from 'yaml';
import { upgradeInstallArgs } from '../../src/helm/args.ts';
import { resolveHelm } from '../../src/helm/binary.ts';
import { POST_RENDER_PLUGIN } from '../../src/helm/post-render-plugin.ts';
import { parsePostRenderRequest, PostRenderError, stripExcluded } from '../../src/helm/post-render.ts';
import { createHelmRunner } from '../../src/helm/runner.ts';
import type { ClusterTarget, HelmRunner, ReleaseRequest } from '../../src/model/ports.ts';
import { startChartRepo, startSimCluster, type ChartRepo, type SimCluster } from '../../src/sim/index.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

const rendered = `---
# Source: hello/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2 # the chart's
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.27
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  namespace: other
data:
  message: hi
`;

const docs = (text: string): any[] => parseAllDocuments(text).map((d) => d.toJS());

describe('stripExcluded', () => {
  test('removes the excluded paths of matching objects only; the rest is kept as rendered', () => {
    const out = stripExcluded(rendered, { namespace: 'apps', exclusions: [{ paths: ['/spec/replicas', '/data/message'], target: { kind: 'Deployment' } }] });
    const [deploy, cm] = docs(out);
    assert.equal(deploy.spec.replicas, undefined, 'spec.replicas is not applied');
    assert.equal(deploy.spec.template.spec.containers[0].image, 'nginx:1.27');
    assert.equal(cm.data.message, 'hi', 'a ConfigMap is no Deployment');
    assert.match(out, /# Source: hello\/templates\/deployment.yaml/, 'comments kept');
  });

  test('targets by namespace (the release namespace for objects naming none), name, group and version; list items by index', () => {
    const req = (target: object, paths = ['/spec/template/spec/containers/0/image']) => ({ namespace: 'apps', exclusions: [{ paths, target }] });
    const image = (text: string) => docs(text)[0].spec.template.spec.containers[0].image;
    assert.equal(image(stripExcluded(rendered, req({ namespace: 'apps', name: 'web', group: 'apps', version: 'v1' }))), undefined);
    assert.equal(image(stripExcluded(rendered, req({ namespace: 'elsewhere' }))), 'nginx:1.27');
    assert.equal(image(stripExcluded(rendered, req({ name: 'db' }))), 'nginx:1.27');
    assert.equal(image(stripExcluded(rendered, req({ group: 'batch' }))), 'nginx:1.27');
    const cm = docs(stripExcluded(rendered, req({ namespace: 'other', kind: 'ConfigMap' }, ['/data/message'])))[1];
    assert.equal(cm.data.message, undefined, 'an object naming its namespace matches it');
  });

  test('an exclusion without target applies to every object; identity fields and absent paths are left alone', () => {
    const out = docs(stripExcluded(rendered, { namespace: 'apps', exclusions: [{ paths: ['/metadata/name', '/kind', '/spec/nothing/here', 'data.message'] }] }));
    assert.equal(out[0].metadata.name, 'web');
    assert.equal(out[0].kind, 'Deployment');
    assert.equal(out[1].data.message, undefined, 'dotted paths work too');
  });

  test('a request file that is not what gitset writes is refused', () => {
    assert.throws(() => parsePostRenderRequest('nope'), PostRenderError);
    assert.throws(() => parsePostRenderRequest('{"namespace":"a","exclusions":[{"paths":[1]}]}'), PostRenderError);
    assert.deepEqual(parsePostRenderRequest('{"namespace":"a","exclusions":[{"paths":["/x"]}]}'), { namespace: 'a', exclusions: [{ paths: ['/x'] }] });
  });
});

describe('post-renderer flags', () => {
  const target = { cluster: 'civo/c1', kubeconfigPath: '/k' };
  const req: ReleaseRequest = { releaseNamespace: 'apps', releaseName: 'web', repositoryURL: 'https://x.example/', repositoryName: 'x', chartName: 'x/web', chartVersion: '1.0.0', values: '' };
  test('named with `=` (a value is never a flag) and before `--`', () => {
    const args = upgradeInstallArgs(target, req, undefined, 'v4', { renderer: POST_RENDER_PLUGIN, requestFile: '/w/tmp/values-1/drift-exclusions.json' });
    const end = args.indexOf('--');
    assert.ok(args.indexOf(`--post-renderer=${POST_RENDER_PLUGIN}`) >= 0 && args.indexOf(`--post-renderer=${POST_RENDER_PLUGIN}`) < end);
    assert.ok(args.indexOf('--post-renderer-args=/w/tmp/values-1/drift-exclusions.json') >= 0);
    assert.ok(!upgradeInstallArgs(target, req, undefined, 'v4').some((a) => a.startsWith('--post-renderer')), 'no post-renderer without exclusions');
  });
});

describe('real helm with the post-renderer plugin', () => {
  let work: string;
  let cluster: SimCluster;
  let repo: ChartRepo;
  let target: ClusterTarget;
  let runner: HelmRunner;
  let helmPath: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'gitset-post-render-'));
    helmPath = (await resolveHelm({ env: process.env, projectRoot: root })).path;
    cluster = await startSimCluster({ namespace: 'civo', name: 'cluster1' });
    target = { cluster: cluster.key, kubeconfigPath: join(work, 'cluster1.kubeconfig') };
    await cluster.writeKubeconfig(target.kubeconfigPath);
    repo = await startChartRepo({ charts: [join(root, 'charts', 'hello')], helmBinary: helmPath });
    runner = createHelmRunner({ helmPath, workDir: join(work, 'runner'), timeoutMs: 120_000, env: { ...process.env, HELM_PLUGINS: join(work, 'users-plugins') } });
  });
  after(async () => {
    await cluster?.close();
    await repo?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const request = (values: string): ReleaseRequest => ({
    releaseNamespace: 'apps',
    releaseName: 'greet',
    repositoryURL: repo.url,
    repositoryName: 'local',
    chartName: 'local/hello',
    chartVersion: '0.1.0',
    values,
    driftExclusions: [{ paths: ['/spec/replicas'], target: { kind: 'Deployment' } }],
  });
  const kubectl = async (...args: string[]) =>
    (await execa(join(root, '.tools', 'kubectl'), [...args, '--kubeconfig', target.kubeconfigPath])).stdout;
  const replicas = async () => JSON.parse(await kubectl('get', 'deployment', 'greet-hello', '-n', 'apps', '-o', 'json')).spec.replicas;

  test('a path scaled by hand stays through an upgrade with new values; the release record holds no replicas', { timeout: 180_000 }, async () => {
    await runner.upgradeInstall(target, request('message: one\nreplicaCount: 2\n'));
    assert.equal(await replicas(), 1, 'the chart asked for 2, the API server defaulted the excluded field');
    await kubectl('scale', 'deployment/greet-hello', '-n', 'apps', '--replicas=4');

    const up = await runner.upgradeInstall(target, request('message: two\nreplicaCount: 2\n'));
    assert.equal(up.revision, 2);
    assert.equal(await replicas(), 4, 'the upgrade left the scaled replicas alone');
    const cm = JSON.parse(await kubectl('get', 'configmap', 'greet-hello', '-n', 'apps', '-o', 'json'));
    assert.equal(cm.data.message, 'two', 'the rest of the upgrade was applied');

    const manifest = (await execa(helmPath, ['get', 'manifest', 'greet', '-n', 'apps', '--kubeconfig', target.kubeconfigPath], { env: { HELM_DATA_HOME: join(work, 'lister') } })).stdout;
    assert.doesNotMatch(manifest, /replicas:/, 'what helm recorded (and drift is judged against) leaves the path out');
    const plugin = readFileSync(join(work, 'runner', 'helm', 'data', 'gitset-plugins', POST_RENDER_PLUGIN, 'plugin.yaml'), 'utf8');
    assert.match(plugin, /type: postrenderer\/v1/, "the plugin lives in gitset's own folder, not the user's HELM_PLUGINS");
  });
});
