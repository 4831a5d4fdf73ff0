// Runs the planned kubectl work of `policyRefs` in the background, as helm's calls are
// (execute.ts): clusters side by side (bounded), one profile after the other within a cluster,
// while cycles go on probing and planning. It never decides what should run; it runs what a cycle
// planned and keeps the outcome until a cycle takes it to record. Until then the (cluster,
// profile) pair counts as in flight and is not planned again.
import type { Logger } from 'pino';
import { createBackgroundWork, type BackgroundWork, type TakenWork } from '../helm/pool.ts';
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

/** What a cycle takes from the kubectl work at the moment it plans (keys: policyPairKey, not planned again). */
export type PoliciesInFlight = TakenWork<PolicyOutcome>;

export type PolicyLanes = BackgroundWork<PoliciesInFlight, PolicyWork>;

export function createPolicyWork(opts: PolicyWorkOptions): PolicyLanes {
  return createBackgroundWork<PolicyWork, PolicyOutcome>({
    parallelism: opts.parallelism,
    what: 'kubectl call',
    logger: opts.logger,
    key: (w) => policyPairKey(w.cluster, w.profile),
    cluster: (w) => w.cluster,
    running: (w, since) => `kubectl work of ${w.profile} running since ${since.toISOString()}`,
    run: (w, cluster, signal) => runPolicyWork({ kubectl: opts.kubectl, credentialsDir: opts.credentialsDir, logger: opts.logger }, w, cluster, signal),
    settle: (w, result, cut, at) => ({ ...outcomeOf(w, result, cut), finishedAt: at.toISOString() }),
    ended: (o) => [policyPairKey(o.work.cluster, o.work.profile), 'kubectl work finished, recording'],
    ...(opts.onFinished ? { onFinished: opts.onFinished } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
}

/** runPolicyWork never rejects; a throw here is a bug or an abort before it started: nothing recorded as done. */
function outcomeOf(work: PolicyWork, s: PromiseSettledResult<PolicyOutcome>, cut: string | undefined): PolicyOutcome {
  if (s.status === 'fulfilled') return s.value;
  const error = s.reason instanceof Error ? s.reason.message : String(s.reason);
  return { work, applied: new Set(), withdrawn: new Set(), error: cut ? `${cut}: ${error}` : error };
}
