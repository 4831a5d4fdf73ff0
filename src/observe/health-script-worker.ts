// The worker thread health scripts run in (health-script-pool.ts starts it, and terminates it
// when a script overruns its time). One request at a time: a check's script and rules against the
// objects it listed, in order, stopping at the first object that is not healthy.
import { parentPort } from 'node:worker_threads';
import type { LuaWasm } from 'wasmoon';
import { evaluateCel } from './health-cel.ts';
import { evaluateLua, loadLua, ScriptError } from './health-script.ts';
import type { CheckOutcome, CheckRequest } from './health-script-pool.ts';

function evaluateCheck(vm: LuaWasm, req: CheckRequest): CheckOutcome {
  for (const [index, obj] of req.objects.entries()) {
    try {
      const byLua = req.script ? evaluateLua(vm, req.script, obj, req.limits) : { healthy: true as const };
      if (!byLua.healthy) return { healthy: false, index, message: byLua.message };
      const byCel = req.rules.length > 0 ? evaluateCel(req.rules, obj) : { healthy: true as const };
      if (!byCel.healthy) return { healthy: false, index, message: byCel.message };
    } catch (err) {
      const code = err instanceof ScriptError ? err.code : 'LuaError';
      return { error: err instanceof Error ? err.message : String(err), code, index };
    }
  }
  return { healthy: true };
}

// The VM is loaded before the first request is taken, so no script's time limit pays for it.
const vm = await loadLua();
parentPort?.on('message', (msg: { id: number; req: CheckRequest }) => {
  parentPort!.postMessage({ id: msg.id, outcome: evaluateCheck(vm, msg.req) });
});
parentPort?.postMessage({ ready: true });
