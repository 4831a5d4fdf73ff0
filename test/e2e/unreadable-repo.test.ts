// The repository cannot be read (fetch fails): the daemon keeps the last fetched revision in
// force and withdraws nothing; before any good fetch it does nothing at all. The failing fetch is
// the one fake here (a real Git server cannot be made to fail on cue for one client).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { resolveConfig } from '../../src/daemon/config.ts';
import { silentLogger } from '../../src/daemon/logger.ts';
import { createMetrics } from '../../src/daemon/metrics.ts';
import { buildRuntime, type Runtime } from '../../src/daemon/wiring.ts';
import { counterTotal, startFleet, type Fleet } from './fleet.ts';

let fleet: Fleet | undefined;
const runtimes: Runtime[] = [];
after(async () => {
  for (const r of runtimes) await r.close();
  await fleet?.close();
});

test('an unreadable repository: the last fetched revision stays in force, nothing is withdrawn', { timeout: 120_000 }, async () => {
  const f = (fleet = await startFleet());
  let unreadable = true;
  const metrics = createMetrics();
  const config = resolveConfig({
    flags: { repo: f.sandbox.repoUrl, credentials: f.sandbox.credentialsDir, workDir: join(f.sandbox.root, 'work'), probeTimeout: '2s' },
    env: {},
    cwd: f.sandbox.root,
  });
  const runtime = await buildRuntime(config, {
    logger: silentLogger(),
    metrics,
    env: process.env,
    cwd: f.sandbox.root,
    wrapRepo: (repo) => ({
      ...repo,
      readStatusFiles: () => repo.readStatusFiles(),
      commitStatus: (files, message) => repo.commitStatus(files, message),
      pull: async () => {
        if (unreadable) throw new Error('fetch failed: connection reset');
        return repo.pull();
      },
    }),
  });
  runtimes.push(runtime);
  const cycle = () => runtime.runCycle({ reasons: ['manual'], pull: true }, new AbortController().signal);

  const blind = await cycle();
  assert.equal(blind.outcome, 'failure');
  assert.equal(await counterTotal(metrics, 'gitset_helm_calls_total'), 0, 'nothing done without a readable revision');

  unreadable = false;
  assert.equal((await cycle()).outcome, 'success');
  assert.deepEqual((await f.releases('civo/cluster1')).map((r) => r.name), ['kyverno-latest']);
  const calls = await counterTotal(metrics, 'gitset_helm_calls_total');

  unreadable = true;
  for (let i = 0; i < 2; i++) {
    const r = await cycle();
    assert.equal(r.outcome, 'failure');
    assert.match(r.failures.join('\n'), /^pull: fetch failed/m);
  }
  assert.equal(await counterTotal(metrics, 'gitset_helm_calls_total'), calls, 'no helm call while the repository cannot be read');
  assert.deepEqual((await f.releases('civo/cluster1')).map((r) => r.name), ['kyverno-latest'], 'nothing withdrawn');
  const set = await f.status('ClusterSet/prod.yaml');
  assert.equal(set.status.selectedClusterRefs[0].name, 'cluster1');
});
