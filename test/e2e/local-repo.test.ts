// A local repository (--repo PATH): read in place, status committed to its checked-out branch,
// and a file change triggers a cycle without waiting for the poll interval.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { gitCliEnv } from '../../src/sim/git-server.ts';
import { seedManifests, startFleet, waitFor, type Fleet } from './fleet.ts';

let fleet: Fleet | undefined;
after(() => fleet?.close());

test('a local repository: a file change is picked up at once and the status is committed locally', { timeout: 120_000 }, async () => {
  const f = (fleet = await startFleet());
  const dir = join(f.sandbox.root, 'local-fleet');
  const env = gitCliEnv();
  for (const [path, text] of Object.entries(seedManifests(f.sandbox.chartRepo.url))) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  await execa('git', ['init', '--quiet', '--initial-branch=main'], { cwd: dir, env });
  await execa('git', ['add', '-A'], { cwd: dir, env });
  await execa('git', ['commit', '--quiet', '-m', 'fleet'], { cwd: dir, env });

  await f.startDaemon({ repo: dir, pollInterval: '1h', probeInterval: '1h' });
  const setStatus = async () => {
    const r = await execa('git', ['show', 'HEAD:status/ClusterSet/prod.yaml'], { cwd: dir, env, reject: false });
    return r.exitCode === 0 ? parse(r.stdout) : undefined;
  };
  await waitFor('one cluster selected, committed in the local repository', async () => (await setStatus())?.status?.selectedClusterRefs?.length === 1);

  // Raise the cap in the working tree: the watcher notices, the next cycle selects both.
  const setFile = join(dir, 'sets', 'prod.yaml');
  await writeFile(setFile, (await readFile(setFile, 'utf8')).replace('maxReplicas: 1', 'maxReplicas: 2'));
  const both = await waitFor('both clusters selected after the edit', async () => {
    const s = await setStatus();
    return s?.status?.selectedClusterRefs?.length === 2 ? s : undefined;
  }, 20_000);
  assert.deepEqual(both.status.selectedClusterRefs.map((r: { name: string }) => r.name), ['cluster1', 'cluster2']);
  await waitFor('the release on civo/cluster2 too', async () => (await f.releases('civo/cluster2')).length === 1, 30_000);
});
