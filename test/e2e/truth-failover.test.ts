// "The clusters are the truth" (issue 12), failovers judged by health, end to end on the seed fleet
// (ClusterSet prod capped at one, ClusterProfile kyverno) with the image tag taken from a cluster
// label: cluster2's is `never-ready`, an image the simulated cluster never makes ready.
// - a failover to cluster2 is not `deployed` while its workloads are not Healthy, and becomes so
//   when they are;
// - a planned move (a cordon) to a replacement that never becomes healthy keeps the old cluster's
//   release (`gitset plan --observe` says so) until gitset.dev/drain-timeout, then withdraws it,
//   saying so in status, log and commit.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NEVER_READY_IMAGE_MARKER } from '../../src/sim/index.ts';
import { runCli } from '../cli/run-cli.ts';
import { names, seedManifests, waitFor, type Fleet } from './fleet.ts';
import { C1, C2, cycles, DEPLOYMENT, deployedOn, fleetWithRelease, messages, record, RELEASE_NS } from './truth.ts';

const fleets: Fleet[] = [];
after(async () => {
  for (const f of fleets) await f.close();
});

/** The seed, its image tag read from each cluster's `tag` label (cluster2: never ready), and `setAnnotations` on ClusterSet prod. */
function labelledSeed(url: string, setAnnotations = ''): Record<string, string> {
  const m = { ...seedManifests(url) };
  m['clusters/cluster1.yaml'] = m['clusters/cluster1.yaml']!.replace('    env: prod\n', '    env: prod\n    tag: "1.27"\n');
  m['clusters/cluster2.yaml'] = m['clusters/cluster2.yaml']!.replace('    env: prod\n', `    env: prod\n    tag: ${NEVER_READY_IMAGE_MARKER}\n`);
  m['profiles/kyverno.yaml'] = m['profiles/kyverno.yaml']!.replace(
    '    releaseName: kyverno-latest\n',
    `    releaseName: kyverno-latest\n    values: |\n      image:\n        tag: '{{ index .Cluster.metadata.labels "tag" }}'\n`,
  );
  if (setAnnotations) m['sets/prod.yaml'] = m['sets/prod.yaml']!.replace('  name: prod\n', `  name: prod\n  annotations:\n${setAnnotations}`);
  return m;
}

const setStatus = async (f: Fleet): Promise<any> => (await f.status('ClusterSet/prod.yaml'))?.status;
const lastFailover = async (f: Fleet): Promise<any> => (await setStatus(f))?.failovers?.at(-1);

async function healthyOn(f: Fleet, cluster: string): Promise<boolean> {
  const r = await record(f, cluster);
  return r?.state === 'Deployed' && r.health === 'Healthy';
}

test('a failover is deployed when its replacement is Healthy, not when helm returned', { timeout: 240_000 }, async () => {
  const { f, daemon } = await fleetWithRelease(fleets, (url) => labelledSeed(url), { failureThreshold: '2' });
  await waitFor(`the release Healthy on ${C1}`, () => healthyOn(f, C1), 60_000);

  await f.sandbox.clusters.get(C1)!.stop();
  await waitFor(`the release on ${C2}`, () => deployedOn(f, C2), 90_000);
  await waitFor(`recorded Deployed on ${C2}`, async () => (await record(f, C2))?.state === 'Deployed', 30_000);
  await cycles(daemon, 3);
  const open = await lastFailover(f);
  assert.equal(open?.to, C2);
  assert.equal(open?.deployed, undefined, 'installed, never ready: the failover is not done');
  const rec = await record(f, C2);
  assert.notEqual(rec.health, 'Healthy', `health ${rec.health}: ${rec.healthMessage}`);

  const fixedAt = new Date().toISOString();
  await f.kubectl(C2, 'set', 'image', `deployment/${DEPLOYMENT}`, '-n', RELEASE_NS, 'hello=nginx:1.27');
  const done = await waitFor('the failover deployed', async () => {
    const fo = await lastFailover(f);
    return fo?.deployed ? fo : undefined;
  }, 60_000);
  assert.ok(done.deployed >= fixedAt, `deployed ${done.deployed} is when the replacement became healthy (fixed at ${fixedAt})`);
  assert.equal(await healthyOn(f, C2), true);
});

test('a drain to a replacement that never becomes healthy ends after gitset.dev/drain-timeout and says so', { timeout: 240_000 }, async () => {
  const { f } = await fleetWithRelease(fleets, (url) => labelledSeed(url, '    gitset.dev/drain-timeout: 30s\n'));
  await waitFor(`the release Healthy on ${C1}`, () => healthyOn(f, C1), 60_000);

  // A cordon is a planned move: cluster1 drains while cluster2 gets the release.
  const work = await f.clone();
  const file = join(work, 'clusters/cluster1.yaml');
  await writeFile(file, (await readFile(file, 'utf8')).replace('  labels:\n', '  annotations:\n    gitset.dev/cordon: kernel upgrade\n  labels:\n'));
  await f.push(work, 'cordon cluster1');
  await waitFor(`the release on ${C2}`, () => deployedOn(f, C2), 90_000);
  const draining = await waitFor(`${C1} draining`, async () => {
    const s = await setStatus(f);
    return names(s?.drainingClusterRefs).includes(C1) ? s : undefined;
  });
  assert.deepEqual(names(draining.selectedClusterRefs), [C2]);
  assert.equal(await deployedOn(f, C1), true, 'kept while the replacement is not healthy');

  // `gitset plan --observe` on a clone says what is held, and why.
  const clone = await f.clone();
  const plan = await runCli(['plan', clone, '--observe', '--credentials', f.sandbox.credentialsDir, '--format', 'json'], { cwd: clone });
  assert.equal(plan.code, 0, plan.err);
  const held = JSON.parse(plan.out).held.map((h: { message: string }) => h.message);
  assert.ok(held.includes('kyverno/kyverno-latest kept on civo/cluster1 until the replacement on civo/cluster2 is healthy'), `held: ${JSON.stringify(held)}`);
  const text = await runCli(['plan', clone, '--observe', '--credentials', f.sandbox.credentialsDir], { cwd: clone });
  assert.match(text.out, /Held \(make-before-break\):\n  kyverno\/kyverno-latest kept on civo\/cluster1 until the replacement on civo\/cluster2 is healthy \(ClusterProfile\/kyverno\)/);

  await waitFor(`the release withdrawn from ${C1}`, async () => (await f.releases(C1)).length === 0, 120_000);
  // The uninstall runs before the cycle's status commit lands.
  const fo = await waitFor('the drain timeout in the set status', async () => {
    const last = await lastFailover(f);
    return last?.drainTimedOut ? last : undefined;
  });
  assert.match(fo?.drainTimedOut?.message ?? '', /stopped draining civo\/cluster1 after 30s \(gitset\.dev\/drain-timeout\): civo\/cluster2 not deployed and healthy yet/);
  assert.equal(fo.deployed, undefined, 'the replacement never became healthy');
  assert.equal(await deployedOn(f, C2), true, 'the replacement keeps its release');
  const log = await messages(f);
  assert.ok(log.some((m) => m.includes('stopped draining civo/cluster1 after 30s')), `a status commit says the drain timed out:\n${log.slice(0, 6).join('\n---\n')}`);
  const uninstall = f.logs.find((l) => l.includes('"msg":"helm uninstall"') && l.includes(C1));
  assert.match(uninstall ?? '', /stopped draining civo\/cluster1 after 30s/, 'the log names the drain timeout as the reason');
});
