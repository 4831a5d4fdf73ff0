// validateHealths scripts as a Sveltos user writes them (the corpus' own Lua and CEL), and as a
// hostile pull request would: errors are said, runaway loops, memory bombs and a regular-expression
// blow-up inside one C call are cut off, and the runner keeps working after it killed its worker.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LuaWasm } from 'wasmoon';
import { celSyntaxError, evaluateCel } from '../../src/observe/health-cel.ts';
import { evaluateLua, loadLua, ScriptError } from '../../src/observe/health-script.ts';
import { createHealthScriptRunner } from '../../src/observe/health-script-pool.ts';
import type { HealthScriptRunner } from '../../src/model/ports.ts';

/** corpus 029 / 046: `evaluate(obj)` with the object as argument. */
const SCRIPT_029 =
  'function evaluate(obj)\n  if obj.status ~= nil and obj.status.availableReplicas ~= nil\n      and obj.status.availableReplicas == obj.spec.replicas then\n    return {healthy=true, message=""}\n  end\n  return {healthy=false, message="available replicas not matching requested replicas"}\nend\n';
/** corpus 040: `evaluate()` reading the global `obj`. */
const SCRIPT_040 =
  'function evaluate()\n  local hs = {healthy = false, message = "available replicas not matching requested replicas"}\n  if obj.status and obj.status.availableReplicas ~= nil and obj.status.availableReplicas == obj.spec.replicas then\n    hs.healthy = true\n  end\n  return hs\nend\n';

const deployment = (available: number | null) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'kyverno', namespace: 'kyverno', labels: { tier: 'admission' }, ownerReferences: null },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'a' }, { name: 'b' }] } } },
  status: available === null ? {} : { availableReplicas: available },
});

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ScriptError, String(err));
    return err.code;
  }
  return 'no error';
};

describe('Lua health scripts', () => {
  let lua: LuaWasm;
  before(async () => {
    lua = await loadLua();
  });

  test('the corpus scripts: healthy when the replicas are available, else their message', () => {
    for (const script of [SCRIPT_029, SCRIPT_040]) {
      assert.deepEqual(evaluateLua(lua, script, deployment(2)), { healthy: true });
      assert.deepEqual(evaluateLua(lua, script, deployment(1)), { healthy: false, message: 'available replicas not matching requested replicas' });
      assert.deepEqual(evaluateLua(lua, script, deployment(null)), { healthy: false, message: 'available replicas not matching requested replicas' });
    }
  });

  test('the object reads as Kubernetes JSON: lists from 1, nulls absent, labels by key', () => {
    const script = 'function evaluate() return {healthy = #obj.spec.template.spec.containers == 2 and obj.spec.template.spec.containers[1].name == "a" and obj.metadata.ownerReferences == nil and obj.metadata.labels["tier"] == "admission", message = "shape"} end';
    assert.deepEqual(evaluateLua(lua, script, deployment(2)), { healthy: true });
  });

  test('libsveltos\' helpers (getLabel, getAnnotation, getResource, base64) and the Lua 5.1 globals gopher-lua has', () => {
    const script = `function evaluate()
      local checks = {
        getLabel(obj, "tier") == "admission", getLabel(obj, "none") == nil, getAnnotation(obj, "a") == nil,
        getResource({x = obj}, "x") == obj, getResource({}, "y") == nil,
        base64Encode("kyverno") == "a3l2ZXJubw==", base64Decode("a3l2ZXJubw==") == "kyverno",
        base64Encode("ab") == "YWI=", base64Decode(base64Encode("\\0\\255x")) == "\\0\\255x",
        base64Decode("not base64!") == nil, base64Encode("") == nil,
        select(2, unpack({1, 2})) == 2, table.getn({1, 2, 3}) == 3, math.pow(2, 10) == 1024,
      }
      for i, ok in ipairs(checks) do if not ok then return {healthy = false, message = "check " .. i} end end
      return {healthy = true}
    end`;
    assert.deepEqual(evaluateLua(lua, script, deployment(2)), { healthy: true });
  });

  test('script errors are errors, not verdicts: runtime, syntax, no evaluate(), a result that is not a table', () => {
    assert.equal(code(() => evaluateLua(lua, 'function evaluate() error("boom") end', deployment(2))), 'LuaError');
    assert.equal(code(() => evaluateLua(lua, 'function evaluate( end', deployment(2))), 'LuaError');
    assert.equal(code(() => evaluateLua(lua, 'x = 1', deployment(2))), 'LuaError');
    assert.equal(code(() => evaluateLua(lua, 'function evaluate() return true end', deployment(2))), 'LuaResult');
    assert.throws(() => evaluateLua(lua, 'function evaluate()\n  return obj.nothing.here\nend', deployment(2)), /line 2: attempt to index a nil value/);
  });

  test('no files, processes or code loading: io, os, require, load and dofile are not there', () => {
    for (const name of ['io', 'os', 'require', 'load', 'dofile', 'loadfile', 'package', 'debug']) {
      const verdict = evaluateLua(lua, `function evaluate() return {healthy = (${name} == nil), message = "${name}"} end`, deployment(2));
      assert.deepEqual(verdict, { healthy: true }, `${name} is reachable`);
    }
  });

  test('a runaway loop is cut off by the instruction budget, a memory bomb by the memory cap', () => {
    const limits = { instructions: 200_000, memoryBytes: 8 << 20 };
    assert.equal(code(() => evaluateLua(lua, 'function evaluate() while true do end end', deployment(2), limits)), 'LuaBudget');
    assert.equal(code(() => evaluateLua(lua, 'function evaluate() local s = "x" for i = 1, 40 do s = s .. s end end', deployment(2), limits)), 'LuaMemory');
    assert.equal(code(() => evaluateLua(lua, 'function evaluate() return string.rep("x", 1e9) end', deployment(2), limits)), 'LuaMemory');
    // The state is fresh each time: a cut-off script leaves nothing behind for the next one.
    assert.deepEqual(evaluateLua(lua, SCRIPT_029, deployment(2), limits), { healthy: true });
  });
});

describe('CEL rules (evaluateCEL)', () => {
  const rule = (r: string) => [{ name: 'r', rule: r }];

  test('corpus 041: available replicas equal to the requested ones', () => {
    assert.deepEqual(evaluateCel(rule('resource.status.availableReplicas == resource.spec.replicas'), deployment(2)), { healthy: true });
    assert.equal(evaluateCel(rule('resource.status.availableReplicas == resource.spec.replicas'), deployment(1)).healthy, false);
  });

  test('as libsveltos: the first true rule wins, a rule that cannot evaluate counts as not true, integers are ints', () => {
    const rules = [
      { name: 'ready', rule: 'resource.status.readyReplicas == 2' },
      { name: 'int', rule: 'resource.spec.replicas == 2' },
    ];
    assert.deepEqual(evaluateCel(rules, deployment(2)), { healthy: true });
    const verdict = evaluateCel(rules.slice(0, 1), deployment(2));
    assert.equal(verdict.healthy, false);
    assert.match(verdict.healthy ? '' : verdict.message, /ready: .*readyReplicas/);
  });

  test('a rule that does not parse is found before it reaches a cluster', () => {
    assert.equal(celSyntaxError('resource.spec.replicas == 2'), undefined);
    assert.match(celSyntaxError('resource.spec.replicas ==') ?? '', /./);
  });
});

describe('the health script runner (a worker thread it can kill)', () => {
  let runner: HealthScriptRunner;
  before(() => {
    runner = createHealthScriptRunner({ timeoutMs: 1_000 });
  });
  after(() => runner.close());

  test('Lua and CEL over a list of objects: the first object not healthy is named', async () => {
    assert.deepEqual(await runner.evaluate({ script: SCRIPT_029, rules: [], objects: [deployment(2), deployment(2)] }), { healthy: true });
    const outcome = await runner.evaluate({ script: SCRIPT_029, rules: rule2(), objects: [deployment(2), deployment(1)] });
    assert.deepEqual(outcome, { healthy: false, index: 1, message: 'available replicas not matching requested replicas' });
    const byCel = await runner.evaluate({ rules: rule2(), objects: [deployment(2), { ...deployment(2), spec: { replicas: 3 } }] });
    assert.deepEqual(byCel, { healthy: false, index: 1, message: 'no rule true' });
  });

  test('a pattern match that runs inside one C call is cut off by the clock; the next check runs in a fresh worker', async () => {
    const bomb = 'function evaluate() return {healthy = string.find(string.rep("a", 3000), string.rep("a*", 8) .. "b") ~= nil} end';
    const outcome = await runner.evaluate({ script: bomb, rules: [], objects: [deployment(2)] });
    assert.ok('error' in outcome && outcome.code === 'Timeout', JSON.stringify(outcome));
    assert.deepEqual(await runner.evaluate({ script: SCRIPT_040, rules: [], objects: [deployment(2)] }), { healthy: true });
  });

  test('a script error names the object it failed on', async () => {
    const outcome = await runner.evaluate({ script: 'function evaluate() error("boom") end', rules: [], objects: [deployment(2)] });
    assert.ok('error' in outcome);
    assert.deepEqual([outcome.code, outcome.index], ['LuaError', 0]);
    assert.match(outcome.error, /boom/);
  });
});

function rule2() {
  return [{ name: 'replicas', rule: 'resource.status.availableReplicas == resource.spec.replicas' }];
}
