// Logs and counts what changed between two statuses: clusters becoming ready or not, and sets
// changing their selection (a failover is one), and failovers done. Every line names the object it concerns.
import type { Logger } from 'pino';
import type { FailoverRecord } from '../model/status.ts';
import { notReadyDetail } from '../status/cluster-health.ts';
import { refKey, type PreviousStatus, type StatusSnapshot } from '../status/snapshot.ts';
import type { DaemonMetrics } from './metrics.ts';

export function observeChanges(previous: PreviousStatus, next: StatusSnapshot, out: { logger: Logger; metrics: DaemonMetrics }): void {
  let ready = 0;
  for (const [key, entry] of next.clusters) {
    if (entry.status.ready) ready++;
    const before = previous.clusters.get(key)?.status;
    if (before && before.ready !== entry.status.ready) {
      if (entry.status.ready) out.logger.info({ cluster: key, version: entry.status.version }, 'cluster is ready');
      else out.logger.warn({ cluster: key, detail: notReadyDetail(entry.status) }, 'cluster is not ready');
    }
  }
  out.metrics.readyClusters.set(ready);
  out.metrics.knownClusters.set(next.clusters.size);

  for (const [id, entry] of next.sets) {
    logFailoversDone(id, previous.sets.get(id)?.status.failovers ?? [], entry.status.failovers ?? [], out.logger);
    const before = (previous.sets.get(id)?.status.selectedClusterRefs ?? []).map(refKey);
    const after = entry.status.selectedClusterRefs.map(refKey);
    const added = after.filter((k) => !before.includes(k));
    const dropped = before.filter((k) => !after.includes(k));
    if (added.length === 0 && dropped.length === 0) continue;
    if (previous.sets.has(id)) out.metrics.selectionChanges.inc({ set: id });
    out.logger.info({ set: id, selected: after, added, dropped, message: entry.status.message }, 'set selection changed');
  }
}

/** A failover is done when its replacement is deployed and healthy: said once, with its total time. */
function logFailoversDone(set: string, before: readonly FailoverRecord[], after: readonly FailoverRecord[], logger: Logger): void {
  for (const f of after) {
    if (f.deployed === undefined) continue;
    const was = before.find((b) => b.from === f.from && b.to === f.to && b.selected === f.selected);
    if (was?.deployed !== undefined) continue;
    logger.info({ set, from: f.from, to: f.to, deployed: f.deployed, totalSeconds: f.totalSeconds }, 'failover done: the replacement is deployed and healthy');
  }
}
