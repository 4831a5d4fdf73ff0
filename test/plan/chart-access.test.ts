// registryCredentialsConfig, provenanceVerification and signatureVerification in the plan: the
// Secrets they name resolve to a namespace per cluster (as policyRefs do) and travel in the release
// request; a change to them upgrades; cosign verification, which gitset cannot do, fails the
// release instead of installing it unverified.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RepositoryObjects } from '../../src/plan/cycle.ts';
import type { HelmChart, ProfileObject } from '../../src/model/objects.ts';
import { chart, cluster, clusterProfile, nsProfile } from '../select/fleet.ts';
import { record, step, summary } from './cycle-helpers.ts';

const OCI = { repositoryURL: 'oci://registry.example.com/charts', chartName: 'hello' };
const repoWith = (extra: Partial<HelmChart>, make: (spec: ProfileObject['spec']) => ProfileObject = (spec) => clusterProfile('web', spec)): RepositoryObjects => ({
  clusters: [cluster('civo/cluster1', { env: 'prod' }), cluster('aws/eks1', { env: 'prod' })],
  sets: [],
  profiles: [make({ clusterSelector: { matchLabels: { env: 'prod' } }, helmCharts: [chart('web', { ...OCI, ...extra })] })],
});

test('Secrets without a namespace are the cluster\'s (ClusterProfile) or the Profile\'s own', () => {
  const reg = { registryCredentialsConfig: { credentials: { name: 'regcred' }, ca: { name: 'ca', namespace: 'shared' }, plainHTTP: true }, provenanceVerification: { keyringSecretRef: { name: 'keys' } } };
  const { cycle } = step(repoWith(reg));
  const access = Object.fromEntries(cycle.actions.map((a) => [a.cluster, a.release.chartAccess]));
  assert.deepEqual(access['civo/cluster1'], {
    credentials: { namespace: 'civo', name: 'regcred' },
    ca: { namespace: 'shared', name: 'ca', key: 'ca.crt' },
    plainHTTP: true,
    keyring: { namespace: 'civo', name: 'keys', key: 'keyring.gpg' },
  });
  assert.deepEqual(access['aws/eks1']?.credentials, { namespace: 'aws', name: 'regcred' });
  const profile = step(repoWith(reg, (spec) => nsProfile('civo', 'web', spec)));
  assert.deepEqual(profile.cycle.actions.map((a) => [a.cluster, a.release.chartAccess?.ca?.namespace]), [['civo/cluster1', 'civo']]);
});

test('a change to registryCredentialsConfig upgrades the release', () => {
  const first = step(repoWith({ registryCredentialsConfig: { credentials: { name: 'regcred', namespace: 'default' } } }));
  assert.deepEqual(summary(step(repoWith({ registryCredentialsConfig: { credentials: { name: 'regcred', namespace: 'default' } } }), first.after).cycle), []);
  const changed = step(repoWith({ registryCredentialsConfig: { credentials: { name: 'regcred', namespace: 'default' }, insecureSkipTLSVerify: true } }), first.after);
  assert.equal(changed.cycle.actions.filter((a) => a.action === 'upgrade').length, 2);
});

test('signatureVerification fails the release everywhere: nothing is installed unverified', () => {
  const { cycle, after } = step(repoWith({ signatureVerification: { provider: 'Keyless', matchOIDCIdentity: [{ issuer: 'x', subject: 'y' }] } }));
  assert.deepEqual(cycle.actions, []);
  for (const key of ['civo/cluster1', 'aws/eks1']) {
    const r = record(after, 'ClusterProfile/web', key, 'web');
    assert.equal(r?.state, 'Failed', key);
    assert.match(r?.lastError ?? '', /^signatureVerification: gitset cannot verify cosign signatures .* never installed unverified/);
  }
});
