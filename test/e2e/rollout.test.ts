// maxUpdate end to end, with real helm against four simulated clusters: a chart change with
// `maxUpdate: 1` reaches one cluster; its workloads never become ready (an image the simulated
// cluster never starts), so the rollout halts after the rollout timeout and the other three keep
// the old version; a fixed commit resumes it, and every cluster ends on the fixed version.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NEVER_READY_IMAGE_MARKER } from '../../src/sim/index.ts';
import { startFleet, waitFor, type Fleet } from './fleet.ts';
import { recordIn, revisionOn, RELEASE } from './truth.ts';

const CLUSTERS = ['civo/cluster1', 'civo/cluster2', 'civo/cluster3', 'civo/cluster4'];
const fleets: Fleet[] = [];
after(async () => {
  for (const f of fleets) await f.close();
});

const cluster = (name: string) => `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: ${name}, namespace: civo, labels: {env: prod}}\nspec: {}\n`;

function profile(url: string, tag: string): string {
  return `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: kyverno
  annotations: {gitset.dev/rollout-timeout: 20s}
spec:
  clusterSelector: {matchLabels: {env: prod}}
  maxUpdate: 1
  helmCharts:
  - chartName: hello/hello
    chartVersion: 0.1.0
    releaseName: ${RELEASE}
    releaseNamespace: kyverno
    repositoryName: hello
    repositoryURL: ${url}
    values: |
      image:
        tag: "${tag}"
`;
}

test('maxUpdate 1: one cluster at a time; a never-ready version halts the rollout, a fixed one resumes it', { timeout: 600_000 }, async () => {
  const f = await startFleet({
    clusters: CLUSTERS,
    manifests: (url) => ({ ...Object.fromEntries(CLUSTERS.map((k) => [`clusters/${k.split('/')[1]}.yaml`, cluster(k.split('/')[1]!)])), 'profiles/kyverno.yaml': profile(url, '1.27') }),
  });
  fleets.push(f);
  await f.startDaemon({ probeTimeout: '2s' });
  const status = async (): Promise<any> => f.status('ClusterProfile/kyverno.yaml');
  const healthyEverywhere = async () => {
    const s = await status();
    return CLUSTERS.every((c) => recordIn(s, c)?.health === 'Healthy') || undefined;
  };
  await waitFor('the release Healthy on the four clusters', healthyEverywhere, 120_000);
  const revisions = async () => Promise.all(CLUSTERS.map((c) => revisionOn(f, c)));
  assert.deepEqual(await revisions(), [1, 1, 1, 1]);

  // A version whose workloads never become ready: one cluster gets it, the rollout halts.
  const dir = await f.clone();
  // The chart repository's address is only known once it runs: change the tag in what was pushed.
  const file = join(dir, 'profiles/kyverno.yaml');
  const withTag = async (tag: string) => writeFile(file, (await readFile(file, 'utf8')).replace(/tag: ".*"/, `tag: "${tag}"`));
  await withTag(NEVER_READY_IMAGE_MARKER);
  await f.push(dir, 'kyverno: a version that never becomes ready');
  let seen: unknown;
  const halted = await waitFor('the rollout halted', async () => {
    const s = await status();
    seen = { rollout: s?.status?.rollout, records: CLUSTERS.map((c) => recordIn(s, c)) };
    return s?.status?.rollout?.halted ? s.status.rollout : undefined;
  }, 240_000).catch((err: Error) => assert.fail(`${err.message}; last committed status: ${JSON.stringify(seen)}`));
  assert.match(halted.halted, /^civo\/cluster1: kyverno\/kyverno-latest not Healthy 20s after it was applied \(Deployment kyverno\/kyverno-latest-hello: 0 of 1 replicas available\)$/);
  assert.deepEqual(halted.waiting, ['civo/cluster2', 'civo/cluster3', 'civo/cluster4']);
  assert.deepEqual(await revisions(), [2, 1, 1, 1], 'the other three keep the old version');
  assert.match(recordIn(await status(), 'civo/cluster2').reason, /^rollout halted: civo\/cluster1/);

  // A fixed version resumes: every cluster ends on it, Healthy, one after the other.
  await withTag('1.28');
  await f.push(dir, 'kyverno: fixed version');
  await waitFor('the rollout done', async () => {
    const s = await status();
    return (!s?.status?.rollout && CLUSTERS.every((c) => recordIn(s, c)?.health === 'Healthy' && recordIn(s, c)?.hash !== undefined)) || undefined;
  }, 180_000);
  assert.deepEqual(await revisions(), [3, 2, 2, 2]);
  const log = (await f.log()).map((c) => `${c.subject}\n${c.body ?? ''}`).join('\n');
  // Status commits run in the background and a newer one replaces one not yet started, so a wave
  // may be said with the commit after it; the start, the halt, the resume and the end are said.
  for (const said of ['rollout started', 'rollout halted: civo/cluster1', 'rollout resumed', 'rollout done']) {
    assert.ok(log.includes(`ClusterProfile/kyverno ${said}`), `git log says "${said}": ${log.split("\n").filter((l) => l.includes("rollout")).join(" | ")}`);
  }
});
