// The planner's shortcut for a release never applied (every release of a new fleet) must give
// exactly what decideInstall gives: the same action, the same pending record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ReleaseStatus } from '../../src/model/status.ts';
import { decideInstall, installAction, isFreshInstall, type ReleaseContext } from '../../src/plan/decide.ts';
import type { Rendering } from '../../src/plan/desired.ts';
import { releaseHash } from '../../src/plan/hash.ts';

const request = { releaseNamespace: 'apps', releaseName: 'hello', repositoryURL: 'http://127.0.0.1:18080', repositoryName: 'local', chartName: 'local/hello', chartVersion: '0.1.0', values: '' };

const renderingArb = fc.record({ error: fc.option(fc.constant('values: cannot render'), { nil: undefined, freq: 2 }) }).map(
  ({ error }): Rendering => ({ key: 'apps/hello', request, hash: releaseHash(request), error, pendingInstall: { releaseNamespace: 'apps', releaseName: 'hello', chart: 'local/hello', chartVersion: '0.1.0', state: 'Pending', reason: 'install planned: not installed' } }),
);

const recordArb: fc.Arbitrary<ReleaseStatus | undefined> = fc.option(
  fc.record(
    {
      releaseNamespace: fc.constant('apps'),
      releaseName: fc.constant('hello'),
      chart: fc.constant('local/hello'),
      chartVersion: fc.constant('0.1.0'),
      state: fc.constantFrom('Pending', 'Deployed', 'Failed'),
      hash: fc.constantFrom(releaseHash(request), 'sha256:old'),
      failures: fc.nat(3),
      lastAttemptTime: fc.constant('2026-03-13T09:59:00.000Z'),
      lastAppliedTime: fc.constant('2026-03-13T09:00:00.000Z'),
    },
    { requiredKeys: ['releaseNamespace', 'releaseName', 'chart', 'chartVersion', 'state'] },
  ) as fc.Arbitrary<ReleaseStatus>,
  { nil: undefined, freq: 2 },
);

test('a fresh install taken by the shortcut is what decideInstall decides', () => {
  let shortcuts = 0;
  fc.assert(
    fc.property(renderingArb, recordArb, fc.boolean(), fc.constantFrom('Continuous', 'OneTime', 'DryRun'), (d, record, reachable, syncMode) => {
      const x: ReleaseContext = {
        profile: 'ClusterProfile/apps',
        cluster: 'civo/cluster1',
        release: d.key,
        record,
        state: { exists: true, reachable, detail: reachable ? 'ready' : 'not ready: 3 failed probes' },
        syncMode: syncMode as ReleaseContext['syncMode'],
        now: new Date('2026-03-13T10:00:00Z'),
      };
      const full = decideInstall(x, d);
      if (!isFreshInstall(x, d)) return;
      shortcuts++;
      assert.equal(full.decision, 'install');
      assert.deepEqual(full.action, installAction(x.profile, x.cluster, d));
      assert.deepEqual(full.record, d.pendingInstall);
    }),
    { numRuns: 1000 },
  );
  // About one case in twelve is a fresh install (83 expected): far from 20 whatever the seed.
  assert.ok(shortcuts > 20, `the shortcut was taken ${shortcuts} times`);
});
