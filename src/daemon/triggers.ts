// Triggers only enqueue: at most one cycle runs and at most one waits, and every request that
// arrives while one waits is folded into it. Cycles are level-triggered (each re-reads Git and
// the clusters), so coalescing loses nothing.

export type TriggerReason =
  | 'start' | 'probe-interval' | 'poll-interval' | 'file-change' | 'webhook' | 'sighup' | 'manual'
  /** Background work: a helm call ended (a cycle records it), a pull brought new inputs. */
  | 'helm-done' | 'git-pulled';

export interface CycleRequest {
  reasons: TriggerReason[];
  /** Fetch the branch first; probe-only rounds reuse the last fetched revision. */
  pull: boolean;
}

export interface CycleQueue {
  enqueue(reason: TriggerReason, options?: { pull?: boolean }): void;
  /** Resolves when nothing runs and nothing waits. */
  idle(): Promise<void>;
  /** Takes no new requests, drops the waiting one, and resolves when the running cycle ended. */
  close(): Promise<void>;
  readonly running: boolean;
  /** A request waits to run. */
  readonly waiting: boolean;
}

export function createCycleQueue(run: (request: CycleRequest) => Promise<void>, onError: (err: unknown) => void): CycleQueue {
  let pending: CycleRequest | undefined;
  let current: Promise<void> | undefined;
  let closed = false;
  let idleWaiters: Array<() => void> = [];

  const settleIdle = (): void => {
    if (current || pending) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  const pump = (): void => {
    if (current || !pending || closed) {
      settleIdle();
      return;
    }
    const request = pending;
    pending = undefined;
    current = run(request)
      .catch(onError)
      .finally(() => {
        current = undefined;
        pump();
      });
  };

  return {
    enqueue(reason, options = {}) {
      if (closed) return;
      const pull = options.pull ?? reason !== 'probe-interval';
      if (pending) {
        if (!pending.reasons.includes(reason)) pending.reasons.push(reason);
        pending.pull ||= pull;
      } else {
        pending = { reasons: [reason], pull };
      }
      queueMicrotask(pump);
    },
    idle() {
      if (!current && !pending) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async close() {
      closed = true;
      pending = undefined;
      await current;
      settleIdle();
    },
    get running() {
      return current !== undefined;
    },
    get waiting() {
      return pending !== undefined;
    },
  };
}

export interface IntervalTriggers {
  stop(): void;
}

/** Probe rounds and Git polls on their own intervals; each only enqueues. */
export function startIntervals(queue: CycleQueue, intervals: { probeMs: number; pollMs: number }): IntervalTriggers {
  const probe = setInterval(() => queue.enqueue('probe-interval', { pull: false }), intervals.probeMs);
  const poll = setInterval(() => queue.enqueue('poll-interval', { pull: true }), intervals.pollMs);
  return {
    stop() {
      clearInterval(probe);
      clearInterval(poll);
    },
  };
}
