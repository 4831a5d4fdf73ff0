// Runs the planned helm actions in the background: clusters side by side (bounded), one release
// after the other within a cluster, while cycles go on probing and planning. The executor never
// decides whether an action should run; it does it and keeps the outcome until a cycle takes it
// to record (recordResults). Until then the release counts as in flight and is not planned again.
import type { Logger } from 'pino';
import { createLanes, CutShort, type BackgroundWork, type LaneTask } from '../helm/pool.ts';
import { clusterKey, type SveltosCluster } from '../model/objects.ts';
import type { HelmRunner } from '../model/ports.ts';
import type { PlannedAction } from '../plan/decide.ts';
import { inFlightKey, type ActionOutcome } from '../plan/cycle.ts';
import { kubeconfigPathFor } from '../probe/credentials.ts';
import type { DaemonMetrics } from './metrics.ts';
import { releaseLabels } from '../observe/ownership.ts';

export interface HelmWorkOptions {
  helm: HelmRunner;
  credentialsDir: string;
  parallelism: number;
  metrics: DaemonMetrics;
  logger: Logger;
  /** Told when a call ended: a cycle should record it. */
  onFinished?: () => void;
  now?: () => Date;
}

/** What a cycle takes from the background work at the moment it plans. */
export interface InFlight {
  /** inFlightKey → what runs there (a Pending record's reason). */
  keys: Map<string, string>;
  /** Calls that ended since the last take, to record now (their keys are in `keys`). */
  finished: ActionOutcome[];
}

export type HelmWork = BackgroundWork<InFlight, PlannedAction>;

export function createHelmWork(opts: HelmWorkOptions): HelmWork {
  const now = opts.now ?? (() => new Date());
  let finished: ActionOutcome[] = [];
  const running = new Map<string, string>();
  const lanes = createLanes<ActionOutcome>({
    parallelism: opts.parallelism,
    onSettled: (task, result, signal) => {
      running.delete(task.key);
      finished.push(outcomeOf(opts, actions.get(task.key)!, result, signal, now()));
      actions.delete(task.key);
      opts.onFinished?.();
    },
  });
  const actions = new Map<string, PlannedAction>();

  return {
    take() {
      const taken = finished;
      finished = [];
      const keys = new Map(running);
      for (const o of taken) keys.set(inFlightKey(o.action.cluster, o.action.release), `helm ${o.action.action} finished, recording`);
      return { keys, finished: taken };
    },
    schedule(planned, clusters) {
      const byKey = new Map(clusters.map((c) => [clusterKey(c.metadata), c]));
      const tasks: Array<LaneTask<ActionOutcome>> = planned.map((action) => {
        const key = inFlightKey(action.cluster, action.release);
        return {
          key,
          cluster: action.cluster,
          run: (signal) => {
            actions.set(key, action);
            running.set(key, `helm ${action.action} running since ${now().toISOString()}`);
            return runAction(opts, action, byKey.get(action.cluster), signal);
          },
        };
      });
      lanes.offer(tasks);
    },
    cutShort(cluster, why) {
      if (lanes.abortCluster(cluster, new CutShort(why))) opts.logger.warn({ cluster, reason: why }, 'helm call cut short: the cluster stopped answering');
    },
    close: () => lanes.close(),
    abortAll: (why) => lanes.abortAll(new CutShort(why)),
    idle: () => lanes.idle(),
    get running() {
      return lanes.busy;
    },
    get busy() {
      return lanes.busy || finished.length > 0;
    },
  };
}

async function runAction(opts: HelmWorkOptions, action: PlannedAction, cluster: SveltosCluster | undefined, signal: AbortSignal): Promise<ActionOutcome> {
  if (!cluster) throw new Error(`cluster ${action.cluster} is not in the repository`);
  const target = { cluster: action.cluster, kubeconfigPath: kubeconfigPathFor(opts.credentialsDir, cluster) };
  opts.logger.info({ cluster: action.cluster, profile: action.profile, release: `${action.release.releaseNamespace}/${action.release.releaseName}`, action: action.action, reason: action.reason }, `helm ${action.action}`);
  switch (action.action) {
    case 'install':
    case 'upgrade':
      return { action, ok: true, result: await opts.helm.upgradeInstall(target, { ...action.release, labels: releaseLabels(action.profile, action.hash), phase: action.action === 'install' ? 'install' : 'upgrade' }, signal) };
    case 'uninstall':
      await opts.helm.uninstall(target, action.release, signal);
      return { action, ok: true };
    default: {
      const never: never = action.action;
      throw new Error(`unknown action ${String(never)}`);
    }
  }
}

/** The outcome as recorded, counted in the metrics; a call cut short says why. */
function outcomeOf(opts: HelmWorkOptions, action: PlannedAction, s: PromiseSettledResult<ActionOutcome>, signal: AbortSignal, at: Date): ActionOutcome {
  const finishedAt = at.toISOString();
  if (s.status === 'fulfilled') {
    const failed = s.value.ok && s.value.result?.status === 'failed';
    opts.metrics.helmCalls.inc({ action: action.action, outcome: failed ? 'failure' : 'success' });
    return { ...s.value, finishedAt };
  }
  const cut = signal.aborted && signal.reason instanceof CutShort ? signal.reason.message : undefined;
  opts.metrics.helmCalls.inc({ action: action.action, outcome: cut ? 'aborted' : 'failure' });
  const error = s.reason instanceof Error ? s.reason.message : String(s.reason);
  opts.logger.warn({ cluster: action.cluster, profile: action.profile, release: `${action.release.releaseNamespace}/${action.release.releaseName}`, action: action.action, error }, cut ? 'helm call aborted' : 'helm call failed');
  return { action, ok: false, error: cut ? `${cut}: ${error}` : error, finishedAt };
}
