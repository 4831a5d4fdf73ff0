// A status file is a report people can edit, and gitset keeps it true: a user commit that deletes
// status files while the daemon runs gets them written back within a few cycles, without a restart
// and without touching the clusters.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { counterTotal, type Fleet } from './fleet.ts';
import { C1, cycles, fleetWithRelease, messages, PROFILE_STATUS, record, revisionOn } from './truth.ts';

const fleets: Fleet[] = [];
after(async () => {
  for (const f of fleets) await f.close();
});

test('status files deleted by a user commit are written again by the running daemon, without a restart', { timeout: 180_000 }, async () => {
  const { f, daemon } = await fleetWithRelease(fleets);
  const before = await record(f, C1);
  const helmCalls = await counterTotal(f.metrics, 'gitset_helm_calls_total');

  const work = await f.clone();
  await rm(join(work, 'status', 'ClusterProfile'), { recursive: true, force: true });
  await rm(join(work, 'status', 'ClusterSet'), { recursive: true, force: true });
  await f.push(work, 'remove status files by hand');
  assert.equal(await f.status(PROFILE_STATUS), undefined, 'the profile status is gone from main');

  // The pull and the commit run in the background: a few cycles at most, never a restart.
  let back = await record(f, C1);
  for (let i = 0; i < 10 && back?.state !== 'Deployed'; i++) {
    await cycles(daemon, 1);
    back = await record(f, C1);
  }
  assert.equal(daemon, f.daemon, 'the same daemon, never restarted');
  assert.equal(back?.state, 'Deployed', 'the profile status is back');
  assert.equal(back.revision, before.revision);
  assert.ok((await f.status('ClusterSet/prod.yaml'))?.status?.selectedClusterRefs?.length === 1, 'the set status is back');
  assert.equal(await counterTotal(f.metrics, 'gitset_helm_calls_total'), helmCalls, 'no helm call: the clusters did not change');
  assert.equal(await revisionOn(f, C1), before.revision);
  assert.match((await messages(f))[0]!, /^status: /, 'a status commit put them back');
});
