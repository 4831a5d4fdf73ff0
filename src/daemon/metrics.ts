// Prometheus metrics of one daemon, in a registry of its own (two daemons in one test process
// must not share counters). Names follow Prometheus conventions: a `gitset_` prefix, base units.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface DaemonMetrics {
  registry: Registry;
  cycleDuration: Histogram<'outcome'>;
  cycles: Counter<'outcome' | 'trigger'>;
  probes: Counter<'result'>;
  readyClusters: Gauge;
  knownClusters: Gauge;
  selectionChanges: Counter<'set'>;
  helmCalls: Counter<'action' | 'outcome'>;
  statusCommits: Counter;
  pushRetries: Counter;
  lastSuccessfulCycle: Gauge;
  invalidRevision: Gauge;
  breakerOpen: Gauge;
  /** With several replicas: other shards not heard from for 3 heartbeats. */
  silentShards: Gauge;
  breakerTrips: Counter;
  observeRequests: Counter;
  observeErrors: Counter;
  observeDuration: Histogram;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): DaemonMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'gitset_process_' });
  const { counter, gauge, histogram } = metricsIn(registry);
  // Created in the order /metrics lists them.
  return {
    registry,
    cycleDuration: histogram('gitset_cycle_duration_seconds', 'Duration of reconcile cycles (pull, probe, select, helm, status commit)', [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300], ['outcome']),
    cycles: counter('gitset_cycles_total', 'Reconcile cycles run, by outcome and by what triggered them', ['outcome', 'trigger']),
    probes: counter('gitset_probes_total', 'Cluster probes, by result', ['result']),
    readyClusters: gauge('gitset_ready_clusters', 'Clusters currently ready'),
    knownClusters: gauge('gitset_clusters', 'SveltosClusters in the repository'),
    selectionChanges: counter('gitset_selection_changes_total', "Changes of a set's selected clusters (failovers included), by set", ['set']),
    helmCalls: counter('gitset_helm_calls_total', 'helm calls, by action and outcome', ['action', 'outcome']),
    statusCommits: counter('gitset_status_commits_total', 'Status commits pushed'),
    pushRetries: counter('gitset_push_retries_total', 'Status pushes retried after a rejected push'),
    lastSuccessfulCycle: gauge('gitset_last_successful_cycle_timestamp_seconds', 'Unix time the last cycle without failure ended'),
    invalidRevision: gauge('gitset_invalid_revision', '1 while the branch head does not validate and the last good revision stays in force'),
    breakerOpen: gauge('gitset_breaker_open', '1 while the mass-failure breaker is open: selections frozen, nothing withdrawn'),
    silentShards: gauge('gitset_silent_shards', 'Other shards (replicas) not heard from for 3 heartbeats: their clusters wait, probed and worked on by nobody'),
    breakerTrips: counter('gitset_breaker_trips_total', 'Times the mass-failure breaker opened'),
    observeRequests: counter('gitset_observe_requests_total', 'GETs sent to clusters to observe their releases (inventory lists, release records, live objects, discovery)'),
    observeErrors: counter('gitset_observe_errors_total', "Observation reads that failed (a cluster's inventory or one release's closer look)"),
    observeDuration: histogram('gitset_observe_duration_seconds', 'Time one cycle spent observing the answering clusters', [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]),
  };
}

/** Counters, gauges and histograms registered in `registry` only. */
function metricsIn(registry: Registry) {
  const registers = [registry];
  const labels = <L extends string>(labelNames: readonly L[] | undefined) => (labelNames ? { labelNames } : {});
  return {
    counter: <L extends string = string>(name: string, help: string, labelNames?: readonly L[]) => new Counter<L>({ name, help, ...labels(labelNames), registers }),
    gauge: (name: string, help: string) => new Gauge({ name, help, registers }),
    histogram: <L extends string = string>(name: string, help: string, buckets: number[], labelNames?: readonly L[]) =>
      new Histogram<L>({ name, help, ...labels(labelNames), buckets, registers }),
  };
}
