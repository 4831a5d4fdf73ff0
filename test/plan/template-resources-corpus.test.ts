// The 13 profiles of Sveltos' documentation that use templateResourceRefs, taken as written, each
// with one cluster its selector matches and the objects it names in the repository: every entry
// resolves (templated names, cluster-namespace defaults, another API version of the same group),
// and the helm entries among them render from those objects and are planned for install.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifests } from '../../src/load/index.ts';
import { indexRepositoryObjects } from '../../src/load/repository-objects.ts';
import { templateContext } from '../../src/plan/template-context.ts';
import { templateProblems } from '../../src/plan/template-check.ts';
import { step } from './cycle-helpers.ts';

const CORPUS = new URL('../../../shared/corpus/sveltos-docs/', import.meta.url).pathname;

/** What each profile names for cluster civo/cluster1 (labels environment=prod, k8s-version=v1.29.0): apiVersion, kind, namespace, name. */
const NAMED: Record<string, Array<[string, string, string, string]>> = {
  '025-clusterprofile-flux-system.yaml': [['v1', 'ConfigMap', 'default', 'overlay-selector']],
  '083-clusterprofile-deploy-resources.yaml': [['v1', 'Secret', 'default', 'autoscaler']],
  '084-clusterprofile-deploy-resources.yaml': [['extension.projectsveltos.io/v1beta1', 'JsonnetSource', 'default', 'jsonnetsource-flux']],
  '086-clusterprofile-deploy-kyverno.yaml': [['cluster.x-k8s.io/v1beta1', 'Cluster', 'civo', 'cluster1']],
  '087-clusterprofile-deploy-kyverno.yaml': [['v1', 'ConfigMap', 'civo', 'cluster1']],
  '089-clusterprofile-deploy-resources.yaml': [['v1', 'Secret', 'default', 'autoscaler']],
  '090-clusterprofile-replicate-external-secret-operator-secret.yaml': [['v1', 'Secret', 'default', 'external-secret-operator']],
  '091-clusterprofile-deploy-resources.yaml': [['infrastructure.cluster.x-k8s.io/v1beta1', 'AzureClusterIdentity', 'civo', 'azure-cluster-identity'], ['v1', 'Secret', 'civo', 'azure-cluster-identity-secret']],
  // The docs name a v1beta2 CAPI Cluster: the repository holds it as v1beta1, the API server would serve both.
  '092-clusterprofile-deploy-kyverno.yaml': [['cluster.x-k8s.io/v1beta1', 'Cluster', 'civo', 'cluster1'], ['v1', 'ConfigMap', 'default', 'kyverno-prod-version']],
  '093-clusterprofile-deploy-ytt-resources.yaml': [['extension.projectsveltos.io/v1beta1', 'YttSource', 'default', 'yttsource-flux']],
  '095-clusterprofile-deploy-resources.yaml': [['v1', 'Secret', 'default', 'imported-secret']],
  '096-clusterprofile-deploy-resources.yaml': [['v1', 'Secret', 'default', 'imported-secret']],
  '097-clusterprofile-deploy-resources.yaml': [['apps/v1', 'Deployment', 'default', 'nginx-deployment']],
};

function object([apiVersion, kind, namespace, name]: [string, string, string, string]): string {
  const data = kind === 'ConfigMap' ? { data: { values: 'admissionController:\n  replicas: 3', chartVersion: 'v3.3.3', overlay: 'production' } } : kind === 'Secret' ? { data: { token: Buffer.from('t0k3n-value').toString('base64') } } : { spec: { replicas: 1 } };
  return JSON.stringify({ apiVersion, kind, metadata: { name, namespace }, ...data });
}

function repoFor(file: string) {
  const text = readFileSync(join(CORPUS, file), 'utf8');
  const labels = { ...((/matchLabels:\n((?:\s{6}.+\n)+)/.exec(text)?.[1] ?? '').trim().split('\n').reduce((m, l) => ({ ...m, [l.split(':')[0]!.trim()]: l.split(':')[1]!.trim() }), {})), environment: 'prod', 'k8s-version': 'v1.29.0' };
  const cluster = JSON.stringify({ apiVersion: 'lib.projectsveltos.io/v1beta1', kind: 'SveltosCluster', metadata: { name: 'cluster1', namespace: 'civo', labels }, spec: {} });
  return parseManifests([{ path: file, text }, { path: 'cluster.yaml', text: cluster }, ...NAMED[file]!.map((o, i) => ({ path: `o${i}.yaml`, text: object(o) }))]);
}

test('all 13 corpus profiles with templateResourceRefs resolve every entry from the repository', () => {
  const files = readdirSync(CORPUS).filter((f) => /templateResourceRefs:/.test(readFileSync(join(CORPUS, f), 'utf8'))).sort();
  assert.deepEqual(files, Object.keys(NAMED).sort());
  for (const file of files) {
    const repo = repoFor(file);
    assert.deepEqual(repo.diagnostics.filter((d) => d.code === 'dangling-resource-ref' || d.code === 'schema').map((d) => d.message), [], file);
    assert.deepEqual(templateProblems(repo), [], file);
    const r = templateContext(repo.profiles[0]!, repo.clusters[0]!, undefined, indexRepositoryObjects(repo.objects));
    assert.equal(r.error, undefined, file);
    assert.deepEqual(Object.values(r.context!.resources).map((o) => `${o.kind} ${(o.metadata as { namespace?: string }).namespace}/${(o.metadata as { name: string }).name}`), NAMED[file]!.map(([, k, ns, n]) => `${k} ${ns}/${n}`), file);
  }
});

test('the helm entries among them render from the named objects and are planned', () => {
  const install = (file: string) => {
    const { cycle } = step(repoFor(file));
    assert.equal(cycle.actions.length, 1, file);
    return cycle.actions[0]!.release;
  };
  assert.equal(install('086-clusterprofile-deploy-kyverno.yaml').chartVersion, 'v3.2.5', 'k8s-version v1.29.0 picks v3.2.5');
  assert.equal(install('087-clusterprofile-deploy-kyverno.yaml').values, 'admissionController:\n  replicas: 3\n');
  assert.equal(install('092-clusterprofile-deploy-kyverno.yaml').chartVersion, 'v3.3.3');
});
