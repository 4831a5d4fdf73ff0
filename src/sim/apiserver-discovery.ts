// Which resource types the simulated API server serves, and the discovery documents that
// describe them: the legacy ones (/api, /apis, /api/v1, /apis/<g>/<v>) and the aggregated
// ones (apidiscovery.k8s.io/v2) that client-go asks for first since Kubernetes 1.30.
// CustomResourceDefinitions add types at run time, as on a real cluster.

export interface ResourceType {
  /** '' for the core group. */
  group: string;
  version: string;
  /** Plural, lower case: the path segment (`deployments`). */
  resource: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  /** Subresources served besides the object itself. */
  subresources?: Array<'status' | 'scale'>;
  /** Groupings kubectl expands, such as `all`. */
  categories?: string[];
}

/** Types kubectl lists for `kubectl get all`. */
const CATEGORY_ALL = new Set(['pods', 'services', 'replicationcontrollers', 'deployments', 'statefulsets', 'daemonsets', 'replicasets', 'jobs', 'cronjobs', 'horizontalpodautoscalers']);

function categories(rt: ResourceType): object {
  return rt.categories?.length ? { categories: rt.categories } : {};
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function t(
  gv: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  shortNames?: string[],
  subresources?: Array<'status' | 'scale'>,
): ResourceType {
  const [group, version] = gv.includes('/') ? (gv.split('/') as [string, string]) : ['', gv];
  return { group, version, resource, kind, namespaced, shortNames, subresources, ...(CATEGORY_ALL.has(resource) ? { categories: ['all'] } : {}) };
}

/** The built-in types a typical chart uses, in the groups and versions a 1.29+ cluster serves. */
export const BUILTIN_TYPES: readonly ResourceType[] = [
  t('v1', 'namespaces', 'Namespace', false, ['ns'], ['status']),
  t('v1', 'nodes', 'Node', false, ['no'], ['status']),
  t('v1', 'persistentvolumes', 'PersistentVolume', false, ['pv'], ['status']),
  t('v1', 'pods', 'Pod', true, ['po'], ['status']),
  t('v1', 'services', 'Service', true, ['svc'], ['status']),
  t('v1', 'endpoints', 'Endpoints', true, ['ep']),
  t('v1', 'configmaps', 'ConfigMap', true, ['cm']),
  t('v1', 'secrets', 'Secret', true),
  t('v1', 'serviceaccounts', 'ServiceAccount', true, ['sa']),
  t('v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, ['pvc'], ['status']),
  t('v1', 'events', 'Event', true, ['ev']),
  t('v1', 'limitranges', 'LimitRange', true, ['limits']),
  t('v1', 'resourcequotas', 'ResourceQuota', true, ['quota'], ['status']),
  t('v1', 'replicationcontrollers', 'ReplicationController', true, ['rc'], ['status', 'scale']),
  t('apps/v1', 'deployments', 'Deployment', true, ['deploy'], ['status', 'scale']),
  t('apps/v1', 'statefulsets', 'StatefulSet', true, ['sts'], ['status', 'scale']),
  t('apps/v1', 'daemonsets', 'DaemonSet', true, ['ds'], ['status']),
  t('apps/v1', 'replicasets', 'ReplicaSet', true, ['rs'], ['status', 'scale']),
  t('apps/v1', 'controllerrevisions', 'ControllerRevision', true),
  t('batch/v1', 'jobs', 'Job', true, undefined, ['status']),
  t('batch/v1', 'cronjobs', 'CronJob', true, ['cj'], ['status']),
  t('networking.k8s.io/v1', 'ingresses', 'Ingress', true, ['ing'], ['status']),
  t('networking.k8s.io/v1', 'ingressclasses', 'IngressClass', false),
  t('networking.k8s.io/v1', 'networkpolicies', 'NetworkPolicy', true, ['netpol']),
  t('rbac.authorization.k8s.io/v1', 'roles', 'Role', true),
  t('rbac.authorization.k8s.io/v1', 'rolebindings', 'RoleBinding', true),
  t('rbac.authorization.k8s.io/v1', 'clusterroles', 'ClusterRole', false),
  t('rbac.authorization.k8s.io/v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  t('policy/v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, ['pdb'], ['status']),
  t('autoscaling/v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, ['hpa'], ['status']),
  t('autoscaling/v1', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, ['hpa'], ['status']),
  t('apiextensions.k8s.io/v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, ['crd', 'crds'], ['status']),
  t('admissionregistration.k8s.io/v1', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false),
  t('admissionregistration.k8s.io/v1', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false),
  t('coordination.k8s.io/v1', 'leases', 'Lease', true),
  t('storage.k8s.io/v1', 'storageclasses', 'StorageClass', false, ['sc']),
  t('storage.k8s.io/v1', 'csidrivers', 'CSIDriver', false),
  t('scheduling.k8s.io/v1', 'priorityclasses', 'PriorityClass', false, ['pc']),
  t('discovery.k8s.io/v1', 'endpointslices', 'EndpointSlice', true),
];

/** Group/version order of discovery: the preferred version of a group comes first. */
function groupVersions(types: readonly ResourceType[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const rt of types) {
    const versions = groups.get(rt.group) ?? [];
    if (!versions.includes(rt.version)) versions.push(rt.version);
    groups.set(rt.group, versions);
  }
  return groups;
}

/** The served types: the built-in ones plus those CustomResourceDefinitions added. */
export class ResourceRegistry {
  private types: ResourceType[] = [...BUILTIN_TYPES];

  all(): readonly ResourceType[] {
    return this.types;
  }

  find(group: string, version: string, resource: string): ResourceType | undefined {
    return this.types.find((rt) => rt.group === group && rt.version === version && rt.resource === resource);
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.types.some((rt) => rt.group === group && rt.version === version);
  }

  /** Replaces the types of one CRD (identified by group + plural) with `types`. */
  setCustom(group: string, resource: string, types: ResourceType[]): void {
    this.types = this.types.filter((rt) => !(rt.group === group && rt.resource === resource)).concat(types);
  }

  removeCustom(group: string, resource: string): void {
    if (BUILTIN_TYPES.some((rt) => rt.group === group && rt.resource === resource)) return;
    this.types = this.types.filter((rt) => !(rt.group === group && rt.resource === resource));
  }

  /** GET /api */
  coreVersions(): object {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }],
    };
  }

  /** GET /apis */
  groupList(): object {
    const groups = [...groupVersions(this.types)].filter(([g]) => g !== '');
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map(([name, versions]) => ({
        name,
        versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
        preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
      })),
    };
  }

  /** GET /apis/<group> */
  group(name: string): object | undefined {
    const versions = groupVersions(this.types).get(name);
    if (!versions || name === '') return undefined;
    return {
      kind: 'APIGroup',
      apiVersion: 'v1',
      name,
      versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
    };
  }

  /** GET /api/v1 or /apis/<group>/<version> */
  resourceList(group: string, version: string): object | undefined {
    const types = this.types.filter((rt) => rt.group === group && rt.version === version);
    if (types.length === 0) return undefined;
    const resources = types.flatMap((rt) => [
      {
        name: rt.resource,
        singularName: rt.kind.toLowerCase(),
        namespaced: rt.namespaced,
        kind: rt.kind,
        verbs: VERBS,
        ...(rt.shortNames ? { shortNames: rt.shortNames } : {}),
        ...categories(rt),
      },
      ...(rt.subresources ?? []).map((sub) => ({
        name: `${rt.resource}/${sub}`,
        singularName: '',
        namespaced: rt.namespaced,
        ...(sub === 'scale' ? { group: 'autoscaling', version: 'v1', kind: 'Scale' } : { kind: rt.kind }),
        verbs: ['get', 'patch', 'update'],
      })),
    ]);
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
  }

  /** Aggregated discovery (apidiscovery.k8s.io/v2) of the core group (`/api`) or of all others (`/apis`). */
  aggregated(core: boolean, apiVersion: 'v2' | 'v2beta1'): object {
    const groups = [...groupVersions(this.types)].filter(([g]) => (core ? g === '' : g !== ''));
    return {
      kind: 'APIGroupDiscoveryList',
      apiVersion: `apidiscovery.k8s.io/${apiVersion}`,
      metadata: {},
      items: groups.map(([name, versions]) => ({
        metadata: name ? { name } : {},
        versions: versions.map((version) => ({
          version,
          freshness: 'Current',
          resources: this.types
            .filter((rt) => rt.group === name && rt.version === version)
            .map((rt) => ({
              resource: rt.resource,
              responseKind: { group: rt.group, version: rt.version, kind: rt.kind },
              scope: rt.namespaced ? 'Namespaced' : 'Cluster',
              singularResource: rt.kind.toLowerCase(),
              verbs: VERBS,
              ...(rt.shortNames ? { shortNames: rt.shortNames } : {}),
              ...categories(rt),
              ...(rt.subresources
                ? {
                    subresources: rt.subresources.map((sub) => ({
                      subresource: sub,
                      responseKind:
                        sub === 'scale'
                          ? { group: 'autoscaling', version: 'v1', kind: 'Scale' }
                          : { group: rt.group, version: rt.version, kind: rt.kind },
                      verbs: ['get', 'patch', 'update'],
                    })),
                  }
                : {}),
            })),
        })),
      })),
    };
  }
}
