// The planning core as plan-scale runs it: the compiled dist/ (what the daemon runs, not src/
// through tsx), and the inputs of a healthy fleet's cycles.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LoadedRepository } from '../src/load/index.ts';
import type { ClusterKey } from '../src/model/objects.ts';
import type { ProbeResult } from '../src/model/ports.ts';
import type { ActionOutcome, CycleResult } from '../src/plan/cycle.ts';
import type { StatusSnapshot } from '../src/status/snapshot.ts';

/** The modules measured, from the compiled dist/ under `root`. */
export async function compiledCore(root: string) {
  const at = (path: string): string => pathToFileURL(join(root, 'dist', path)).href;
  return {
    ...((await import(at('load/index.js'))) as typeof import('../src/load/index.ts')),
    ...((await import(at('model/objects.js'))) as typeof import('../src/model/objects.ts')),
    ...((await import(at('plan/cycle.js'))) as typeof import('../src/plan/cycle.ts')),
    ...((await import(at('status/read.js'))) as typeof import('../src/status/read.ts')),
    ...((await import(at('status/render.js'))) as typeof import('../src/status/render.ts')),
    ...((await import(at('status/snapshot.js'))) as typeof import('../src/status/snapshot.ts')),
  };
}

export type Core = Awaited<ReturnType<typeof compiledCore>>;

/** Every cluster answered: what a healthy fleet's probe round hands the cycle. */
export function healthyProbes(core: Core, repo: LoadedRepository): Map<ClusterKey, ProbeResult> {
  return new Map(
    repo.clusters.map((c) => {
      const key = core.clusterKey(c.metadata);
      return [key, { cluster: key, ok: true, version: 'v1.29.2+k3s1', durationMs: 5 }] as const;
    }),
  );
}

/** The status after every planned action succeeded: the "previous" of a steady fleet. */
export function appliedSnapshot(core: Core, cycle: CycleResult, now: Date): StatusSnapshot {
  const outcomes: ActionOutcome[] = cycle.actions.map((action) => ({ action, ok: true, result: { revision: 1, status: 'deployed' } }));
  return core.recordResults(cycle, outcomes, now);
}
