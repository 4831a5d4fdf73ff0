// Sveltos' validateHealths Lua scripts, evaluated against one live object: `evaluate()` returns
// `{healthy = …, message = …}`; the object is the global `obj` and the argument. Scripts come
// from a repository anyone with a pull request can write: Lua runs in a fresh state with only the
// base, string, table, math and utf8 libraries (no io, os, require, load), a budget of instructions
// and a cap on memory. Pattern matching inside one C call cannot be cut by the instruction hook:
// the caller runs this in a worker it can terminate (health-script-pool.ts).
import { LuaEngine, LuaFactory, LuaLibraries, type LuaWasm } from 'wasmoon';
import { SVELTOS_LUA_PRELUDE } from './health-lua-prelude.ts';

export interface ScriptLimits {
  /** Lua VM instructions one evaluation may run. */
  instructions: number;
  /** Bytes one Lua state may allocate (its libraries and the object included). */
  memoryBytes: number;
}

/** What one evaluation of a typical check costs is far below these (see README: validateHealths). */
export const DEFAULT_SCRIPT_LIMITS: ScriptLimits = { instructions: 1_000_000, memoryBytes: 32 << 20 };

export type ObjectVerdict = { healthy: true } | { healthy: false; message: string };

export class ScriptError extends Error {
  readonly code: 'LuaError' | 'LuaBudget' | 'LuaMemory' | 'LuaResult';
  constructor(code: ScriptError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/** The Lua VM, loaded once (WebAssembly, ~50 ms); each evaluation gets a fresh state from it. */
export async function loadLua(): Promise<LuaWasm> {
  return new LuaFactory().getLuaModule();
}

const SAFE_LIBRARIES = [LuaLibraries.Base, LuaLibraries.String, LuaLibraries.Table, LuaLibraries.Math, LuaLibraries.UTF8];
/** Base functions that reach files or compile code at run time. */
const REMOVED_GLOBALS = ['dofile', 'loadfile', 'load', 'require', 'collectgarbage', 'print'];
const HOOK_EVERY = 1000;
const LUA_MASK_COUNT = 8;

/** Runs a Lua health script for one object, as Sveltos does (addon-controller clusterops/validate_health.go). */
export function evaluateLua(lua: LuaWasm, script: string, obj: Record<string, unknown>, limits: ScriptLimits = DEFAULT_SCRIPT_LIMITS): ObjectVerdict {
  const engine = new LuaEngine(lua, { openStandardLibs: false, enableProxy: false, injectObjects: false, traceAllocations: true });
  const g = engine.global;
  let hook: number | undefined;
  try {
    for (const lib of SAFE_LIBRARIES) g.loadLibrary(lib);
    for (const name of REMOVED_GLOBALS) g.set(name, undefined);
    g.setMemoryMax(g.getMemoryUsed() + limits.memoryBytes);
    let left = Math.ceil(limits.instructions / HOOK_EVERY);
    hook = lua.module.addFunction(() => {
      if (--left >= 0) return;
      g.pushValue(`instruction budget of ${limits.instructions} exhausted`);
      lua.lua_error(g.address);
    }, 'vii');
    lua.lua_sethook(g.address, hook, LUA_MASK_COUNT, HOOK_EVERY);
    const result = run(engine, script, withoutNulls(obj) as Record<string, unknown>, limits);
    return verdictOf(result);
  } finally {
    if (hook !== undefined) {
      lua.lua_sethook(g.address, null, 0, 0);
      lua.module.removeFunction(hook);
    }
    g.close();
  }
}

/** Whether a script compiles (nothing of it runs): the syntax error, `line 3: …`, or undefined. */
export function luaSyntaxError(lua: LuaWasm, script: string): string | undefined {
  const engine = new LuaEngine(lua, { openStandardLibs: false, enableProxy: false, injectObjects: false, traceAllocations: true });
  try {
    engine.global.setMemoryMax(engine.global.getMemoryUsed() + DEFAULT_SCRIPT_LIMITS.memoryBytes);
    engine.global.loadString(script);
    return undefined;
  } catch (err) {
    return cleanLuaMessage(err instanceof Error ? err.message : String(err));
  } finally {
    engine.global.close();
  }
}

function cleanLuaMessage(message: string): string {
  return message.replace(/^\[string ".*"\]:(\d+):/, 'line $1:');
}

function run(engine: LuaEngine, script: string, obj: Record<string, unknown>, limits: ScriptLimits): unknown {
  try {
    engine.doStringSync(SVELTOS_LUA_PRELUDE);
    engine.doStringSync(script);
    engine.global.set('obj', obj);
    if (typeof engine.global.get('evaluate') !== 'function') throw new ScriptError('LuaError', 'the script defines no function evaluate()');
    return engine.doStringSync('return evaluate(obj)');
  } catch (err) {
    if (err instanceof ScriptError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    if (message.includes('instruction budget')) throw new ScriptError('LuaBudget', `cut off: ${message}`);
    if (message.includes('not enough memory')) throw new ScriptError('LuaMemory', `cut off: more than ${limits.memoryBytes >> 20} MiB of memory`);
    throw new ScriptError('LuaError', cleanLuaMessage(message));
  }
}

function verdictOf(result: unknown): ObjectVerdict {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) {
    throw new ScriptError('LuaResult', 'evaluate() must return a table such as {healthy = true, message = ""}');
  }
  const { healthy, message } = result as { healthy?: unknown; message?: unknown };
  if (healthy === true) return { healthy: true };
  return { healthy: false, message: typeof message === 'string' ? message : '' };
}

/** JSON nulls are absent fields in Lua (nil), as gopher-lua's conversion leaves them. */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== null).map(withoutNulls);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = withoutNulls(x);
    return out;
  }
  return v;
}
