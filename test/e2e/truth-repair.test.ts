// "The clusters are the truth" (issue 12), repairs end to end: the seed fleet (ClusterSet prod
// capped at one, ClusterProfile kyverno installing kyverno/kyverno-latest on it), the daemon,
// real helm and kubectl against simulated clusters, status over a real Git server.
// - a release uninstalled by hand is installed again, with the evidence in status and commit;
// - with ContinuousWithDriftDetection, a Deployment scaled or deleted by hand is repaired;
// - a driftExclusions path stays as edited, while other drift on the object is repaired;
// - a cluster rebuilt empty behind the same kubeconfig gets its release back.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { counterTotal, seedManifests, waitFor, type Fleet } from './fleet.ts';
import {
  C1,
  cycles,
  DEPLOYMENT,
  deployedOn,
  deploymentReplicas,
  DRIFT_MODE,
  evidenceHistory,
  fleetWithRelease,
  messages,
  record,
  RELEASE,
  RELEASE_NS,
  listedOn,
  revisionOn,
  withProfileSpec,
} from './truth.ts';

const fleets: Fleet[] = [];
after(async () => {
  for (const f of fleets) await f.close();
});


test('a release uninstalled by hand is installed again within two cycles, with the evidence in status and commit', { timeout: 150_000 }, async () => {
  const { f, daemon } = await fleetWithRelease(fleets);
  const installs = await counterTotal(f.metrics, 'gitset_helm_calls_total');

  const before = await listedOn(f, C1);
  assert.equal(before?.status, 'deployed');
  await f.helm(C1, 'uninstall', RELEASE, '-n', RELEASE_NS);
  // The daemon probes every second and may already be installing again: the install listed before is gone either way.
  const after = await listedOn(f, C1);
  assert.notEqual(after?.updated, before!.updated, `the release is gone by hand (${JSON.stringify(after)})`);
  await cycles(daemon, 2);
  assert.equal(await deployedOn(f, C1), true, 'installed again within two whole cycles after its removal');
  assert.equal(await revisionOn(f, C1), 1, 'a fresh install');
  assert.ok((await counterTotal(f.metrics, 'gitset_helm_calls_total')) > installs, 'by a helm call of gitset');

  const rec = await waitFor('the record says Deployed again, with evidence', async () => {
    const r = await record(f, C1);
    return r?.state === 'Deployed' && r.evidence ? r : undefined;
  });
  assert.match(rec.evidence, /kyverno\/kyverno-latest missing/, `evidence: ${rec.evidence}`);
  assert.equal(rec.revision, 1, 'the record names the revision helm has');
  const log = await messages(f);
  assert.ok(log.some((m) => m.includes(rec.evidence)), `a status commit carries the evidence "${rec.evidence}":\n${log.join('\n---\n')}`);
});

test('ContinuousWithDriftDetection (pushed): a Deployment scaled or deleted by hand is repaired, evidence in status', { timeout: 180_000 }, async () => {
  const { f, daemon } = await fleetWithRelease(fleets, undefined, { driftInterval: '1s' });
  assert.equal(await deploymentReplicas(f, C1), 1, 'the chart sets one replica');

  const work = await f.clone();
  const file = join(work, 'profiles/kyverno.yaml');
  await writeFile(file, (await readFile(file, 'utf8')).replace('spec:\n', `spec:\n${DRIFT_MODE}`));
  const pushed = await f.push(work, 'kyverno: detect drift');
  await waitFor('the drift mode in force', async () => (await f.status('gitset.yaml'))?.lastAppliedRevision === pushed);
  await waitFor('the release still recorded as Deployed', async () => (await record(f, C1))?.state === 'Deployed');
  await cycles(daemon, 1);

  // Scaled by hand.
  await f.kubectl(C1, 'scale', `deployment/${DEPLOYMENT}`, '-n', RELEASE_NS, '--replicas=5');
  assert.equal(await deploymentReplicas(f, C1), 5);
  await waitFor('spec.replicas back to 1', async () => (await deploymentReplicas(f, C1)) === 1, 60_000);
  const scaled = await waitFor('the scale drift in the status history', async () =>
    (await evidenceHistory(f, C1)).find((e) => /Deployment kyverno\/kyverno-latest-hello spec\.replicas 5 → 1/.test(e)),
  );
  const log = await messages(f);
  assert.ok(log.some((m) => m.includes(scaled)), `a status commit carries "${scaled}":\n${log.slice(0, 5).join('\n---\n')}`);

  // Deleted by hand.
  await f.kubectl(C1, 'delete', 'deployment', DEPLOYMENT, '-n', RELEASE_NS);
  assert.equal(await deploymentReplicas(f, C1), undefined);
  await waitFor('the Deployment is back', async () => (await deploymentReplicas(f, C1)) === 1, 60_000);
  await waitFor('the deletion in the status history', async () =>
    (await evidenceHistory(f, C1)).some((e) => /Deployment kyverno\/kyverno-latest-hello deleted/.test(e)),
  );
  assert.equal(await deployedOn(f, C1), true);
  const rec = await waitFor('the record Deployed and Healthy', async () => {
    const r = await record(f, C1);
    return r?.state === 'Deployed' && r.health === 'Healthy' ? r : undefined;
  }, 60_000);
  assert.equal(rec.revision, await revisionOn(f, C1), 'the record names the revision helm has');
});

test('a driftExclusions path stays as edited: not drift, and kept through a repair and a values change', { timeout: 240_000 }, async () => {
  const exclusion = '  driftExclusions:\n  - paths:\n    - /spec/replicas\n    target:\n      kind: Deployment\n';
  const { f, daemon } = await fleetWithRelease(fleets, (url) => withProfileSpec(seedManifests(url), DRIFT_MODE + exclusion), { driftInterval: '1s' });
  assert.equal(await deploymentReplicas(f, C1), 1, 'installed without spec.replicas: the API server defaults it');
  // Only the excluded path edited: several drift intervals' worth of cycles change nothing.
  const helmCalls = await counterTotal(f.metrics, 'gitset_helm_calls_total');
  await f.kubectl(C1, 'scale', `deployment/${DEPLOYMENT}`, '-n', RELEASE_NS, '--replicas=3');
  const start = Date.now();
  const cycleCount = await counterTotal(f.metrics, 'gitset_cycles_total');
  await waitFor('several drift intervals and cycles', async () => Date.now() - start > 4000 && (await counterTotal(f.metrics, 'gitset_cycles_total')) >= cycleCount + 5);
  await cycles(daemon, 1);
  assert.equal(await deploymentReplicas(f, C1), 3, 'spec.replicas (excluded) stays as edited');
  assert.equal(await counterTotal(f.metrics, 'gitset_helm_calls_total'), helmCalls, 'no repair for an excluded path');

  // Another field drifts: the repair brings it back and leaves the excluded path as edited.
  await f.kubectl(C1, 'set', 'image', `deployment/${DEPLOYMENT}`, '-n', RELEASE_NS, 'hello=nginx:by-hand');
  await waitFor('the image repaired', async () => (await deploymentImage(f)) === 'nginx:1.27', 60_000);
  await waitFor('the image drift in the status history', async () => (await evidenceHistory(f, C1)).some((e) => /containers\[0\]\.image nginx:by-hand → nginx:1\.27/.test(e)));
  assert.ok((await counterTotal(f.metrics, 'gitset_helm_calls_total')) > helmCalls, 'repaired by a helm call');
  assert.equal(await deploymentReplicas(f, C1), 3, 'spec.replicas kept through the repair');

  // The chart's values change: the upgrade applies them and leaves the excluded path as edited.
  const work = await f.clone();
  const file = join(work, 'profiles/kyverno.yaml');
  await writeFile(file, (await readFile(file, 'utf8')).replace('    releaseName: kyverno-latest\n', '    releaseName: kyverno-latest\n    values: |\n      message: changed by a commit\n      replicaCount: 2\n'));
  const pushed = await f.push(work, 'kyverno: new message');
  await waitFor('the new values in force', async () => (await f.status('gitset.yaml'))?.lastAppliedRevision === pushed);
  await waitFor('the new message on the cluster', async () => JSON.parse(await f.kubectl(C1, 'get', 'configmap', DEPLOYMENT, '-n', RELEASE_NS, '-o', 'json')).data.message === 'changed by a commit', 60_000);
  assert.equal(await deploymentReplicas(f, C1), 3, 'spec.replicas kept through the upgrade (the chart now says 2)');
});

async function deploymentImage(f: Fleet): Promise<string | undefined> {
  const out = await f.kubectl(C1, 'get', 'deployment', DEPLOYMENT, '-n', RELEASE_NS, '-o', 'json');
  return JSON.parse(out).spec.template.spec.containers[0].image;
}

test('a cluster rebuilt empty behind the same kubeconfig gets its release and objects again', { timeout: 150_000 }, async () => {
  const { f } = await fleetWithRelease(fleets);
  const before = await listedOn(f, C1);
  assert.equal(before?.status, 'deployed');
  await f.sandbox.clusters.get(C1)!.rebuild();
  // The daemon probes every second and may already be installing again: the install listed before is gone either way.
  const after = await listedOn(f, C1);
  assert.notEqual(after?.updated, before!.updated, `the rebuilt cluster lost its release (${JSON.stringify(after)})`);

  await waitFor(`the release on ${C1} again`, () => deployedOn(f, C1), 60_000);
  for (const kind of ['deployment', 'service', 'configmap']) {
    const name = await f.kubectl(C1, 'get', kind, DEPLOYMENT, '-n', RELEASE_NS, '-o', 'name');
    assert.match(name, new RegExp(`${kind}.*/${DEPLOYMENT}`), `${kind} ${DEPLOYMENT} is back`);
  }
  const rec = await waitFor('the record Deployed with the repair as evidence', async () => {
    const r = await record(f, C1);
    return r?.state === 'Deployed' && r.evidence ? r : undefined;
  });
  assert.match(rec.evidence, /kyverno\/kyverno-latest missing/);
  assert.equal(rec.revision, await revisionOn(f, C1));
});
