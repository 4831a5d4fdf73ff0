// Killed between helm and the status commit: the next start finds the release through helm's
// idempotent upgrade --install (a new revision of the same release, never a second one) and
// records it. The "kill" is a status push that never lands, the one fake here.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Repo } from '../../src/git/repo.ts';
import { resolveConfig } from '../../src/daemon/config.ts';
import { silentLogger } from '../../src/daemon/logger.ts';
import { createMetrics } from '../../src/daemon/metrics.ts';
import { buildRuntime } from '../../src/daemon/wiring.ts';
import { startFleet, type Fleet } from './fleet.ts';

let fleet: Fleet | undefined;
after(() => fleet?.close());

test('a release installed but not recorded is found, not duplicated, after a restart', { timeout: 120_000 }, async () => {
  const f = (fleet = await startFleet());
  const runOnce = async (workDir: string, wrapRepo?: (r: Repo) => Repo) => {
    const config = resolveConfig({
      flags: { repo: f.sandbox.repoUrl, credentials: f.sandbox.credentialsDir, workDir, probeTimeout: '2s' },
      env: {},
      cwd: f.sandbox.root,
    });
    const runtime = await buildRuntime(config, { logger: silentLogger(), metrics: createMetrics(), env: process.env, cwd: f.sandbox.root, ...(wrapRepo ? { wrapRepo } : {}) });
    try {
      return await runtime.runCycle({ reasons: ['manual'], pull: true }, new AbortController().signal);
    } finally {
      await runtime.close();
    }
  };

  const crashed = await runOnce(join(f.sandbox.root, 'before-crash'), (repo) => ({
    ...repo,
    readStatusFiles: () => repo.readStatusFiles(),
    pull: () => repo.pull(),
    commitStatus: async () => {
      throw new Error('process killed before the status push');
    },
  }));
  assert.equal(crashed.outcome, 'failure');
  assert.deepEqual((await f.releases('civo/cluster1')).map((r) => [r.name, String(r.revision)]), [['kyverno-latest', '1']]);
  assert.equal(await f.status('ClusterProfile/kyverno.yaml'), undefined, 'nothing was recorded');

  const restarted = await runOnce(join(f.sandbox.root, 'after-restart'));
  assert.equal(restarted.outcome, 'success', restarted.failures.join('\n'));
  assert.deepEqual((await f.releases('civo/cluster1')).map((r) => [r.name, r.status]), [['kyverno-latest', 'deployed']], 'one release, not two');
  assert.deepEqual(await f.releases('civo/cluster2'), []);
  const release = (await f.status('ClusterProfile/kyverno.yaml'))?.status?.clusters?.[0]?.releases?.[0];
  assert.equal(release?.state, 'Deployed');
});
