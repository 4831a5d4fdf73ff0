// Sveltos' post-render patches and reloader on helm releases: the pure post-render step, and the
// REAL helm (4) running gitset's plugin against a simulated cluster: the patched objects are what
// lands, a patch change upgrades, and a patch that cannot apply fails the call with the reason.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { parseAllDocuments } from 'yaml';
import { resolveHelm } from '../../src/helm/binary.ts';
import { HelmError } from '../../src/helm/errors.ts';
import { parsePostRenderRequest, postRender, PostRenderError } from '../../src/helm/post-render.ts';
import { createHelmRunner } from '../../src/helm/runner.ts';
import type { ClusterTarget, HelmRunner, ReleaseRequest } from '../../src/model/ports.ts';
import { RELOAD_ANNOTATION } from '../../src/patch/reloader.ts';
import { startChartRepo, startSimCluster, type ChartRepo, type SimCluster } from '../../src/sim/index.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

const rendered = `---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-latest-nginx-ingress-controller
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: nginx-ingress
        image: nginx:1.27
      volumes:
      - name: conf
        configMap: {name: web-conf}
---
# Source: web/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-conf
data:
  a: "1"
`;
const docs = (text: string): any[] => parseAllDocuments(text).map((d) => d.toJS());

// Sveltos' documented example (post-renderer-patches.md): a strategic merge patch on the ingress controller.
const HARDENING = { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name:  nginx-latest-nginx-ingress-controller\nspec:\n  template:\n    spec:\n      containers:\n      - name: nginx-ingress\n        imagePullPolicy: Always\n        securityContext:\n          readOnlyRootFilesystem: true', target: { group: 'apps', kind: 'Deployment', version: 'v1' } };

describe('postRender', () => {
  test('applies the patches, then the exclusions; documents no patch touched keep their text', () => {
    const out = postRender(rendered, { namespace: 'nginx', exclusions: [{ paths: ['/spec/replicas'] }], patches: [HARDENING] });
    const [deploy, cm] = docs(out);
    assert.deepEqual(deploy.spec.template.spec.containers[0], { name: 'nginx-ingress', image: 'nginx:1.27', imagePullPolicy: 'Always', securityContext: { readOnlyRootFilesystem: true } });
    assert.equal(deploy.spec.replicas, undefined);
    assert.deepEqual(cm.data, { a: '1' });
    assert.match(out, /# Source: web\/templates\/configmap.yaml/);
  });

  test('reloader: a workload mounting a ConfigMap of the release carries its hash (objects naming no namespace are the release namespace)', () => {
    const [deploy] = docs(postRender(rendered, { namespace: 'nginx', exclusions: [], reloader: true }));
    assert.match(deploy.spec.template.metadata.annotations[RELOAD_ANNOTATION], /^sha256:/);
    const other = rendered.replace('name: web-conf\ndata', 'name: web-conf\n  namespace: elsewhere\ndata');
    assert.equal(docs(postRender(other, { namespace: 'nginx', exclusions: [], reloader: true }))[0].spec.template.metadata, undefined);
  });

  test('a patch that cannot apply, or a malformed request, is refused with the reason', () => {
    const bad = { patch: '- {op: test, path: /spec/replicas, value: 9}', target: { kind: 'Deployment' } };
    assert.throws(() => postRender(rendered, { namespace: 'nginx', exclusions: [], patches: [bad] }), (e: PostRenderError) => e instanceof PostRenderError && /patch 0 on Deployment nginx-latest-nginx-ingress-controller: operation 0 \(test \/spec\/replicas\): test failed/.test(e.message));
    assert.throws(() => postRender(rendered, { namespace: 'nginx', exclusions: [], patches: [{ patch: '- {op: add, path: /a, value: 1}' }] }), /patch 0 target: a JSON 6902 patch needs a target/);
    assert.throws(() => parsePostRenderRequest('{"namespace":"a","exclusions":[],"patches":[{"patch":1}]}'), PostRenderError);
    assert.deepEqual(parsePostRenderRequest('{"namespace":"a","exclusions":[],"patches":[{"patch":"x: 1"}],"reloader":true}'), { namespace: 'a', exclusions: [], patches: [{ patch: 'x: 1' }], reloader: true });
  });
});

describe('real helm with patches', () => {
  let work: string;
  let cluster: SimCluster;
  let repo: ChartRepo;
  let target: ClusterTarget;
  let runner: HelmRunner;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'gitset-post-render-patches-'));
    const helmPath = (await resolveHelm({ env: process.env, projectRoot: root })).path;
    cluster = await startSimCluster({ namespace: 'civo', name: 'cluster1' });
    target = { cluster: cluster.key, kubeconfigPath: join(work, 'cluster1.kubeconfig') };
    await cluster.writeKubeconfig(target.kubeconfigPath);
    repo = await startChartRepo({ charts: [join(root, 'charts', 'hello')], helmBinary: helmPath });
    runner = createHelmRunner({ helmPath, workDir: join(work, 'runner'), timeoutMs: 120_000, env: { ...process.env } });
  });
  after(async () => {
    await cluster?.close();
    await repo?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const request = (replicas: number): ReleaseRequest => ({
    releaseNamespace: 'apps',
    releaseName: 'greet',
    repositoryURL: repo.url,
    repositoryName: 'local',
    chartName: 'local/hello',
    chartVersion: '0.1.0',
    values: '',
    patches: [
      { patch: `- {op: replace, path: /spec/replicas, value: ${replicas}}\n- {op: add, path: /metadata/annotations, value: {projectsveltos.io/driftDetectionIgnore: ok}}`, target: { group: 'apps', kind: 'Deployment', name: 'greet-.*' } },
      { patch: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: not-important}\ndata: {extra: patched}\n', target: { kind: 'ConfigMap' } },
    ],
  });
  const get = async (kind: string, name: string) =>
    JSON.parse((await execa(join(root, '.tools', 'kubectl'), ['get', kind, name, '-n', 'apps', '-o', 'json', '--kubeconfig', target.kubeconfigPath])).stdout);

  test('the patched objects are what lands; a patch change upgrades; a failing patch fails helm with the reason', { timeout: 180_000 }, async () => {
    await runner.upgradeInstall(target, request(3));
    const deploy = await get('deployment', 'greet-hello');
    assert.equal(deploy.spec.replicas, 3);
    assert.equal(deploy.metadata.annotations['projectsveltos.io/driftDetectionIgnore'], 'ok');
    assert.equal((await get('configmap', 'greet-hello')).data.extra, 'patched');

    const up = await runner.upgradeInstall(target, request(5));
    assert.equal(up.revision, 2);
    assert.equal((await get('deployment', 'greet-hello')).spec.replicas, 5);

    const failing = { ...request(5), patches: [{ patch: '- {op: test, path: /spec/replicas, value: 9}', target: { kind: 'Deployment' } }] };
    await assert.rejects(runner.upgradeInstall(target, failing), (e: HelmError) => e instanceof HelmError && e.code === 'INVALID_REQUEST' && /^post-renderer: patch 0 on Deployment greet-hello: operation 0 \(test \/spec\/replicas\): test failed/.test(e.message));
    assert.equal((await get('deployment', 'greet-hello')).spec.replicas, 5, 'nothing applied unpatched');
  });
});
