// While helm work runs without a pause (a rollout), every call that ends wakes a cycle. At 1,000
// clusters a cycle costs ~0.2 s of CPU, and back-to-back cycles starved the status commit, which
// needs many turns of the event loop: it timed out again and again, and the committed status showed
// no wave until the last upgrade had ended. Here a prober that keeps the loop busy stands in for
// the large fleet; the daemon (startDaemon + createReconciler, real Git server) rolls out a chart at
// maxUpdate 25%, and the status commits are counted against the cycles: no timing is asserted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createReconciler } from '../../src/daemon/cycle.ts';
import { startDaemon } from '../../src/daemon/daemon.ts';
import { silentLogger } from '../../src/daemon/logger.ts';
import { createMetrics } from '../../src/daemon/metrics.ts';
import { statusCodec } from '../../src/daemon/wiring.ts';
import { openRepo } from '../../src/git/open.ts';
import type { Repo } from '../../src/git/repo.ts';
import type { HelmRunner, Prober } from '../../src/model/ports.ts';
import { observedWorld } from '../../bench/observe-world.ts';
import { healthyProber } from '../../bench/quiet-cycle.ts';
import { cliClone, fixture, userPush, type Fixture } from '../git/helpers.ts';

const CLUSTERS = 40;
const name = (i: number): string => `c${String(i).padStart(2, '0')}`;
const profile = (version: string): string =>
  `apiVersion: config.projectsveltos.io/v1beta1\nkind: ClusterProfile\nmetadata: {name: web}\nspec:\n  clusterSelector: {matchLabels: {env: prod}}\n  maxUpdate: 25%\n  helmCharts:\n  - {repositoryURL: 'https://charts.example.com', repositoryName: web, chartName: web/web, chartVersion: ${version}, releaseName: web, releaseNamespace: web}\n`;

/** Holds the event loop for `ms` without yielding, as rendering and planning a large fleet does. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spinning on purpose
  }
}

let fx: Fixture;
before(async () => {
  fx = await fixture();
});
after(async () => {
  await fx.close();
});

test('a rollout whose helm calls keep waking cycles still gets its status committed every few cycles', { timeout: 180_000 }, async () => {
  const files: Record<string, string> = { 'profiles/web.yaml': profile('0.1.0') };
  for (let i = 0; i < CLUSTERS; i++) files[`clusters/${name(i)}.yaml`] = `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: ${name(i)}, namespace: fleet, labels: {env: prod}}\nspec: {}\n`;
  const url = await fx.seed('starve', files);
  const credentialsDir = join(fx.tmp, 'credentials');
  await mkdir(join(credentialsDir, 'fleet'), { recursive: true });
  for (let i = 0; i < CLUSTERS; i++) await writeFile(join(credentialsDir, 'fleet', `${name(i)}.kubeconfig`), 'apiVersion: v1\nkind: Config\n');

  const world = observedWorld();
  const events: Array<'cycle' | 'commit'> = [];
  let upgrading = 0;
  let upgrades = 0;
  const helm: HelmRunner = {
    async upgradeInstall(target, release) {
      if (release.chartVersion === '0.2.0') {
        upgrading++;
        await sleep(30 + ((Number(target.cluster.slice('fleet/c'.length)) * 37) % 120));
        upgrading--;
        upgrades++;
      }
      return world.helm.upgradeInstall(target, release);
    },
    uninstall: (target, release) => world.helm.uninstall(target, release),
  };
  const prober: Prober = {
    async probeAll(clusters) {
      busy(40);
      return healthyProber.probeAll(clusters);
    },
  };
  const inner = openRepo({ url, branch: 'main', workDir: join(fx.tmp, 'work-starve'), auth: { username: 'alice', password: 's3cret-pa55word' }, logger: silentLogger() });
  let statusText = '';
  const repo: Repo = {
    ...inner,
    commitStatus: async (files, message, rerender) => {
      // A push of a large fleet's status (a big pack, a server answering in chunks) takes many
      // turns of the event loop: here, 200 of them before the real push.
      for (let i = 0; i < 200; i++) await new Promise((resolve) => setImmediate(resolve));
      const r = await inner.commitStatus(files, message, rerender);
      if (r.committed) {
        events.push('commit');
        statusText = files.get('ClusterProfile/web.yaml') ?? statusText;
      }
      return r;
    },
  };
  const reconciler = createReconciler({
    repo, prober, helm, codec: statusCodec, credentialsDir, statusDir: 'status', helmParallelism: 10,
    observe: { reader: world.reader, budgetMs: 1000 }, logger: silentLogger(), metrics: createMetrics(),
  });
  const counted = { ...reconciler, cycle: async (request: Parameters<typeof reconciler.cycle>[0]) => {
    const report = await reconciler.cycle(request);
    // Only the cycles that ran while upgrades were on their way count.
    if (upgrading > 0 || (upgrades > 0 && upgrades < CLUSTERS)) events.push('cycle');
    return report;
  } };
  Object.defineProperty(counted, 'busy', { get: () => reconciler.busy });
  const config = { listen: { host: '127.0.0.1', port: 0 }, probeIntervalMs: 1000, pollIntervalMs: 3_600_000, shutdownGraceMs: 1000, unreadyAfterMs: 600_000, branch: 'main', statusBranch: 'main', secrets: {} };
  const daemon = await startDaemon({ config, reconciler: counted, logger: silentLogger(), metrics: createMetrics() });
  const healthyOn = (version: string) => statusText.split('health: Healthy').length - 1 === CLUSTERS && !statusText.includes(version === '0.2.0' ? '0.1.0' : '0.2.0') && !/\n {2}rollout:/.test(statusText);
  try {
    await until(() => healthyOn('0.1.0'));
    const user = await cliClone(url, join(fx.tmp, 'user-starve'));
    await userPush(user, { 'profiles/web.yaml': profile('0.2.0') }, 'web: chart 0.2.0');
    daemon.trigger('webhook');
    await until(() => upgrades === CLUSTERS && healthyOn('0.2.0'));
  } finally {
    await daemon.stop('test over');
  }
  // Upgrades ending one after the other kept cycles coming back to back. A push takes git's own
  // time, often longer than a cycle here, so a commit lands every cycle or two (it was none at all).
  const cycles = events.filter((e) => e === 'cycle').length;
  const commits = events.slice(events.indexOf('cycle')).filter((e) => e === 'commit').length;
  assert.ok(cycles >= 8, `the rollout took ${cycles} cycles`);
  let longest = 0;
  let run = 0;
  for (const e of events) {
    run = e === 'cycle' ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  // Before the fix no commit landed at all (0 in 42 cycles); a busy CI machine stretches a push over
  // a few cycles, so the bound leaves room for that and still tells the two apart.
  assert.ok(longest <= 8, `${longest} cycles in a row without a status commit (${commits} commits in ${cycles} cycles)`);
  assert.ok(commits * 3 >= cycles, `${commits} status commits in ${cycles} cycles of the rollout`);
});

/** Polls a condition the daemon's own cycles make true; the test's timeout bounds it. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await sleep(50);
}
