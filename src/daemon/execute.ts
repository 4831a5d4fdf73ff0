// Runs the planned helm actions in the background: clusters side by side (bounded), one release
// after the other within a cluster, while cycles go on probing and planning. The executor never
// decides whether an action should run; it does it and keeps the outcome until a cycle takes it
// to record (recordResults). Until then the release counts as in flight and is not planned again.
import type { Logger } from 'pino';
import { createBackgroundWork, type BackgroundWork, type TakenWork } from '../helm/pool.ts';
import type { SveltosCluster } from '../model/objects.ts';
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

/** What a cycle takes from the helm calls in the background at the moment it plans (keys: inFlightKey). */
export type InFlight = TakenWork<ActionOutcome>;

export type HelmWork = BackgroundWork<InFlight, PlannedAction>;

export function createHelmWork(opts: HelmWorkOptions): HelmWork {
  return createBackgroundWork<PlannedAction, ActionOutcome>({
    parallelism: opts.parallelism,
    what: 'helm call',
    logger: opts.logger,
    key: (action) => inFlightKey(action.cluster, action.release),
    cluster: (action) => action.cluster,
    running: (action, since) => `helm ${action.action} running since ${since.toISOString()}`,
    run: (action, cluster, signal) => runAction(opts, action, cluster, signal),
    settle: (action, result, cut, at) => outcomeOf(opts, action, result, cut, at),
    ended: (o) => [inFlightKey(o.action.cluster, o.action.release), `helm ${o.action.action} finished, recording`],
    ...(opts.onFinished ? { onFinished: opts.onFinished } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
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
function outcomeOf(opts: HelmWorkOptions, action: PlannedAction, s: PromiseSettledResult<ActionOutcome>, cut: string | undefined, at: Date): ActionOutcome {
  const finishedAt = at.toISOString();
  if (s.status === 'fulfilled') {
    const failed = s.value.ok && s.value.result?.status === 'failed';
    opts.metrics.helmCalls.inc({ action: action.action, outcome: failed ? 'failure' : 'success' });
    return { ...s.value, finishedAt };
  }
  opts.metrics.helmCalls.inc({ action: action.action, outcome: cut ? 'aborted' : 'failure' });
  const error = s.reason instanceof Error ? s.reason.message : String(s.reason);
  opts.logger.warn({ cluster: action.cluster, profile: action.profile, release: `${action.release.releaseNamespace}/${action.release.releaseName}`, action: action.action, error }, cut ? 'helm call aborted' : 'helm call failed');
  return { action, ok: false, error: cut ? `${cut}: ${error}` : error, finishedAt };
}
