// The templated helm fields of Sveltos' documentation (the compatibility corpus) rendered with
// the engine: every one of them parses, and each renders for a cluster that has what it reads
// (the CAPI fields some examples read, the templateResourceRefs objects others name).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFile } from '../../src/load/index.ts';
import { compileTemplate, TemplateError, type TemplateCluster } from '../../src/plan/template.ts';

const CORPUS = new URL('../../../shared/corpus/sveltos-docs/', import.meta.url).pathname;
const FIELDS = ['values', 'chartVersion', 'releaseName', 'releaseNamespace', 'chartName', 'repositoryURL', 'repositoryName'] as const;

interface Templated {
  where: string;
  text: string;
}

function templatedHelmFields(): Templated[] {
  const out: Templated[] = [];
  for (const file of readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const obj of parseFile(file, readFileSync(join(CORPUS, file), 'utf8')).objects) {
      const charts = (obj.spec as { helmCharts?: Array<Record<string, unknown>> }).helmCharts ?? [];
      charts.forEach((chart, i) => {
        for (const f of FIELDS) {
          const v = chart[f];
          if (typeof v === 'string' && v.includes('{{')) out.push({ where: `${file} helmCharts[${i}].${f}`, text: v });
        }
      });
    }
  }
  return out;
}

const capiLike: TemplateCluster = {
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'SveltosCluster',
  metadata: { name: 'cluster1', namespace: 'civo', labels: { env: 'fv', environment: 'prod', 'k8s-version': 'v1.29.0' } },
  spec: { controlPlaneEndpoint: { host: '10.0.0.1', port: 6443 }, clusterNetwork: { pods: { cidrBlocks: ['192.168.0.0/16'] } } },
};

const resources = {
  ConfigData: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster1' }, data: { values: 'admissionController:\n  replicas: 3' } },
  Version: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kyverno-prod-version', namespace: 'default' }, data: { chartVersion: 'v3.3.3' } },
};

test('all 7 templated helm fields of the corpus render for a cluster that has what they read', () => {
  const fields = templatedHelmFields();
  assert.equal(fields.length, 7);
  const rendered = new Map(fields.map((f) => [f.where, compileTemplate(f.text).render(capiLike, resources)]));
  assert.equal(rendered.get('014-clusterprofile-deploy-cilium-v1-26.yaml helmCharts[0].values')!.split('\n').slice(0, 2).join('\n'), 'k8sServiceHost: "10.0.0.1"\nk8sServicePort: "6443"');
  assert.match(rendered.get('013-clusterprofile-deploy-calico.yaml helmCharts[0].values')!, /- cidr: 192\.168\.0\.0\/16\n/);
  assert.equal(rendered.get('086-clusterprofile-deploy-kyverno.yaml helmCharts[0].chartVersion'), 'v3.2.5\n');
  assert.equal(rendered.get('087-clusterprofile-deploy-kyverno.yaml helmCharts[0].values'), 'admissionController:\n  replicas: 3\n');
  assert.equal(rendered.get('092-clusterprofile-deploy-kyverno.yaml helmCharts[0].chartVersion'), 'v3.3.3');
  assert.match(rendered.get('098-clusterprofile-deploy-capi-azure-managed.yaml helmCharts[0].values')!, /clusterName: "cluster1"/);
});

test('for a SveltosCluster without the CAPI fields, the examples that read them fail clearly, as in Sveltos', () => {
  const plain: TemplateCluster = { ...capiLike, spec: { kubeconfigName: 'cluster1-kubeconfig' } };
  const failures = templatedHelmFields().flatMap((f) => {
    try {
      compileTemplate(f.text).render(plain, resources);
      return [];
    } catch (e) {
      assert.ok(e instanceof TemplateError && e.code === 'template-missing-key', String(e));
      return [`${f.where}: ${e.message}`];
    }
  });
  assert.deepEqual(failures, [
    '013-clusterprofile-deploy-calico.yaml helmCharts[0].values: template line 4, column 23: at <.Cluster.spec.clusterNetwork.pods.cidrBlocks>: map has no entry for key "clusterNetwork" (cluster civo/cluster1)',
    '014-clusterprofile-deploy-cilium-v1-26.yaml helmCharts[0].values: template line 1, column 21: at <.Cluster.spec.controlPlaneEndpoint.host>: map has no entry for key "controlPlaneEndpoint" (cluster civo/cluster1)',
    '085-clusterprofile-deploy-calico.yaml helmCharts[0].values: template line 4, column 23: at <.Cluster.spec.clusterNetwork.pods.cidrBlocks>: map has no entry for key "clusterNetwork" (cluster civo/cluster1)',
  ]);
});
