// Bounded parallelism across clusters, strict order within one: a cluster's releases are
// applied one after the other in the given order (helm takes a per-release lock and dependent
// charts come in order), different clusters proceed side by side, and no failure stops others.
import { clusterKey, type ClusterKey, type SveltosCluster } from '../model/objects.ts';

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

/** A task for the background lanes: `key` names what it works on (one task per key at a time). */
export interface LaneTask<T> extends ClusterTask<T> {
  key: string;
}

/**
 * The daemon's helm calls in the background: at most `parallelism` clusters at once, one task
 * at a time per cluster, in the order offered. Tasks waiting to start are replaced by every
 * offer (each cycle plans afresh, so a task planned before a change never runs stale); running
 * ones are never started twice and can be cut short per cluster or all at once.
 */
export interface Lanes<T> {
  /** Replaces the tasks waiting to start; a task whose key runs is left out. */
  offer(tasks: ReadonlyArray<LaneTask<T>>): void;
  /** Keys of the tasks running now. */
  runningKeys(): string[];
  /** Aborts the task running on `cluster` and drops those waiting there; true when one ran. */
  abortCluster(cluster: ClusterKey, reason: Error): boolean;
  abortAll(reason: Error): void;
  /** Starts nothing more and drops what waits. */
  close(): void;
  /** Resolves when nothing runs and nothing waits. */
  idle(): Promise<void>;
  readonly busy: boolean;
}

interface LaneState<T> {
  parallelism: number;
  onSettled: (task: LaneTask<T>, result: PromiseSettledResult<T>, signal: AbortSignal) => void;
  waiting: Map<ClusterKey, Array<LaneTask<T>>>;
  running: Map<ClusterKey, { task: LaneTask<T>; controller: AbortController }>;
  closed: boolean;
  idleWaiters: Array<() => void>;
}

export function createLanes<T>(opts: { parallelism?: number; onSettled: LaneState<T>['onSettled'] }): Lanes<T> {
  const st: LaneState<T> = {
    parallelism: Math.max(1, Math.floor(opts.parallelism ?? DEFAULT_PARALLELISM)),
    onSettled: opts.onSettled,
    waiting: new Map(),
    running: new Map(),
    closed: false,
    idleWaiters: [],
  };
  return {
    offer(tasks) {
      if (st.closed) return;
      const busyKeys = new Set([...st.running.values()].map((r) => r.task.key));
      st.waiting = new Map();
      for (const task of tasks) {
        if (busyKeys.has(task.key)) continue;
        const queue = st.waiting.get(task.cluster);
        if (queue) queue.push(task);
        else st.waiting.set(task.cluster, [task]);
      }
      pump(st);
    },
    runningKeys: () => [...st.running.values()].map((r) => r.task.key),
    abortCluster(cluster, reason) {
      st.waiting.delete(cluster);
      const r = st.running.get(cluster);
      r?.controller.abort(reason);
      settleIdle(st);
      return r !== undefined;
    },
    abortAll(reason) {
      for (const r of st.running.values()) r.controller.abort(reason);
    },
    close() {
      st.closed = true;
      st.waiting = new Map();
      settleIdle(st);
    },
    idle() {
      if (st.running.size === 0 && st.waiting.size === 0) return Promise.resolve();
      return new Promise((resolve) => st.idleWaiters.push(resolve));
    },
    get busy() {
      return st.running.size > 0 || st.waiting.size > 0;
    },
  };
}

function settleIdle<T>(st: LaneState<T>): void {
  if (st.running.size > 0 || st.waiting.size > 0) return;
  for (const w of st.idleWaiters.splice(0)) w();
}

/** Starts the next waiting task of each free cluster while slots are free. */
function pump<T>(st: LaneState<T>): void {
  for (const [cluster, queue] of st.waiting) {
    if (st.closed || st.running.size >= st.parallelism) break;
    if (st.running.has(cluster)) continue;
    const task = queue.shift();
    if (queue.length === 0) st.waiting.delete(cluster);
    if (task) start(st, task);
  }
  settleIdle(st);
}

function start<T>(st: LaneState<T>, task: LaneTask<T>): void {
  const controller = new AbortController();
  st.running.set(task.cluster, { task, controller });
  const done = (result: PromiseSettledResult<T>): void => {
    st.running.delete(task.cluster);
    st.onSettled(task, result, controller.signal);
    pump(st);
  };
  let work: Promise<T>;
  try {
    work = task.run(controller.signal);
  } catch (err) {
    work = Promise.reject(err); // a task that throws settles like one that rejects
  }
  work.then((value) => done({ status: 'fulfilled', value }), (reason: unknown) => done({ status: 'rejected', reason }));
}

/**
 * What the daemon runs in the background on lanes (helm calls, kubectl work) as a cycle sees it:
 * it takes what ended, schedules what it planned, cuts a cluster short, and stops at shutdown.
 */
export interface BackgroundWork<Taken, Work> {
  /** Takes the outcomes that ended; what runs and what ended is in flight for this cycle's plan. */
  take(): Taken;
  /** This cycle's work (none of it in flight): it replaces the work still waiting. */
  schedule(work: readonly Work[], clusters: readonly SveltosCluster[]): void;
  /** Cuts short what runs on a cluster that stopped answering, and drops what waits there. */
  cutShort(cluster: ClusterKey, why: string): void;
  /** Shutdown: nothing new starts; what runs goes on until `abortAll`. */
  close(): void;
  abortAll(why: string): void;
  /** Resolves when nothing runs or waits. */
  idle(): Promise<void>;
  /** Work runs or waits to start. */
  readonly running: boolean;
  /** Work runs, waits, or ended and waits to be recorded by a cycle. */
  readonly busy: boolean;
}

/** Why work was cut short (a cluster stopped answering, shutdown): said in what it records. */
export class CutShort extends Error {}

/** What a cycle takes from background work at the moment it plans. */
export interface TakenWork<O> {
  /** Key → what runs there, or that it ended and waits to be recorded (a Pending record's reason). */
  keys: Map<string, string>;
  /** Work that ended since the last take, to record now (its keys are in `keys`). */
  finished: O[];
}

/** One kind of background work (helm calls, kubectl work) on lanes: how to key, run and record it. */
export interface BackgroundWorkSpec<W, O> {
  parallelism: number;
  /** `helm call`, `kubectl call`: how the log names one. */
  what: string;
  logger: { warn(obj: object, msg: string): void };
  key(work: W): string;
  cluster(work: W): ClusterKey;
  /** The record of work while it runs (a Pending record's reason). */
  running(work: W, since: Date): string;
  run(work: W, cluster: SveltosCluster | undefined, signal: AbortSignal): Promise<O>;
  /** The outcome to record from how `run` settled; `cut` is why it was cut short, if it was. */
  settle(work: W, result: PromiseSettledResult<O>, cut: string | undefined, at: Date): O;
  /** The key of an outcome waiting to be recorded, and what its record says meanwhile. */
  ended(outcome: O): [string, string];
  /** Told when work ended: a cycle should record it. */
  onFinished?: () => void;
  now?: () => Date;
}

/**
 * Runs the work a cycle schedules in the background and keeps each outcome until a cycle takes
 * it: until then the work's key counts as in flight, so the plan never issues it twice.
 */
export function createBackgroundWork<W, O>(spec: BackgroundWorkSpec<W, O>): BackgroundWork<TakenWork<O>, W> {
  const now = spec.now ?? (() => new Date());
  let finished: O[] = [];
  const running = new Map<string, string>();
  const works = new Map<string, W>();
  const lanes = createLanes<O>({
    parallelism: spec.parallelism,
    onSettled: (task, result, signal) => {
      running.delete(task.key);
      const work = works.get(task.key)!;
      works.delete(task.key);
      const cut = signal.aborted && signal.reason instanceof CutShort ? signal.reason.message : undefined;
      finished.push(spec.settle(work, result, cut, now()));
      spec.onFinished?.();
    },
  });
  return {
    take() {
      const taken = finished;
      finished = [];
      const keys = new Map(running);
      for (const o of taken) keys.set(...spec.ended(o));
      return { keys, finished: taken };
    },
    schedule(planned, clusters) {
      const byKey = new Map(clusters.map((c) => [clusterKey(c.metadata), c]));
      lanes.offer(
        planned.map((work) => {
          const key = spec.key(work);
          const cluster = spec.cluster(work);
          return {
            key,
            cluster,
            run: (signal: AbortSignal) => {
              works.set(key, work);
              running.set(key, spec.running(work, now()));
              return spec.run(work, byKey.get(cluster), signal);
            },
          };
        }),
      );
    },
    cutShort(cluster, why) {
      if (lanes.abortCluster(cluster, new CutShort(why))) spec.logger.warn({ cluster, reason: why }, `${spec.what} cut short: the cluster stopped answering`);
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
