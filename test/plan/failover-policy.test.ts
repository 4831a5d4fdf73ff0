// The failover policies as a sequence of pure cycles (probe → plan → fake helm that succeeds →
// record → render → read back, as the daemon does through Git): breaker, grace, budget, cordon
// (with expiry), pin, make-before-break and cap shrink, and the timings of every failover.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterKey, ClusterSetObject, SveltosCluster } from '../../src/model/objects.ts';
import { computeCycle, recordResults, type CycleResult, type RepositoryObjects } from '../../src/plan/cycle.ts';
import { DEFAULT_BREAKER, tripReason, type BreakerStatus } from '../../src/select/breaker.ts';
import { readStatusFiles } from '../../src/status/read.ts';
import { renderStatusFiles } from '../../src/status/render.ts';
import { emptySnapshot, refKey, type StatusSnapshot } from '../../src/status/snapshot.ts';
import { chart, cluster, clusterProfile, clusterSet } from '../select/fleet.ts';
import { probes, revisionOf } from './cycle-helpers.ts';

const T0 = Date.parse('2026-03-13T10:00:00Z');
const at = (s: number): Date => new Date(T0 + s * 1000);
const iso = (s: number): string => at(s).toISOString();
const KEYS = ['civo/cluster1', 'civo/cluster2', 'civo/cluster3'];

function fleet(opts: { set?: Record<string, string>; cap?: number; cordon?: Record<string, Record<string, string>> } = {}): RepositoryObjects {
  const clusters: SveltosCluster[] = KEYS.map((k) => {
    const c = cluster(k, { env: 'prod' }, { consecutiveFailureThreshold: 1 });
    const a = opts.cordon?.[k];
    return a ? { ...c, metadata: { ...c.metadata, annotations: a } } : c;
  });
  const set: ClusterSetObject = clusterSet('prod', { clusterSelector: { matchLabels: { env: 'prod' } }, maxReplicas: opts.cap ?? 1 });
  if (opts.set) set.metadata.annotations = opts.set;
  return { clusters, sets: [set], profiles: [clusterProfile('kyverno', { setRefs: ['prod'], helmCharts: [chart('kyverno')] })] };
}

interface World {
  status: StatusSnapshot;
  breaker?: BreakerStatus;
  cycle?: CycleResult;
}

/** One daemon cycle at `second`, clusters in `down` failing their probe. */
function cycle(w: World, repo: RepositoryObjects, second: number, down: ClusterKey[] = []): World {
  const now = at(second);
  const c = computeCycle({ revision: revisionOf(repo), previous: w.status, probes: probes(repo, down), now, breaker: { options: DEFAULT_BREAKER, ...(w.breaker ? { previous: w.breaker } : {}) } });
  const after = recordResults(c, c.actions.map((action) => ({ action, ok: true, result: { revision: 1, status: 'deployed' } })), now);
  const status = readStatusFiles([...renderStatusFiles(after)].map(([path, text]) => ({ path, text })));
  return { status, ...(c.breaker ? { breaker: c.breaker } : {}), cycle: c };
}

const set = (w: World) => w.status.sets.get('ClusterSet/prod')!.status;
const selected = (w: World): string[] => set(w).selectedClusterRefs.map(refKey);
const draining = (w: World): string[] => (set(w).drainingClusterRefs ?? []).map(refKey);
const actions = (w: World): string[] => w.cycle!.actions.map((a) => `${a.action} ${a.cluster}`);

function started(repo: RepositoryObjects): World {
  let w = cycle({ status: emptySnapshot() }, repo, 0);
  w = cycle(w, repo, 1);
  assert.deepEqual(selected(w), ['civo/cluster1']);
  assert.deepEqual(actions(w), []);
  return w;
}

describe('mass-failure breaker', () => {
  test('trips on more than the share and at least the minimum, or when nothing answers', () => {
    const repo = fleet();
    assert.equal(tripReason(probes(repo, ['civo/cluster1']), DEFAULT_BREAKER), undefined, '1 of 3');
    assert.equal(tripReason(probes(repo, ['civo/cluster1', 'civo/cluster2']), DEFAULT_BREAKER), undefined, '2 of 3: fewer than 3');
    assert.match(tripReason(probes(repo, ['civo/cluster1', 'civo/cluster2']), { share: 0.5, minFailures: 2 }) ?? '', /^2 of 3 probed clusters failed/);
    assert.match(tripReason(probes(repo, KEYS), DEFAULT_BREAKER) ?? '', /^no cluster could be reached: all 3 probes failed/);
  });

  test('a partition freezes the selection and withdraws nothing; it thaws by itself and nothing moved', () => {
    const repo = fleet();
    let w = started(repo);
    w = cycle(w, repo, 10, KEYS);
    assert.equal(w.breaker?.state, 'open');
    assert.equal(w.breaker?.since, iso(10));
    assert.deepEqual(selected(w), ['civo/cluster1'], 'no deselection');
    assert.equal(w.status.clusters.get('civo/cluster1')!.status.ready, false, 'readiness is still recorded');
    assert.deepEqual(set(w).heldBack?.map((h) => `${h.cluster} ${h.reason}`), ['civo/cluster1 breaker-open']);
    assert.deepEqual(actions(w), []);
    w = cycle(w, repo, 20, KEYS);
    assert.equal(w.breaker?.since, iso(10), 'the trip time does not tick');
    w = cycle(w, repo, 30);
    assert.equal(w.breaker?.state, 'closed');
    assert.deepEqual(selected(w), ['civo/cluster1']);
    assert.deepEqual(actions(w), []);
    assert.equal(set(w).failovers, undefined, 'nothing moved');
  });

  test('while open, even a withdrawal the repository asks for waits', () => {
    let repo = fleet();
    let w = started(repo);
    repo = { ...repo, profiles: [] };
    // Two of three fail (the minimum lowered to 2): open, though cluster1 itself answers.
    const c = computeCycle({ revision: revisionOf(repo), previous: w.status, probes: probes(repo, ['civo/cluster2', 'civo/cluster3']), now: at(10), breaker: { options: { share: 0.5, minFailures: 2 } } });
    assert.equal(c.breaker?.state, 'open');
    assert.deepEqual(c.actions, []);
    const r = c.snapshot.profiles.get('ClusterProfile/kyverno')!.status.clusters![0]!.releases[0]!;
    assert.match(r.reason ?? '', /^uninstall held back while the mass-failure breaker is open: ClusterProfile\/kyverno was deleted$/);
  });
});

describe('flap damping', () => {
  test('failover grace: replaced only once not ready that long; the record carries every timing', () => {
    const repo = fleet({ set: { 'gitset.dev/failover-grace': '60s' } });
    let w = started(repo);
    w = cycle(w, repo, 10, ['civo/cluster1']);
    assert.deepEqual(selected(w), ['civo/cluster1']);
    assert.deepEqual(set(w).heldBack, [
      { cluster: 'civo/cluster1', reason: 'failover-grace', until: iso(70), message: `not ready since ${iso(10)}: within failover grace 60s; replaced from ${iso(70)} if still not ready` },
    ]);
    w = cycle(w, repo, 50, ['civo/cluster1']);
    assert.deepEqual(selected(w), ['civo/cluster1']);
    w = cycle(w, repo, 70, ['civo/cluster1']);
    assert.deepEqual(selected(w), ['civo/cluster2']);
    assert.deepEqual(actions(w), ['install civo/cluster2']);
    assert.deepEqual(set(w).failovers, [
      { from: 'civo/cluster1', to: 'civo/cluster2', reason: 'not-ready', firstFailedProbe: iso(10), declaredNotReady: iso(10), selected: iso(70), deployed: iso(70), totalSeconds: 60 },
    ]);
  });

  test('failover budget: past N replacements per window the failover is held back, and says so', () => {
    const repo = fleet({ set: { 'gitset.dev/failover-budget': '1/1h' } });
    let w = started(repo);
    w = cycle(w, repo, 10, ['civo/cluster1']);
    assert.deepEqual(selected(w), ['civo/cluster2']);
    w = cycle(w, repo, 20);
    w = cycle(w, repo, 30, ['civo/cluster2']);
    assert.deepEqual(selected(w), ['civo/cluster2'], 'the flapping cluster is not replaced again within the hour');
    const held = set(w).heldBack!;
    assert.equal(held.length, 1);
    assert.equal(held[0]!.reason, 'failover-budget');
    assert.equal(held[0]!.until, new Date(T0 + 10_000 + 3_600_000).toISOString());
    assert.match(held[0]!.message, /failover held back, budget 1\/1h spent \(failovers at .*\); possible again from/);
    w = cycle(w, repo, 3611, ['civo/cluster2']);
    assert.deepEqual(selected(w), ['civo/cluster1'], 'an hour later the budget allows it');
    assert.equal(set(w).failovers?.length, 2);
  });
});

describe('cordon, pin and make-before-break', () => {
  test('cordon: the replacement is installed first, the cordoned cluster keeps its release until then', () => {
    let repo = fleet();
    let w = started(repo);
    repo = fleet({ cordon: { 'civo/cluster1': { 'gitset.dev/cordon': 'kernel upgrade' } } });
    w = cycle(w, repo, 10);
    assert.deepEqual(selected(w), ['civo/cluster2']);
    assert.deepEqual(draining(w), ['civo/cluster1']);
    assert.deepEqual(actions(w), ['install civo/cluster2'], 'nothing withdrawn while the replacement is not deployed');
    assert.deepEqual(set(w).notSelected?.find((n) => n.cluster === 'civo/cluster1'), { cluster: 'civo/cluster1', reason: 'cordoned', message: 'cordoned: kernel upgrade' });
    w = cycle(w, repo, 20);
    assert.deepEqual(actions(w), ['uninstall civo/cluster1']);
    assert.deepEqual(draining(w), []);
    assert.deepEqual(set(w).failovers, [{ from: 'civo/cluster1', to: 'civo/cluster2', reason: 'cordoned', selected: iso(10), deployed: iso(10), totalSeconds: 0 }]);
    w = cycle(w, repo, 30);
    assert.deepEqual(actions(w), []);
  });

  test('a cordoned cluster that is already down is withdrawn from without draining', () => {
    let repo = fleet();
    let w = started(repo);
    repo = fleet({ cordon: { 'civo/cluster1': { 'gitset.dev/cordon': 'dead' } } });
    w = cycle(w, repo, 10, ['civo/cluster1']);
    assert.deepEqual(selected(w), ['civo/cluster2']);
    assert.deepEqual(draining(w), []);
  });

  test('cordon-until: the cordon lapses by itself', () => {
    const repo = fleet({ cap: 3, cordon: { 'civo/cluster2': { 'gitset.dev/cordon': 'maintenance', 'gitset.dev/cordon-until': iso(100) } } });
    let w = cycle({ status: emptySnapshot() }, repo, 0);
    assert.deepEqual(selected(w), ['civo/cluster1', 'civo/cluster3']);
    assert.match(set(w).notSelected![0]!.message, /^cordoned: maintenance \(until 2026-03-13T10:01:40.000Z\)$/);
    w = cycle(w, repo, 99);
    assert.deepEqual(selected(w), ['civo/cluster1', 'civo/cluster3']);
    w = cycle(w, repo, 100);
    assert.deepEqual(selected(w), ['civo/cluster1', 'civo/cluster3', 'civo/cluster2']);
  });

  test('pin: the pinned cluster takes the place of a sticky one, make-before-break', () => {
    let repo = fleet();
    let w = started(repo);
    repo = fleet({ set: { 'gitset.dev/pin': 'civo/cluster3' } });
    w = cycle(w, repo, 10);
    assert.deepEqual(selected(w), ['civo/cluster3']);
    assert.deepEqual(draining(w), ['civo/cluster1']);
    assert.deepEqual(actions(w), ['install civo/cluster3']);
    assert.equal(set(w).failovers?.[0]?.reason, 'pinned');
    w = cycle(w, repo, 20);
    assert.deepEqual(actions(w), ['uninstall civo/cluster1']);
    // A pinned cluster that goes down is replaced like any other, and comes back first once ready.
    w = cycle(w, repo, 30, ['civo/cluster3']);
    assert.deepEqual(selected(w), ['civo/cluster1']);
    w = cycle(w, repo, 40);
    assert.deepEqual(selected(w), ['civo/cluster3']);
  });

  test('a selector edit that swaps the cluster: make-before-break too', () => {
    let repo = fleet();
    let w = started(repo);
    const moved = { ...repo.sets[0]!, spec: { ...repo.sets[0]!.spec, clusterSelector: undefined, clusterRefs: [{ kind: 'SveltosCluster', namespace: 'civo', name: 'cluster3' }] } };
    repo = { ...repo, sets: [moved] };
    w = cycle(w, repo, 10);
    assert.deepEqual(selected(w), ['civo/cluster3']);
    assert.deepEqual(draining(w), ['civo/cluster1']);
    assert.deepEqual(actions(w), ['install civo/cluster3']);
    assert.equal(set(w).failovers?.[0]?.reason, 'not-matching');
    w = cycle(w, repo, 20);
    assert.deepEqual(actions(w), ['uninstall civo/cluster1']);
  });

  test('a cap shrink without replacement withdraws directly', () => {
    let repo = fleet({ cap: 2 });
    let w = cycle({ status: emptySnapshot() }, repo, 0);
    w = cycle(w, repo, 1);
    assert.deepEqual(selected(w), ['civo/cluster1', 'civo/cluster2']);
    repo = fleet({ cap: 1 });
    w = cycle(w, repo, 10);
    assert.deepEqual(selected(w), ['civo/cluster1']);
    assert.deepEqual(draining(w), []);
    assert.deepEqual(actions(w), ['uninstall civo/cluster2']);
  });
});
