// Bounded parallelism across clusters, strict order within one: a cluster's releases are
// applied one after the other in the given order (helm takes a per-release lock and dependent
// charts come in order), different clusters proceed side by side, and no failure stops others.
import type { ClusterKey } from '../model/objects.ts';

export interface ClusterTask<T> {
  cluster: ClusterKey;
  run: (signal: AbortSignal) => Promise<T>;
}

export interface PoolOptions {
  /** Clusters worked on at the same time (default 8, at least 1). */
  parallelism?: number;
  /** Aborting stops starting tasks; those not started settle as rejected with an AbortError. */
  signal?: AbortSignal;
}

export const DEFAULT_PARALLELISM = 8;

/** Runs every task; result i belongs to task i. Never rejects. */
export async function runPerCluster<T>(
  tasks: ReadonlyArray<ClusterTask<T>>,
  opts: PoolOptions = {},
): Promise<Array<PromiseSettledResult<T>>> {
  const results = new Array<PromiseSettledResult<T>>(tasks.length);
  const queues = new Map<ClusterKey, number[]>();
  tasks.forEach((task, i) => {
    const queue = queues.get(task.cluster);
    if (queue) queue.push(i);
    else queues.set(task.cluster, [i]);
  });
  const clusters = [...queues.values()];
  const signal = opts.signal ?? new AbortController().signal;
  const workers = Math.max(1, Math.min(Math.floor(opts.parallelism ?? DEFAULT_PARALLELISM), clusters.length));

  let next = 0;
  const worker = async (): Promise<void> => {
    for (let c = next++; c < clusters.length; c = next++) {
      for (const i of clusters[c] ?? []) {
        const task = tasks[i];
        if (task === undefined) continue;
        if (signal.aborted) {
          results[i] = { status: 'rejected', reason: abortReason(signal) };
          continue;
        }
        try {
          results[i] = { status: 'fulfilled', value: await task.run(signal) };
        } catch (reason) {
          results[i] = { status: 'rejected', reason };
        }
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof Error ? signal.reason : new DOMException('aborted before the task started', 'AbortError');
}
