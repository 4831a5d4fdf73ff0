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
  const registers = [registry];
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'gitset_process_' });
  return {
    registry,
    cycleDuration: new Histogram({
      name: 'gitset_cycle_duration_seconds',
      help: 'Duration of reconcile cycles (pull, probe, select, helm, status commit)',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    cycles: new Counter({
      name: 'gitset_cycles_total',
      help: 'Reconcile cycles run, by outcome and by what triggered them',
      labelNames: ['outcome', 'trigger'],
      registers,
    }),
    probes: new Counter({ name: 'gitset_probes_total', help: 'Cluster probes, by result', labelNames: ['result'], registers }),
    readyClusters: new Gauge({ name: 'gitset_ready_clusters', help: 'Clusters currently ready', registers }),
    knownClusters: new Gauge({ name: 'gitset_clusters', help: 'SveltosClusters in the repository', registers }),
    selectionChanges: new Counter({
      name: 'gitset_selection_changes_total',
      help: 'Changes of a set\'s selected clusters (failovers included), by set',
      labelNames: ['set'],
      registers,
    }),
    helmCalls: new Counter({
      name: 'gitset_helm_calls_total',
      help: 'helm calls, by action and outcome',
      labelNames: ['action', 'outcome'],
      registers,
    }),
    statusCommits: new Counter({ name: 'gitset_status_commits_total', help: 'Status commits pushed', registers }),
    pushRetries: new Counter({ name: 'gitset_push_retries_total', help: 'Status pushes retried after a rejected push', registers }),
    lastSuccessfulCycle: new Gauge({
      name: 'gitset_last_successful_cycle_timestamp_seconds',
      help: 'Unix time the last cycle without failure ended',
      registers,
    }),
    invalidRevision: new Gauge({
      name: 'gitset_invalid_revision',
      help: '1 while the branch head does not validate and the last good revision stays in force',
      registers,
    }),
    breakerOpen: new Gauge({
      name: 'gitset_breaker_open',
      help: '1 while the mass-failure breaker is open: selections frozen, nothing withdrawn',
      registers,
    }),
    silentShards: new Gauge({
      name: 'gitset_silent_shards',
      help: 'Other shards (replicas) not heard from for 3 heartbeats: their clusters wait, probed and worked on by nobody',
      registers,
    }),
    breakerTrips: new Counter({ name: 'gitset_breaker_trips_total', help: 'Times the mass-failure breaker opened', registers }),
    observeRequests: new Counter({
      name: 'gitset_observe_requests_total',
      help: 'GETs sent to clusters to observe their releases (inventory lists, release records, live objects, discovery)',
      registers,
    }),
    observeErrors: new Counter({
      name: 'gitset_observe_errors_total',
      help: 'Observation reads that failed (a cluster\'s inventory or one release\'s closer look)',
      registers,
    }),
    observeDuration: new Histogram({
      name: 'gitset_observe_duration_seconds',
      help: 'Time one cycle spent observing the answering clusters',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
  };
}
