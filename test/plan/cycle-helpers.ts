// Drives computeCycle/recordResults the way the daemon does, with a fake helm that succeeds
// (or fails on demand), so plan tests read as a sequence of cycles.
import type { ClusterKey } from '../../src/model/objects.ts';
import type { ProbeResult } from '../../src/model/ports.ts';
import type { ReleaseStatus } from '../../src/model/status.ts';
import { computeCycle, prepareRevision, recordResults, type ActionOutcome, type CycleResult, type RepositoryObjects, type Revision } from '../../src/plan/cycle.ts';
import { emptySnapshot, type StatusSnapshot } from '../../src/status/snapshot.ts';
import type { ObservedRelease } from '../../src/observe/inventory.ts';
import { hashLabelValue, profileLabelValue } from '../../src/observe/ownership.ts';
import type { PlannedAction } from '../../src/plan/decide.ts';

export const T0 = new Date('2026-03-13T10:00:00Z');
export const later = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

export function probes(repo: RepositoryObjects, down: readonly ClusterKey[] = []): Map<ClusterKey, ProbeResult> {
  const out = new Map<ClusterKey, ProbeResult>();
  for (const c of repo.clusters) {
    const key = `${c.metadata.namespace}/${c.metadata.name}`;
    out.set(
      key,
      down.includes(key)
        ? { cluster: key, ok: false, message: 'connection refused', durationMs: 1 }
        : { cluster: key, ok: true, version: 'v1.29.2', durationMs: 1 },
    );
  }
  return out;
}

const prepared = new WeakMap<RepositoryObjects, Revision>();

/** The repository prepared once, as the daemon does while a revision stays in force: later cycles reuse its caches. */
export function revisionOf(repo: RepositoryObjects): Revision {
  let revision = prepared.get(repo);
  if (!revision) {
    revision = prepareRevision(repo);
    prepared.set(repo, revision);
  }
  return revision;
}

export interface Step {
  cycle: CycleResult;
  after: StatusSnapshot;
}

let revision = 0;

/**
 * One daemon cycle: probe (clusters in `down` fail, three times so they are really down), plan,
 * run every action through a fake helm (failing those whose release name is in `failing`), record.
 */
export function step(
  repo: RepositoryObjects,
  previous: StatusSnapshot = emptySnapshot(),
  opts: { now?: Date; down?: ClusterKey[]; failing?: string[]; probe?: boolean } = {},
): Step {
  const now = opts.now ?? T0;
  let prev = previous;
  let cycle: CycleResult | undefined;
  const rounds = opts.down && opts.down.length > 0 ? 3 : 1;
  for (let i = 0; i < rounds; i++) {
    cycle = computeCycle({ revision: revisionOf(repo), previous: prev, probes: opts.probe === false ? undefined : probes(repo, opts.down), now });
    // Carry only health between the extra probe rounds; releases are decided on the last one.
    prev = { ...prev, clusters: cycle.snapshot.clusters };
  }
  const outcomes: ActionOutcome[] = cycle!.actions.map((action) =>
    opts.failing?.includes(action.release.releaseName)
      ? { action, ok: false, error: 'helm: timed out waiting for the condition' }
      : { action, ok: true, result: { revision: ++revision, status: 'deployed' } },
  );
  return { cycle: cycle!, after: recordResults(cycle!, outcomes, now) };
}

/** The record of one release in a snapshot: `record(s, 'ClusterProfile/kyverno', 'civo/cluster1', 'hello')`. */
export function record(s: StatusSnapshot, profile: string, cluster: ClusterKey, releaseName: string): ReleaseStatus | undefined {
  return s.profiles
    .get(profile)
    ?.status.clusters?.find((c) => c.cluster === cluster)
    ?.releases.find((r) => r.releaseName === releaseName);
}

export function summary(cycle: CycleResult): string[] {
  return cycle.actions.map((a) => `${a.action} ${a.release.releaseName} on ${a.cluster} for ${a.profile}`);
}

/** helm's release records on each cluster, as the inventory lists them: `namespace/name` → record. */
export type World = Map<ClusterKey, Map<string, ObservedRelease>>;

/** Does what helm would to `w` for each action (a marked record, its revision bumped; an uninstall drops it), all succeeding. */
export function helmInWorld(w: World, actions: readonly PlannedAction[]): ActionOutcome[] {
  return actions.map((action) => {
    const key = `${action.release.releaseNamespace}/${action.release.releaseName}`;
    const on = w.get(action.cluster)!;
    if (action.action === 'uninstall') {
      on.delete(key);
      return { action, ok: true };
    }
    const revision = (on.get(key)?.revision ?? 0) + 1;
    on.set(key, {
      releaseNamespace: action.release.releaseNamespace, releaseName: action.release.releaseName, revision, status: 'deployed',
      secretName: `sh.helm.release.v1.${action.release.releaseName}.v${revision}`, marked: true,
      profileLabel: profileLabelValue(action.profile), hashLabel: hashLabelValue(action.hash),
    });
    return { action, ok: true, result: { revision, status: 'deployed' } };
  });
}
