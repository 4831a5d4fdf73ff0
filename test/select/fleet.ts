// Builders for the objects the loader would produce, so select/plan/status tests can describe a
// fleet in a few lines. Not a test file itself (no `.test.ts`).
import type {
  ClusterSetObject,
  HelmChart,
  ProfileObject,
  ProfileSpec,
  SetSpec,
  SveltosCluster,
  SveltosClusterSpec,
} from '../../src/model/objects.ts';

const source = { file: 'test.yaml', line: 1, col: 1 };
export const LIB = 'lib.projectsveltos.io/v1beta1';
export const CONFIG = 'config.projectsveltos.io/v1beta1';

/** `cluster('civo/cluster1', { env: 'prod' })` */
export function cluster(key: string, labels: Record<string, string> = {}, spec: SveltosClusterSpec = {}): SveltosCluster {
  const [namespace, name] = key.split('/') as [string, string];
  return { apiVersion: LIB, kind: 'SveltosCluster', metadata: { name, namespace, labels }, spec, source };
}

export function clusterSet(name: string, spec: SetSpec): ClusterSetObject {
  return { apiVersion: LIB, kind: 'ClusterSet', metadata: { name }, spec, source };
}

export function nsSet(namespace: string, name: string, spec: SetSpec): ClusterSetObject {
  return { apiVersion: LIB, kind: 'Set', metadata: { name, namespace }, spec, source };
}

export function clusterProfile(name: string, spec: ProfileSpec): ProfileObject {
  return { apiVersion: CONFIG, kind: 'ClusterProfile', metadata: { name }, spec, source };
}

export function nsProfile(namespace: string, name: string, spec: ProfileSpec): ProfileObject {
  return { apiVersion: CONFIG, kind: 'Profile', metadata: { name, namespace }, spec, source };
}

/** A helm chart entry named after its release: `chart('hello', { chartVersion: '0.2.0' })`. */
export function chart(releaseName: string, extra: Partial<HelmChart> = {}): HelmChart {
  return {
    repositoryURL: 'http://127.0.0.1:18080',
    repositoryName: 'local',
    chartName: 'local/hello',
    chartVersion: '0.1.0',
    releaseName,
    releaseNamespace: 'apps',
    helmChartAction: 'Install',
    ...extra,
  };
}

export function refs(...keys: string[]) {
  return keys.map((k) => {
    const [namespace, name] = k.split('/') as [string, string];
    return { apiVersion: LIB, kind: 'SveltosCluster', namespace, name };
  });
}
