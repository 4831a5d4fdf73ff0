// Runs the planned kubectl work of `policyRefs` in the background, as helm's calls are
// (execute.ts): clusters side by side (bounded), one profile after the other within a cluster,
// while cycles go on probing and planning. It never decides what should run; it runs what a cycle
// planned and keeps the outcome until a cycle takes it to record. Until then the (cluster,
// profile) pair counts as in flight and is not planned again.
import type { Logger } from 'pino';
import { createLanes, CutShort, type BackgroundWork, type LaneTask } from '../helm/pool.ts';
import { clusterKey } from '../model/objects.ts';
import type { KubectlRunner } from '../model/ports.ts';
import type { PolicyWork } from '../plan/policies.ts';
import type { PolicyOutcome } from '../plan/policy-status.ts';
import { policyPairKey, runPolicyWork } from './policies.ts';

export interface PolicyWorkOptions {
  kubectl: KubectlRunner;
  credentialsDir: string;
  parallelism: number;
  logger: Logger;
  /** Told when a profile's work on a cluster ended: a cycle should record it. */
  onFinished?: () => void;
  now?: () => Date;
}

/** What a cycle takes from the background kubectl work at the moment it plans. */
export interface PoliciesInFlight {
  /** policyPairKey of what runs or ended unrecorded: not planned again by this cycle. */
  keys: Set<string>;
  /** Work that ended since the last take, to record now. */
  finished: PolicyOutcome[];
}

export type PolicyLanes = BackgroundWork<PoliciesInFlight, PolicyWork>;

export function createPolicyWork(opts: PolicyWorkOptions): PolicyLanes {
  const now = opts.now ?? (() => new Date());
  let finished: PolicyOutcome[] = [];
  const running = new Set<string>();
  const works = new Map<string, PolicyWork>();
  const lanes = createLanes<PolicyOutcome>({
    parallelism: opts.parallelism,
    onSettled: (task, result, signal) => {
      running.delete(task.key);
      const work = works.get(task.key)!;
      works.delete(task.key);
      finished.push({ ...outcomeOf(work, result, signal), finishedAt: now().toISOString() });
      opts.onFinished?.();
    },
  });
  return {
    take() {
      const taken = finished;
      finished = [];
      const keys = new Set(running);
      for (const o of taken) keys.add(policyPairKey(o.work.cluster, o.work.profile));
      return { keys, finished: taken };
    },
    schedule(work, clusters) {
      const byKey = new Map(clusters.map((c) => [clusterKey(c.metadata), c]));
      const tasks: Array<LaneTask<PolicyOutcome>> = work.map((w) => {
        const key = policyPairKey(w.cluster, w.profile);
        return {
          key,
          cluster: w.cluster,
          run: (signal) => {
            works.set(key, w);
            running.add(key);
            return runPolicyWork({ kubectl: opts.kubectl, credentialsDir: opts.credentialsDir, logger: opts.logger }, w, byKey.get(w.cluster), signal);
          },
        };
      });
      lanes.offer(tasks);
    },
    cutShort(cluster, why) {
      if (lanes.abortCluster(cluster, new CutShort(why))) opts.logger.warn({ cluster, reason: why }, 'kubectl call cut short: the cluster stopped answering');
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

/** runPolicyWork never rejects; a throw here is a bug or an abort before it started: nothing recorded as done. */
function outcomeOf(work: PolicyWork, s: PromiseSettledResult<PolicyOutcome>, signal: AbortSignal): PolicyOutcome {
  if (s.status === 'fulfilled') return s.value;
  const why = signal.aborted && signal.reason instanceof CutShort ? `${signal.reason.message}: ` : '';
  const error = s.reason instanceof Error ? s.reason.message : String(s.reason);
  return { work, applied: new Set(), withdrawn: new Set(), error: `${why}${error}` };
}
