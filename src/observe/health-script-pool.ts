// Runs health scripts (Lua, CEL) in one worker thread that can be killed: the Lua VM counts
// instructions and caps memory itself, but a pathological pattern match runs inside one C call
// where no hook fires, so each request also has a wall-clock limit, past which the worker is
// terminated and the next request starts a fresh one. Requests go one at a time, in order.
import { Worker } from 'node:worker_threads';
import type { HealthCheckOutcome as CheckOutcome, HealthCheckRequest, HealthScriptRunner } from '../model/ports.ts';
import type { ScriptLimits } from './health-script.ts';
import { DEFAULT_SCRIPT_LIMITS } from './health-script.ts';

/** What the worker is sent: the request and the limits it runs under. */
export interface CheckRequest extends HealthCheckRequest {
  limits: ScriptLimits;
}
export type { CheckOutcome };

/** Far above what a check costs (a median 0.83 ms for one object, bench health-check), far below a cycle. */
export const DEFAULT_SCRIPT_TIMEOUT_MS = 2_000;
/** Added per object a check lists: a check of a thousand Pods is not cut off for its size. */
const TIMEOUT_PER_OBJECT_MS = 50;
/** Starting a worker (and, from src/, compiling it) on a loaded machine. */
const STARTUP_TIMEOUT_MS = 60_000;

/**
 * The worker's entry: the compiled file, or (run from src/ by tsx, whose loader a Node 20 worker
 * does not inherit) a one-line module that imports the TypeScript source through tsx's API.
 */
function workerEntry(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./health-script-worker.js', import.meta.url);
  const source = new URL('./health-script-worker.ts', import.meta.url).href;
  const boot = `import { tsImport } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; await tsImport(${JSON.stringify(source)}, ${JSON.stringify(source)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(boot)}`);
}

interface Pending {
  id: number;
  req: CheckRequest;
  resolve(o: CheckOutcome): void;
}

export function createHealthScriptRunner(opts: { timeoutMs?: number; limits?: ScriptLimits } = {}): HealthScriptRunner {
  return new HealthScriptPool(opts.timeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS, opts.limits ?? DEFAULT_SCRIPT_LIMITS);
}

const CLOSED: CheckOutcome = { error: 'health script runner closed', code: 'Worker' };

/** One worker, started at the first request and again after it was killed; its lifetime is the daemon's. */
class HealthScriptPool implements HealthScriptRunner {
  readonly #queue: Pending[] = [];
  #worker: Worker | undefined;
  #ready = false;
  #startup: NodeJS.Timeout | undefined;
  #current: { p: Pending; timer: NodeJS.Timeout } | undefined;
  #nextId = 1;
  #closed = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly limits: ScriptLimits,
  ) {}

  evaluate(req: HealthCheckRequest): Promise<CheckOutcome> {
    if (this.#closed) return Promise.resolve(CLOSED);
    return new Promise((resolve) => {
      this.#queue.push({ id: this.#nextId++, req: { ...req, limits: this.limits }, resolve });
      this.#pump();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const p of this.#queue.splice(0)) p.resolve(CLOSED);
    const w = this.#worker;
    this.#kill(CLOSED);
    await w?.terminate();
  }

  #pump(): void {
    if (this.#current || this.#closed || this.#queue.length === 0) return;
    if (!this.#worker) this.#worker = this.#start();
    if (this.#ready) this.#send();
  }

  #send(): void {
    const p = this.#current ? undefined : this.#queue.shift();
    if (!p || !this.#worker) return;
    const limit = this.timeoutMs + TIMEOUT_PER_OBJECT_MS * Math.max(0, p.req.objects.length - 1);
    const timer = setTimeout(() => this.#kill({ error: `cut off: ran longer than ${limit} ms`, code: 'Timeout' }), limit);
    this.#current = { p, timer };
    this.#worker.postMessage({ id: p.id, req: p.req });
  }

  #finish(outcome: CheckOutcome): void {
    const running = this.#current;
    if (!running) return;
    clearTimeout(running.timer);
    this.#current = undefined;
    running.p.resolve(outcome);
    this.#pump();
  }

  /** Ends the worker: the request running gets `outcome`; when none runs (it failed to start), every waiting one does. */
  #kill(outcome: CheckOutcome): void {
    const w = this.#worker;
    this.#worker = undefined;
    this.#ready = false;
    clearTimeout(this.#startup);
    void w?.terminate();
    if (this.#current) this.#finish(outcome);
    else for (const p of this.#queue.splice(0)) p.resolve(outcome);
  }

  #start(): Worker {
    const w = new Worker(workerEntry(), { resourceLimits: { maxOldGenerationSizeMb: 256 } });
    w.unref();
    this.#startup = setTimeout(() => this.#kill({ error: `health script worker did not start within ${STARTUP_TIMEOUT_MS} ms`, code: 'Worker' }), STARTUP_TIMEOUT_MS);
    w.on('message', (msg: { ready?: true; id?: number; outcome?: CheckOutcome }) => {
      if (msg.ready && this.#worker === w) {
        clearTimeout(this.#startup);
        this.#ready = true;
        this.#send();
      } else if (msg.outcome && this.#current?.p.id === msg.id) this.#finish(msg.outcome);
    });
    w.on('error', (err) => {
      if (this.#worker === w) this.#kill({ error: `health script worker failed: ${err.message}`, code: 'Worker' });
    });
    w.on('exit', () => {
      if (this.#worker === w) this.#kill({ error: 'health script worker exited', code: 'Worker' });
    });
    return w;
  }
}
