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

/** Far above what a check costs (about 1.5 ms an object), far below a cycle. */
export const DEFAULT_SCRIPT_TIMEOUT_MS = 2_000;
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
  const timeoutMs = opts.timeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS;
  const limits = opts.limits ?? DEFAULT_SCRIPT_LIMITS;
  const queue: Pending[] = [];
  let worker: Worker | undefined;
  let ready = false;
  let startup: NodeJS.Timeout | undefined;
  let current: { p: Pending; timer: NodeJS.Timeout } | undefined;
  let nextId = 1;
  let closed = false;

  const finish = (outcome: CheckOutcome): void => {
    if (!current) return;
    clearTimeout(current.timer);
    const { p } = current;
    current = undefined;
    p.resolve(outcome);
    pump();
  };
  /** Ends the worker: the request running gets `outcome`; when none runs (it failed to start), every waiting one does. */
  const kill = (outcome: CheckOutcome): void => {
    const w = worker;
    worker = undefined;
    ready = false;
    clearTimeout(startup);
    void w?.terminate();
    if (current) finish(outcome);
    else for (const p of queue.splice(0)) p.resolve(outcome);
  };
  const start = (): Worker => {
    const w = new Worker(workerEntry(), { resourceLimits: { maxOldGenerationSizeMb: 256 } });
    w.unref();
    startup = setTimeout(() => kill({ error: `health script worker did not start within ${STARTUP_TIMEOUT_MS} ms`, code: 'Worker' }), STARTUP_TIMEOUT_MS);
    w.on('message', (msg: { ready?: true; id?: number; outcome?: CheckOutcome }) => {
      if (msg.ready && worker === w) {
        clearTimeout(startup);
        ready = true;
        send();
      } else if (msg.outcome && current?.p.id === msg.id) finish(msg.outcome);
    });
    w.on('error', (err) => {
      if (worker === w) kill({ error: `health script worker failed: ${err.message}`, code: 'Worker' });
    });
    w.on('exit', () => {
      if (worker === w) kill({ error: 'health script worker exited', code: 'Worker' });
    });
    return w;
  };
  const pump = (): void => {
    if (current || closed || queue.length === 0) return;
    if (!worker) worker = start();
    if (ready) send();
  };
  const send = (): void => {
    const p = current ? undefined : queue.shift();
    if (!p || !worker) return;
    const timer = setTimeout(() => kill({ error: `cut off: ran longer than ${timeoutMs} ms`, code: 'Timeout' }), timeoutMs);
    current = { p, timer };
    worker.postMessage({ id: p.id, req: p.req });
  };

  return {
    evaluate(req) {
      if (closed) return Promise.resolve({ error: 'health script runner closed', code: 'Worker' });
      return new Promise((resolve) => {
        queue.push({ id: nextId++, req: { ...req, limits }, resolve });
        pump();
      });
    },
    async close() {
      closed = true;
      for (const p of queue.splice(0)) p.resolve({ error: 'health script runner closed', code: 'Worker' });
      if (current) kill({ error: 'health script runner closed', code: 'Worker' });
      await worker?.terminate();
      worker = undefined;
    },
  };
}
