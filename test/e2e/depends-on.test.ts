// dependsOn and a Sveltos helm option end to end: the daemon, real helm against simulated
// clusters, status over a real Git server.
// - a profile that depends on the seed's kyverno is installed on a cluster only after kyverno's
//   release is deployed there, and kyverno follows it to the clusters it alone matches;
// - installOptions.takeOwnership lets helm adopt an object a person created before the release.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seedManifests, startFleet, waitFor, type Fleet } from './fleet.ts';
import { statusHistory } from './truth.ts';

const fleets: Fleet[] = [];
after(async () => {
  for (const f of fleets) await f.close();
});

const C1 = 'civo/cluster1';
const C2 = 'civo/cluster2';

/** A ClusterProfile installing chart hello/hello as `name` in namespace `name`, on every prod cluster. */
const dependent = (chartUrl: string) => `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: policies
spec:
  clusterSelector:
    matchLabels:
      env: prod
  dependsOn:
  - kyverno
  helmCharts:
  - repositoryURL: ${chartUrl}
    repositoryName: hello
    chartName: hello/hello
    chartVersion: 0.1.0
    releaseName: policies
    releaseNamespace: policies
`;

async function releaseTimes(f: Fleet, cluster: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const list = JSON.parse((await f.helm(cluster, 'list', '-A', '--deployed', '-o', 'json')) || '[]') as Array<{ name: string; updated: string }>;
  for (const r of list) out.set(r.name, r.updated);
  return out;
}

test('dependsOn: the dependent waits for kyverno on each cluster; kyverno follows it to cluster2', { timeout: 180_000 }, async () => {
  const f = await startFleet({ manifests: (url) => ({ ...seedManifests(url), 'profiles/policies.yaml': dependent(url) }) });
  fleets.push(f);
  await f.startDaemon();
  for (const c of [C1, C2]) {
    await waitFor(`both releases deployed on ${c}`, async () => {
      const t = await releaseTimes(f, c);
      return t.has('kyverno-latest') && t.has('policies') ? t : undefined;
    }, 120_000);
    // helm's own record of when each was applied: the prerequisite first.
    const t = await releaseTimes(f, c);
    assert.ok(t.get('kyverno-latest')! < t.get('policies')!, `${c}: kyverno-latest (${t.get('kyverno-latest')}) before policies (${t.get('policies')})`);
  }
  const kyverno = await waitFor('kyverno matches the dependent\'s clusters', async () => {
    const s = await f.status('ClusterProfile/kyverno.yaml');
    return s?.status?.matchingClusters?.length === 2 ? s : undefined;
  });
  assert.deepEqual(kyverno.status.matchingClusters.map((r: { name: string }) => r.name), ['cluster1', 'cluster2'], 'set prod selects one; policies needs it on both');
  const waited = (await statusHistory(f, 'ClusterProfile/policies.yaml')).flatMap((v) => v.status?.clusters ?? []).flatMap((c: { releases: Array<{ reason?: string }> }) => c.releases);
  assert.ok(waited.some((r) => /waiting for profile ClusterProfile\/kyverno to be deployed/.test(r.reason ?? '')), 'a committed status said what the dependent waited for');
});

test('installOptions.takeOwnership: helm adopts a ConfigMap a person created before the release', { timeout: 180_000 }, async () => {
  const manifests = (url: string) => {
    const m = seedManifests(url);
    m['profiles/kyverno.yaml'] = m['profiles/kyverno.yaml']!.replace('    releaseNamespace: kyverno\n', '    releaseNamespace: kyverno\n    options:\n      installOptions:\n        takeOwnership: true\n');
    return m;
  };
  const f = await startFleet({ manifests });
  fleets.push(f);
  // Made by hand, without helm's ownership annotations: helm refuses to install over it unless told to take it.
  const ns = join(f.sandbox.root, 'namespace.yaml');
  await writeFile(ns, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kyverno\n');
  await f.kubectl(C1, 'apply', '-f', ns);
  await f.kubectl(C1, 'create', 'configmap', 'kyverno-latest-hello', '-n', 'kyverno', '--from-literal=message=by hand');
  await f.startDaemon();
  await waitFor('kyverno-latest deployed on cluster1', async () => (await f.releases(C1)).some((r) => r.name === 'kyverno-latest' && r.status === 'deployed'), 120_000);
  const cm = JSON.parse(await f.kubectl(C1, 'get', 'configmap', 'kyverno-latest-hello', '-n', 'kyverno', '-o', 'json'));
  assert.equal(cm.metadata.annotations?.['meta.helm.sh/release-name'], 'kyverno-latest', 'the ConfigMap now belongs to the release');
  assert.notEqual(cm.data.message, 'by hand', 'and holds what the chart sets');
});
