// A restart while the Git server hangs: gitset begins with the revision its work dir holds, so it
// probes, fails over and installs on the spare at once, and commits once Git answers again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startGitProxy, type GitProxy } from './chaos.ts';
import { names, startFleet, waitFor, type Fleet } from './fleet.ts';

let fleet: Fleet | undefined;
let git: GitProxy | undefined;
after(async () => {
  await fleet?.close();
  await git?.close();
});

test('restarted while Git hangs: the revision the work dir holds is enforced, a failover happens, the commit lands later', { timeout: 180_000 }, async () => {
  const f = (fleet = await startFleet());
  const proxy = (git = await startGitProxy(f.sandbox.repoUrl));
  const flags = { repo: proxy.url, workDir: join(f.sandbox.root, 'work-git-down'), failureThreshold: '2' };
  await f.startDaemon(flags);
  await waitFor('kyverno recorded on civo/cluster1', async () => (await f.status('ClusterProfile/kyverno.yaml'))?.status?.clusters?.[0]?.releases?.[0]?.state === 'Deployed', 60_000);
  await f.daemon!.stop('restart');
  await f.runtime!.close();

  proxy.hang();
  const before = f.logs.length;
  await f.startDaemon(flags);
  const logged = (msg: string) => f.logs.slice(before).some((l) => (JSON.parse(l) as { msg?: string }).msg === msg);
  await waitFor('the work dir\'s revision is taken', async () => logged('starting from the revision the work dir holds; the remote is asked for its tip meanwhile'), 30_000);
  f.sandbox.clusters.get('civo/cluster1')!.hang(true);
  await waitFor('kyverno deployed on the spare while Git hangs', async () => (await f.releases('civo/cluster2')).some((r) => r.name === 'kyverno-latest' && r.status === 'deployed'), 60_000);
  const failedOver = (c: { subject: string; body?: string }) => `${c.subject}\n${c.body ?? ''}`.includes('ClusterSet/prod failed over civo/cluster1 → civo/cluster2');
  assert.ok(!(await f.log()).some(failedOver), 'nothing reached Git while it hung');

  proxy.release();
  const set = await waitFor('the failover committed once Git answers', async () => {
    const s = await f.status('ClusterSet/prod.yaml');
    return names(s?.status?.selectedClusterRefs ?? []).includes('civo/cluster2') ? s : undefined;
  }, 90_000);
  assert.equal(set.status.failovers?.[0]?.from, 'civo/cluster1');
  await waitFor('the failover in git log', async () => (await f.log()).some(failedOver), 30_000);
});
