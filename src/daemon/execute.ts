// Runs the planned helm actions: clusters side by side (bounded), one release after the other
// within a cluster. The executor never decides whether an action should run; it does it and
// reports the outcome, which recordResults folds into the status.
import type { Logger } from 'pino';
import { runPerCluster } from '../helm/pool.ts';
import { clusterKey, type SveltosCluster } from '../model/objects.ts';
import type { HelmRunner } from '../model/ports.ts';
import type { PlannedAction } from '../plan/decide.ts';
import type { ActionOutcome } from '../plan/cycle.ts';
import { kubeconfigPathFor } from '../probe/credentials.ts';
import type { DaemonMetrics } from './metrics.ts';
import { releaseLabels } from '../observe/ownership.ts';

export interface ExecuteOptions {
  helm: HelmRunner;
  clusters: readonly SveltosCluster[];
  credentialsDir: string;
  parallelism: number;
  /** Aborts running helm calls (shutdown past its grace period). */
  signal: AbortSignal;
  metrics: DaemonMetrics;
  logger: Logger;
}

export async function runActions(actions: readonly PlannedAction[], opts: ExecuteOptions): Promise<ActionOutcome[]> {
  if (actions.length === 0) return [];
  const byKey = new Map(opts.clusters.map((c) => [clusterKey(c.metadata), c]));
  const tasks = actions.map((action) => ({
    cluster: action.cluster,
    run: async (signal: AbortSignal): Promise<ActionOutcome> => {
      const cluster = byKey.get(action.cluster);
      if (!cluster) throw new Error(`cluster ${action.cluster} is not in the repository`);
      const target = { cluster: action.cluster, kubeconfigPath: kubeconfigPathFor(opts.credentialsDir, cluster) };
      opts.logger.info({ cluster: action.cluster, profile: action.profile, release: `${action.release.releaseNamespace}/${action.release.releaseName}`, action: action.action, reason: action.reason }, `helm ${action.action}`);
      switch (action.action) {
        case 'install':
        case 'upgrade':
          return { action, ok: true, result: await opts.helm.upgradeInstall(target, { ...action.release, labels: releaseLabels(action.profile, action.hash) }, signal) };
        case 'uninstall':
          await opts.helm.uninstall(target, action.release, signal);
          return { action, ok: true };
        default: {
          const never: never = action.action;
          throw new Error(`unknown action ${String(never)}`);
        }
      }
    },
  }));
  const settled = await runPerCluster(tasks, { parallelism: opts.parallelism, signal: opts.signal });
  return settled.map((s, i): ActionOutcome => {
    const action = actions[i]!;
    if (s.status === 'fulfilled') {
      const failed = s.value.ok && s.value.result?.status === 'failed';
      opts.metrics.helmCalls.inc({ action: action.action, outcome: failed ? 'failure' : 'success' });
      return s.value;
    }
    const aborted = opts.signal.aborted;
    opts.metrics.helmCalls.inc({ action: action.action, outcome: aborted ? 'aborted' : 'failure' });
    const error = s.reason instanceof Error ? s.reason.message : String(s.reason);
    opts.logger.warn({ cluster: action.cluster, profile: action.profile, release: `${action.release.releaseNamespace}/${action.release.releaseName}`, action: action.action, error }, aborted ? 'helm call aborted' : 'helm call failed');
    return { action, ok: false, error: aborted ? `aborted at shutdown: ${error}` : error };
  });
}
