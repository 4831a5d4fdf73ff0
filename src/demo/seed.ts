// The failover scenario of Sveltos' ClusterSet documentation (shared/seeds), as manifests:
// two prod clusters in civo, ClusterSet prod capped at one, ClusterProfile kyverno on that set.
// The demo falls back to it when example-repo/ is absent; the end-to-end tests run it.

export const SEED_CLUSTERS = ['civo/cluster1', 'civo/cluster2'];

/** The seed: two prod clusters in civo, ClusterSet prod (maxReplicas 1), ClusterProfile kyverno on it. */
export function seedManifests(chartUrl = 'http://127.0.0.1:18080'): Record<string, string> {
  const cluster = (name: string) => `apiVersion: lib.projectsveltos.io/v1beta1
kind: SveltosCluster
metadata:
  name: ${name}
  namespace: civo
  labels:
    env: prod
spec: {}
`;
  return {
    'clusters/cluster1.yaml': cluster('cluster1'),
    'clusters/cluster2.yaml': cluster('cluster2'),
    'sets/prod.yaml': `apiVersion: lib.projectsveltos.io/v1alpha1
kind: ClusterSet
metadata:
  name: prod
spec:
  clusterSelector: env=prod
  maxReplicas: 1
`,
    'profiles/kyverno.yaml': `apiVersion: config.projectsveltos.io/v1alpha1
kind: ClusterProfile
metadata:
  name: kyverno
spec:
  helmCharts:
  - chartName: hello/hello
    chartVersion: 0.1.0
    helmChartAction: Install
    releaseName: kyverno-latest
    releaseNamespace: kyverno
    repositoryName: hello
    repositoryURL: ${chartUrl}
  setRefs:
  - prod
`,
  };
}

