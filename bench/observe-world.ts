// A fleet of in-memory clusters for the quiet-cycle benchmark with observation on: the counting
// helm writes each release it "installs" into its cluster (helm's record labels, gitset's mark),
// and a ClusterReader answers the daemon's observation GETs from that: the metadata-only inventory
// list, the release record (a Deployment and a ConfigMap), API discovery, and the live objects,
// all healthy. Real JSON, base64 and gzip on the wire, so gitset's own decoding cost is measured;
// the network is not (benchmark 3 measures that). Every GET is counted.
import { gzipSync } from 'node:zlib';
import { clusterKey, type ClusterKey } from '../src/model/objects.ts';
import type { ClusterReader, HelmRunner } from '../src/model/ports.ts';
import type { KubeGet } from '../src/observe/cluster-reader.ts';

interface Installed {
  namespace: string;
  name: string;
  revision: number;
  labels: Record<string, string>;
}

export interface ObservedWorld {
  helm: HelmRunner;
  reader: ClusterReader;
  calls: () => number;
  requests: () => number;
}

const DISCOVERY: Record<string, string> = {
  '/api/v1': JSON.stringify({ kind: 'APIResourceList', groupVersion: 'v1', resources: [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true }, { name: 'secrets', kind: 'Secret', namespaced: true }] }),
  '/apis/apps/v1': JSON.stringify({ kind: 'APIResourceList', groupVersion: 'apps/v1', resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true }] }),
};

function manifest(name: string): string {
  return `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  message: hello\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: app\n        image: nginx:1.27\n`;
}

/** A helm release Secret as the API server returns it: data.release is base64 of helm's base64(gzip(JSON)). */
function recordSecret(r: Installed, secretName: string): string {
  const body = JSON.stringify({ name: r.name, namespace: r.namespace, version: r.revision, info: { status: 'deployed' }, manifest: manifest(r.name) });
  const helmEncoded = gzipSync(body).toString('base64');
  return JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: secretName, namespace: r.namespace }, type: 'helm.sh/release.v1', data: { release: Buffer.from(helmEncoded).toString('base64') } });
}

function liveObject(kind: string, namespace: string, name: string): string {
  if (kind === 'configmaps') return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { message: 'hello' } });
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, generation: 1 },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } },
    status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, conditions: [{ type: 'Available', status: 'True' }] },
  });
}

export function observedWorld(): ObservedWorld {
  const clusters = new Map<ClusterKey, Map<string, Installed>>();
  let calls = 0;
  let requests = 0;
  const helm: HelmRunner = {
    async upgradeInstall(target, release) {
      calls++;
      const on = clusters.get(target.cluster) ?? new Map<string, Installed>();
      clusters.set(target.cluster, on);
      const key = `${release.releaseNamespace}/${release.releaseName}`;
      const revision = (on.get(key)?.revision ?? 0) + 1;
      on.set(key, { namespace: release.releaseNamespace, name: release.releaseName, revision, labels: { ...(release.labels ?? {}) } });
      return { revision, status: 'deployed', chartVersion: release.chartVersion };
    },
    async uninstall(target, release) {
      calls++;
      clusters.get(target.cluster)?.delete(`${release.releaseNamespace}/${release.releaseName}`);
    },
  };
  const answer = (body: string | undefined) => (body === undefined ? { status: 404, body: '{"kind":"Status","code":404}' } : { status: 200, body });
  const getter = (cluster: ClusterKey): KubeGet => async (path) => {
    requests++;
    const on = clusters.get(cluster) ?? new Map<string, Installed>();
    if (path.startsWith('/api/v1/secrets?')) {
      const items = [...on.values()].map((r) => ({
        metadata: { name: `sh.helm.release.v1.${r.name}.v${r.revision}`, namespace: r.namespace, labels: { owner: 'helm', name: r.name, status: 'deployed', version: String(r.revision), ...r.labels } },
      }));
      return answer(JSON.stringify({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', items }));
    }
    if (DISCOVERY[path]) return answer(DISCOVERY[path]);
    const m = /^\/(?:api|apis\/apps)\/v1\/namespaces\/([^/]+)\/(secrets|configmaps|deployments)\/([^/]+)$/.exec(path);
    if (!m) return answer(undefined);
    const [, ns, kind, name] = m as unknown as [string, string, string, string];
    if (kind === 'secrets') {
      const r = [...on.values()].find((x) => x.namespace === ns && `sh.helm.release.v1.${x.name}.v${x.revision}` === name);
      return answer(r ? recordSecret(r, name) : undefined);
    }
    return answer(on.has(`${ns}/${name}`) ? liveObject(kind, ns, name) : undefined);
  };
  const reader: ClusterReader = { reader: (c) => getter(clusterKey(c.metadata)) };
  return { helm, reader, calls: () => calls, requests: () => requests };
}
