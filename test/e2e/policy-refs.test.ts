// policyRefs end to end: ConfigMaps in the repository applied to simulated clusters by the daemon
// with the real kubectl (server-side apply, gitset's field manager), over a real Git server:
// applied (Namespace before what lives in it), updated, an object left out of the ConfigMap
// withdrawn, an object whose mark was removed by hand left alone, a lower-tier rival taking the
// object over, and everything withdrawn when the cluster stops matching.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seedManifests, startFleet, waitFor, type Fleet } from './fleet.ts';

const fleets: Fleet[] = [];
after(async () => {
  for (const f of fleets) await f.close();
});

const C1 = 'civo/cluster1';
const C2 = 'civo/cluster2';
const SECRET_VALUE = 's3cr3t-value-never-in-status';

function configMap(name: string, ns: string, data: Record<string, string>): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data });
}

function webPolicies(settings: string, keys: { extra: boolean; tmp: boolean; handmade?: boolean }): string {
  const data: Record<string, string> = {
    // The ConfigMap comes first in the text: gitset applies the Namespace before it.
    'ns.yaml': `${configMap('inner', 'web', { x: '1' })}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n`,
    'settings.yaml': configMap('settings', 'default', { a: settings }),
  };
  if (keys.extra) data['extra.yaml'] = configMap('extra', 'default', { e: '1' });
  if (keys.handmade) data['handmade.yaml'] = configMap('handmade', 'default', { h: 'gitset' });
  if (keys.tmp) data['tmp.yaml'] = configMap('tmp', 'auto', { t: '1' }); // namespace auto is declared nowhere: created
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-policies', namespace: 'default' }, data });
}

function profile(name: string, cluster: string, tier: number, source: string): string {
  return `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: ${name}
spec:
  tier: ${tier}
  clusterRefs:
  - kind: SveltosCluster
    namespace: civo
    name: ${cluster}
  policyRefs:
  - kind: ConfigMap
    namespace: default
    name: ${source}
${source === 'web-policies' ? '  - {kind: Secret, namespace: default, name: web-secret}\n' : ''}`;
}

function manifests(): Record<string, string> {
  const seed = seedManifests();
  return {
    'clusters/cluster1.yaml': seed['clusters/cluster1.yaml']!,
    'clusters/cluster2.yaml': seed['clusters/cluster2.yaml']!,
    'policies/web.yaml': webPolicies('1', { extra: true, tmp: true }),
    'policies/rival.yaml': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'rival-policies', namespace: 'default' }, data: { 'settings.yaml': configMap('settings', 'default', { a: 'rival' }) } }),
    'policies/secret.yaml': JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-secret', namespace: 'default' }, type: 'addons.projectsveltos.io/cluster-profile', data: { 'token.yaml': Buffer.from(configMap('from-secret', 'default', { token: SECRET_VALUE })).toString('base64') } }),
    'profiles/web.yaml': profile('web', 'cluster1', 100, 'web-policies'),
    'profiles/rival.yaml': profile('rival', 'cluster1', 200, 'rival-policies'),
  };
}

async function getJson(f: Fleet, cluster: string, ...args: string[]): Promise<any> {
  return JSON.parse(await f.kubectl(cluster, 'get', ...args, '-o', 'json'));
}

async function absent(f: Fleet, cluster: string, ...args: string[]): Promise<boolean> {
  return (await f.kubectl(cluster, 'get', ...args, '--ignore-not-found', '-o', 'name')).trim() === '';
}

async function settingsOn(f: Fleet, cluster: string): Promise<string | undefined> {
  return (await getJson(f, cluster, 'configmap', 'settings', '-n', 'default').catch(() => undefined))?.data?.a;
}

function policiesIn(doc: any, cluster: string): any[] {
  return (doc?.status?.clusters ?? []).find((c: { cluster: string }) => c.cluster === cluster)?.policies ?? [];
}

test('policyRefs: applied, updated, pruned, left alone when unmarked, taken over by tier, withdrawn', { timeout: 240_000 }, async () => {
  const f = await startFleet({ manifests });
  fleets.push(f);
  await f.startDaemon();

  // Applied: the lower tier (web, 100) wins settings over rival (200); the Namespace came first.
  assert.equal(await waitFor('settings on cluster1', async () => (await settingsOn(f, C1)) === '1' || undefined, 90_000), true);
  const inner = await getJson(f, C1, 'configmap', 'inner', '-n', 'web', '--show-managed-fields');
  assert.equal(inner.metadata.labels['gitset.dev/managed-by'], 'gitset');
  assert.equal(inner.metadata.labels['gitset.dev/profile'], 'clusterprofile.web');
  assert.ok(inner.metadata.managedFields.some((m: { manager: string; operation: string }) => m.manager === 'gitset' && m.operation === 'Apply'));
  const web = await waitFor('web status', async () => {
    const s = await f.status('ClusterProfile/web.yaml');
    return policiesIn(s, C1).length === 6 && policiesIn(s, C1).every((p: { state: string }) => p.state === 'Applied') ? s : undefined;
  });
  assert.deepEqual(policiesIn(web, C1).map((p: any) => `${p.kind} ${p.namespace ?? ''}/${p.name}`).sort(), ['ConfigMap auto/tmp', 'ConfigMap default/extra', 'ConfigMap default/from-secret', 'ConfigMap default/settings', 'ConfigMap web/inner', 'Namespace /web']);
  // A Secret's content reaches the cluster, and neither the status nor the log.
  assert.equal((await getJson(f, C1, 'configmap', 'from-secret', '-n', 'default')).data.token, SECRET_VALUE);
  assert.doesNotMatch(JSON.stringify(web), new RegExp(SECRET_VALUE));
  assert.doesNotMatch(f.logs.join(''), new RegExp(SECRET_VALUE));
  const rival = await f.status('ClusterProfile/rival.yaml');
  assert.deepEqual(policiesIn(rival, C1).map((p: any) => [p.name, p.state]), [['settings', 'Conflict']]);
  assert.match(policiesIn(rival, C1)[0].error, /claimed by ClusterProfile\/web \(tier 100/);

  // Updated: new content in the ConfigMap reaches the cluster.
  const dir = await f.clone();
  await writeFile(join(dir, 'policies/web.yaml'), webPolicies('2', { extra: true, tmp: true }));
  await f.push(dir, 'web: settings a=2');
  await waitFor('settings a=2', async () => (await settingsOn(f, C1)) === '2' || undefined, 60_000);

  // Pruned: tmp leaves the ConfigMap and goes; extra also leaves it, but a person removed gitset's mark first.
  await f.kubectl(C1, 'label', 'configmap', 'extra', '-n', 'default', 'gitset.dev/managed-by-');
  await writeFile(join(dir, 'policies/web.yaml'), webPolicies('2', { extra: false, tmp: false }));
  await f.push(dir, 'web: drop tmp and extra');
  await waitFor('tmp withdrawn', () => absent(f, C1, 'configmap', 'tmp', '-n', 'auto'), 60_000);
  await waitFor('status without tmp and extra', async () => {
    const names = policiesIn(await f.status('ClusterProfile/web.yaml'), C1).map((p: { name: string }) => p.name);
    return !names.includes('tmp') && !names.includes('extra');
  });
  assert.equal((await getJson(f, C1, 'configmap', 'extra', '-n', 'default')).data.e, '1', 'the unmarked object is left alone');

  // Already there without gitset's mark: not overwritten, the record says why.
  await f.kubectl(C1, 'create', 'configmap', 'handmade', '-n', 'default', '--from-literal=h=mine');
  await writeFile(join(dir, 'policies/web.yaml'), webPolicies('2', { extra: false, tmp: false, handmade: true }));
  await f.push(dir, 'web: handmade');
  const refused = await waitFor('handmade refused', async () => policiesIn(await f.status('ClusterProfile/web.yaml'), C1).find((p: { name: string; state: string }) => p.name === 'handmade' && p.state === 'Conflict'), 60_000);
  assert.match(refused.error, /without gitset's mark/);
  assert.equal((await getJson(f, C1, 'configmap', 'handmade', '-n', 'default')).data.h, 'mine');

  // Stops matching: web moves to cluster2; on cluster1 rival takes settings over, the rest is withdrawn.
  await writeFile(join(dir, 'profiles/web.yaml'), profile('web', 'cluster2', 100, 'web-policies'));
  await f.push(dir, 'web: move to cluster2');
  await waitFor('settings on cluster2', async () => (await settingsOn(f, C2)) === '2' || undefined, 60_000);
  await waitFor('rival owns settings on cluster1', async () => (await settingsOn(f, C1)) === 'rival' || undefined, 60_000);
  await waitFor('web/inner withdrawn from cluster1', () => absent(f, C1, 'configmap', 'inner', '-n', 'web'), 60_000);
  const final = await waitFor('web status on cluster2 only', async () => {
    const s = await f.status('ClusterProfile/web.yaml');
    return policiesIn(s, C1).length === 0 && policiesIn(s, C2).length === 5 ? s : undefined;
  });
  assert.ok(policiesIn(final, C2).every((p: { state: string }) => p.state === 'Applied'));
  assert.equal((await getJson(f, C1, 'configmap', 'handmade', '-n', 'default')).data.h, 'mine', 'never withdrawn either');
  const rivalNow = await f.status('ClusterProfile/rival.yaml');
  assert.deepEqual(policiesIn(rivalNow, C1).map((p: any) => [p.name, p.state]), [['settings', 'Applied']]);
  assert.equal((await getJson(f, C1, 'configmap', 'settings', '-n', 'default')).metadata.labels['gitset.dev/profile'], 'clusterprofile.rival');
});
