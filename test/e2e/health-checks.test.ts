// validateHealths end to end: the seed fleet whose ClusterProfile kyverno carries a Lua health check
// on its Deployment, the daemon, real helm and kubectl against simulated clusters, status over a
// real Git server. helm deploys the release and its workloads come up, but the check fails: the
// committed record stays Progressing with the check's words. Once the Deployment passes (labelled
// by hand, as a smoke test would), the record becomes Healthy.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedManifests, waitFor, type Fleet } from './fleet.ts';
import { C1, cycles, DEPLOYMENT, fleetWithRelease, messages, record, RELEASE_NS, withProfileSpec } from './truth.ts';

const fleets: Fleet[] = [];
after(async () => {
  for (const f of fleets) await f.close();
});

const CHECK = `  validateHealths:
  - name: smoke
    featureID: Helm
    group: apps
    version: v1
    kind: Deployment
    namespace: ${RELEASE_NS}
    labelFilters:
    - {key: app.kubernetes.io/instance, operation: Equal, value: kyverno-latest}
    script: |
      function evaluate()
        if obj.metadata.labels["smoke"] == "passed" then
          return {healthy = true, message = ""}
        end
        return {healthy = false, message = "smoke test not passed"}
      end
`;

test('a failing health check keeps the release Progressing with its reason; once it passes the release is Healthy', { timeout: 180_000 }, async () => {
  const { f, daemon } = await fleetWithRelease(fleets, (url) => withProfileSpec(seedManifests(url), CHECK));
  const failing = await waitFor('the record says the check fails', async () => {
    const r = await record(f, C1);
    return r?.health === 'Progressing' && /^health check 'smoke'/.test(r.healthMessage ?? '') ? r : undefined;
  });
  assert.equal(failing.state, 'Deployed', 'helm deployed it: the check is what is missing');
  assert.equal(failing.healthMessage, `health check 'smoke' for feature Helm failed: resource Deployment ${RELEASE_NS}/${DEPLOYMENT} is not healthy: smoke test not passed`);
  const helmCalls = (await f.releases(C1)).find((r) => r.name === 'kyverno-latest')?.revision;

  await f.kubectl(C1, 'label', `deployment/${DEPLOYMENT}`, '-n', RELEASE_NS, 'smoke=passed');
  await cycles(daemon, 2);
  const healthy = await waitFor('the record says Healthy', async () => {
    const r = await record(f, C1);
    return r?.health === 'Healthy' ? r : undefined;
  });
  assert.equal(healthy.healthMessage, undefined);
  assert.equal((await f.releases(C1)).find((r) => r.name === 'kyverno-latest')?.revision, helmCalls, 'no helm call for a check: the release was left as it was');
  assert.ok((await messages(f)).some((m) => m.includes('healthy')), 'a status commit says the release became healthy');
});
