// policyRefs' kubectl work in the background, as helm's is: a cycle plans around the pairs in
// flight and records what ended, and a cluster whose kubectl hangs holds up nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planPolicyStep, policyPairKey } from '../../src/daemon/policies.ts';
import { createPolicyWork } from '../../src/daemon/policy-work.ts';
import { silentLogger } from '../../src/daemon/logger.ts';
import { parseManifests } from '../../src/load/index.ts';
import { objectId, type ClusterKey } from '../../src/model/objects.ts';
import type { KubectlRunner, ProbeResult } from '../../src/model/ports.ts';
import { emptySnapshot, type StatusSnapshot } from '../../src/status/snapshot.ts';

const cluster = (name: string) => `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata: {name: ${name}, namespace: civo}\nspec: {}\n`;
const repo = parseManifests([
  { path: 'c1.yaml', text: cluster('cluster1') },
  { path: 'c2.yaml', text: cluster('cluster2') },
  { path: 'src.yaml', text: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'default' }, data: { 'a.yaml': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { a: '1' } }) } }) },
  {
    path: 'web.yaml',
    text: 'apiVersion: config.projectsveltos.io/v1beta1\nkind: ClusterProfile\nmetadata: {name: web}\nspec:\n  clusterRefs:\n  - {kind: SveltosCluster, namespace: civo, name: cluster1}\n  - {kind: SveltosCluster, namespace: civo, name: cluster2}\n  policyRefs:\n  - {kind: ConfigMap, namespace: default, name: web}\n',
  },
]);
const PROFILE = objectId(repo.profiles[0]!);
const C1 = 'civo/cluster1';
const C2 = 'civo/cluster2';

/** The snapshot selection leaves: the profile matches both clusters. */
function selected(): StatusSnapshot {
  const s = emptySnapshot();
  s.profiles.set(PROFILE, { object: repo.profiles[0]!, status: { matchingClusters: [C1, C2].map((k) => ({ kind: 'SveltosCluster', namespace: 'civo', name: k.split('/')[1]! })) } } as never);
  return s;
}

const answering: ReadonlyMap<ClusterKey, ProbeResult> = new Map([C1, C2].map((k) => [k, { ok: true } as ProbeResult]));

/** A kubectl whose applies on `hangOn` wait for their signal; applied manifests by cluster. */
function kubectl(hangOn: string, applied: string[]): KubectlRunner {
  return {
    apply: (target, manifests, signal) => {
      if (target.cluster !== hangOn) {
        applied.push(`${target.cluster} ${manifests.length}`);
        return Promise.resolve();
      }
      return new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(new Error('kubectl apply was aborted'))));
    },
    labels: async (_t, refs) => refs.map(() => undefined),
    ensureNamespaces: async () => undefined,
    delete: async (_t, refs) => refs.map(() => 'deleted' as const),
  };
}

test('kubectl runs in the background: a hung cluster holds up neither planning nor the other cluster, and is cut short', async (t) => {
  const credentialsDir = await mkdtemp(join(tmpdir(), 'gitset-policy-work-'));
  t.after(() => rm(credentialsDir, { recursive: true, force: true }));
  await mkdir(join(credentialsDir, 'civo'));
  for (const name of ['cluster1', 'cluster2']) await writeFile(join(credentialsDir, 'civo', `${name}.kubeconfig`), 'apiVersion: v1\n', { mode: 0o600 });
  const applied: string[] = [];
  let woken = 0;
  const lanes = createPolicyWork({ kubectl: kubectl(C1, applied), credentialsDir, parallelism: 4, logger: silentLogger(), onFinished: () => woken++, now: () => new Date('2026-03-13T10:00:42Z') });
  const now = () => new Date('2026-03-13T10:01:00Z');
  const failures: string[] = [];

  const first = planPolicyStep({ repo, snapshot: selected(), previous: emptySnapshot(), probes: answering, taken: lanes.take(), now }, failures);
  assert.deepEqual(first.work.map((w) => w.cluster).sort(), [C1, C2]);
  lanes.schedule(first.work, repo.clusters); // returns at once: nothing here waits for kubectl
  await new Promise((r) => setImmediate(r));

  const taken = lanes.take();
  assert.deepEqual([...taken.keys.keys()].sort(), [policyPairKey(C1, PROFILE), policyPairKey(C2, PROFILE)], 'cluster1 runs, cluster2 ended: both in flight');
  const second = planPolicyStep({ repo, snapshot: selected(), previous: first.snapshot, probes: answering, taken, now }, failures);
  assert.deepEqual(second.work, [], 'nothing planned twice while in flight');
  const records = (s: StatusSnapshot, c: string) => s.profiles.get(PROFILE)?.status.clusters?.find((x) => x.cluster === c)?.policies;
  assert.equal(records(second.snapshot, C2)?.[0]?.state, 'Applied', 'the cycle that sees it end records it');
  assert.equal(records(second.snapshot, C2)?.[0]?.lastAppliedTime, '2026-03-13T10:00:42.000Z', 'with the time kubectl ended');
  assert.equal(records(second.snapshot, C1)?.[0]?.state, 'Pending', 'the hung one is not counted as done');

  lanes.cutShort(C1, `cut short: ${C1} stopped answering probes (timeout after 5s)`);
  await lanes.idle();
  const third = lanes.take();
  assert.match(third.finished[0]?.error ?? '', /^cut short: civo\/cluster1 stopped answering probes \(timeout after 5s\): kubectl apply was aborted$/);
  const after = planPolicyStep({ repo, snapshot: selected(), previous: second.snapshot, probes: answering, taken: third, now }, failures);
  assert.equal(records(after.snapshot, C1)?.[0]?.state, 'Failed');
  assert.ok(failures.some((f) => f.startsWith(`policies of ${PROFILE} on ${C1}: cut short`)), 'the failure is reported by the cycle');
  assert.deepEqual(applied, [`${C2} 1`]);
  assert.ok(woken >= 2, 'each end wakes a cycle');
});
