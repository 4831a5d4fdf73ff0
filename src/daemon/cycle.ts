// The reconcile cycle: pull → load and validate → probe → select and plan (pure) → start helm
// → record the helm calls that ended → render status → commit and push. Helm calls, the pull and
// the commit run in the background (execute.ts, git-work.ts), so a cycle lasts about one probe
// round whatever helm, a chart repository or the Git server do, and failover decisions are
// committed without waiting for unrelated helm calls. Level-triggered: a kill at any point
// converges on the next cycle (or start). An invalid revision is never applied: the last good
// one stays in force and the error is recorded in status/gitset.yaml.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Repo } from '../git/repo.ts';
import { ManifestCache, type ChartRepoAllowList } from '../load/index.ts';
import type { HelmRunner, KubectlRunner, Prober, StatusCodec } from '../model/ports.ts';
import type { BreakerOptions } from '../select/breaker.ts';
import { messageOf, reportCycle } from './cycle-report.ts';
import type { CycleReport, Reconciler, RunCycle } from './daemon.ts';
import { createHelmWork } from './execute.ts';
import { createPolicyWork } from './policy-work.ts';
import { createSourceBuilds } from './source-builds.ts';
import { createGitLane, createPuller } from './git-work.ts';
import type { DaemonMetrics } from './metrics.ts';
import type { ObserveSettings } from './observe-fleet.ts';
import { createStatusWriter } from './status-writer.ts';
import type { Shard } from '../select/shard.ts';
import type { ApprovalLookup } from './revision.ts';
import { createShardView } from './shard-view.ts';
import type { CycleRequest } from './triggers.ts';
import { runOnce, settle, type Memory, type Mode, type Run } from './cycle-run.ts';

export interface CycleDeps {
  repo: Repo;
  prober: Prober;
  helm: HelmRunner;
  /** Applies policyRefs objects; without it they are not acted on. */
  kubectl?: KubectlRunner;
  codec: StatusCodec;
  credentialsDir: string;
  /** Status folder relative to the manifests folder, as the loader excludes it. */
  statusDir: string;
  helmParallelism: number;
  /** Reads the answering clusters each cycle (release inventory, closer looks); without it the status' word is taken. */
  observe?: ObserveSettings;
  /** Applied to clusters without their own consecutiveFailureThreshold. */
  failureThreshold?: number;
  /** Mass-failure breaker thresholds (default: more than half, and at least 3). */
  breaker?: BreakerOptions;
  /** Where helm charts may come from (`--allowed-chart-repos`): a revision using another source does not validate. */
  chartRepos?: ChartRepoAllowList;
  /** The commit the tip's inputs came with (below gitset's own status commits); the tip when absent. */
  introducedAt?: (tip: string) => Promise<string>;
  /** Where each promotion approval was committed, from Git's history (src/daemon/approvals.ts). */
  approvals?: ApprovalLookup;
  logger: Logger;
  metrics: DaemonMetrics;
  now?: () => Date;
  /** One of several replicas (`--shards`): probes, works on and commits the status of its own part only. */
  shard?: Shard;
  /** With several replicas: how often this one says it is alive in its gitset.yaml (default 1 minute). */
  shardHeartbeatMs?: number;
  /** With several shards: the secret replicas seal their status with (`--shard-key-file`). */
  shardKey?: string;
}
export function createReconciler(deps: CycleDeps): Reconciler {
  const now = deps.now ?? (() => new Date());
  const memory = createMemory(deps, now);
  let count = 0;
  const busy = (): boolean => memory.work.busy || (memory.policies?.busy ?? false) || memory.puller.busy || memory.loading !== undefined || (memory.committer?.busy ?? false);
  const cycle = (request: CycleRequest, mode: Mode): Promise<CycleReport> => reportedCycle({ deps, memory, now }, ++count, request, mode);
  const settleNow = (): Promise<CycleReport> => settle({ deps, memory, log: deps.logger, now, failures: [], out: { observeRequests: 0 } });
  return {
    cycle: (request) => cycle(request, { wait: false }),
    async complete(request, signal) {
      const first = await cycle(request, { wait: true });
      const abort = (): void => {
        memory.work.abortAll('aborted');
        memory.policies?.abortAll('aborted');
      };
      signal?.addEventListener('abort', abort, { once: true });
      await Promise.all([memory.work.idle(), memory.policies?.idle()]);
      signal?.removeEventListener('abort', abort);
      const recorded = await settleNow();
      return combine(first, recorded);
    },
    async finish(graceMs) {
      await stopWork(memory, graceMs, deps.logger);
      return settleNow();
    },
    idle: () => settledWork(memory),
    get busy() {
      return busy();
    },
    onWake(wake) {
      memory.wake = wake;
    },
  };
}

/** What the cycles of one process share, empty at start: rebuilt from Git and the clusters. */
function createMemory(deps: CycleDeps, now: () => Date): Memory {
  const lane = createGitLane();
  const memory: Memory = {
    revisions: { cache: new ManifestCache() },
    status: createStatusWriter(deps),
    lane,
    puller: createPuller(deps.repo, lane, deps.logger, () => memory.wake('git-pulled')),
    work: createHelmWork({ helm: deps.helm, credentialsDir: deps.credentialsDir, parallelism: deps.helmParallelism, metrics: deps.metrics, logger: deps.logger, onFinished: () => memory.wake('helm-done'), now }),
    revisionStatus: {},
    notes: [],
    lastLook: new Map(),
    wake: () => undefined,
    accepting: true,
    ...(deps.shard && deps.shard.count > 1 ? { shards: createShardView(deps.shard, deps.shardHeartbeatMs ?? 60_000, deps.shardKey, now().getTime()) } : {}),
  };
  if (deps.kubectl) {
    memory.policies = createPolicyWork({ kubectl: deps.kubectl, credentialsDir: deps.credentialsDir, parallelism: deps.helmParallelism, logger: deps.logger, onFinished: () => memory.wake('helm-done'), now });
    const builder = deps.kubectl.kustomize;
    if (builder) memory.builds = createSourceBuilds({ builder, credentialsDir: deps.credentialsDir, logger: deps.logger, onFinished: () => memory.wake('helm-done') });
  }
  return memory;
}

/** One cycle, its failure caught and said, its figures reported. */
async function reportedCycle(at: Pick<Run, 'deps' | 'memory' | 'now'>, count: number, request: CycleRequest, mode: Mode): Promise<CycleReport> {
  const { deps } = at;
  const started = performance.now();
  const log = deps.logger.child({ cycle: count });
  const out = { failures: [] as string[], observeRequests: 0 };
  let report: CycleReport;
  try {
    report = await runOnce({ ...at, log, failures: out.failures, out }, request, mode);
  } catch (err) {
    log.error({ err: messageOf(err) }, 'cycle failed');
    report = { outcome: 'failure', failures: [...out.failures, messageOf(err)], committed: false };
  }
  reportCycle({ metrics: deps.metrics, log }, request, report, (performance.now() - started) / 1000, out.observeRequests);
  return report;
}

/** Shutdown: nothing new starts; running calls get `graceMs`, then they are killed. */
async function stopWork(memory: Memory, graceMs: number, log: Logger): Promise<void> {
  memory.accepting = false;
  memory.work.close();
  memory.policies?.close();
  memory.builds?.close();
  const grace = setTimeout(() => {
    log.warn({ graceMs }, 'grace period over: aborting running helm and kubectl calls');
    memory.work.abortAll('aborted at shutdown (--shutdown-grace over)');
    memory.policies?.abortAll('aborted at shutdown (--shutdown-grace over)');
  }, graceMs);
  await Promise.all([memory.work.idle(), memory.policies?.idle(), memory.builds?.idle()]);
  clearTimeout(grace);
}

/** Resolves when no helm call, pull, load or commit runs. */
async function settledWork(memory: Memory): Promise<void> {
  // Outcomes waiting to be recorded are not waited for here: recording takes a cycle, the daemon's.
  const busy = (): boolean => memory.work.running || (memory.policies?.running ?? false) || (memory.builds?.running ?? false) || memory.puller.busy || memory.loading !== undefined || (memory.committer?.busy ?? false);
  while (busy()) await Promise.all([memory.work.idle(), memory.policies?.idle(), memory.builds?.idle(), memory.committer?.idle(), memory.loading, memory.puller.busy ? memory.puller.start().catch(() => undefined) : undefined]);
}

/** `reconcile --once`, tests and benchmarks: one cycle carried through to its commit. */
export function createCycle(deps: CycleDeps): RunCycle {
  const reconciler = createReconciler(deps);
  return (request, helmSignal) => reconciler.complete(request, helmSignal);
}
function combine(a: CycleReport, b: CycleReport): CycleReport {
  const rank = { success: 0, 'invalid-revision': 1, failure: 2 } as const;
  return {
    outcome: rank[b.outcome] > rank[a.outcome] ? b.outcome : a.outcome,
    ...(a.revision ? { revision: a.revision } : {}),
    failures: [...a.failures, ...b.failures.filter((f) => !a.failures.includes(f))],
    committed: a.committed || b.committed,
  };
}
