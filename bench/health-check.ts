// Benchmark: what one validateHealths verdict costs, for the corpus' own checks against one
// Deployment: Lua (corpus 029, a fresh Lua state each time, as Sveltos does), CEL (corpus 041),
// and a Lua check through the worker thread the daemon runs scripts in (message round trip
// included). Target: a check of one object well under 10 ms, so a cycle's checks stay small
// beside its API reads.
import type { Benchmark, BenchContext } from './context.ts';
import { summarize, type Measure } from './report.ts';
import { evaluateCel } from '../src/observe/health-cel.ts';
import { evaluateLua, loadLua } from '../src/observe/health-script.ts';
import { createHealthScriptRunner } from '../src/observe/health-script-pool.ts';

const BENCH = 'health-check';
const TARGET = { op: '<', value: 10 } as const;
const SCRIPT_029 =
  'function evaluate(obj)\n  if obj.status ~= nil and obj.status.availableReplicas ~= nil\n      and obj.status.availableReplicas == obj.spec.replicas then\n    return {healthy=true, message=""}\n  end\n  return {healthy=false, message="available replicas not matching requested replicas"}\nend\n';
const RULES_041 = [{ name: 'deployment_replicas', rule: 'resource.status.availableReplicas == resource.spec.replicas' }];
const DEPLOYMENT = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'kyverno-admission-controller', namespace: 'kyverno', labels: { 'app.kubernetes.io/instance': 'kyverno-latest' }, annotations: { 'deployment.kubernetes.io/revision': '1' } },
  spec: { replicas: 1, selector: { matchLabels: { app: 'kyverno' } }, template: { metadata: { labels: { app: 'kyverno' } }, spec: { containers: [{ name: 'kyverno', image: 'ghcr.io/kyverno/kyverno:v1.13.2', ports: [{ containerPort: 9443 }] }] } } },
  status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, conditions: [{ type: 'Available', status: 'True' }] },
};

function timed(n: number, f: () => unknown): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    f();
    out.push(performance.now() - t0);
  }
  return out;
}

async function run(ctx: BenchContext): Promise<Measure[]> {
  const lua = await loadLua();
  const reps = ctx.reps(500, 50);
  timed(20, () => evaluateLua(lua, SCRIPT_029, DEPLOYMENT));
  const luaMs = timed(reps, () => evaluateLua(lua, SCRIPT_029, DEPLOYMENT));
  const celMs = timed(reps, () => evaluateCel(RULES_041, DEPLOYMENT));
  const runner = createHealthScriptRunner();
  try {
    await runner.evaluate({ script: SCRIPT_029, rules: [], objects: [DEPLOYMENT] });
    const workerMs: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await runner.evaluate({ script: SCRIPT_029, rules: [], objects: [DEPLOYMENT] });
      workerMs.push(performance.now() - t0);
    }
    return [
      summarize(BENCH, 'Lua check of one Deployment (fresh state)', 'ms', luaMs, { target: TARGET }),
      summarize(BENCH, 'CEL rule on one Deployment', 'ms', celMs, { target: TARGET }),
      summarize(BENCH, 'Lua check through the worker thread', 'ms', workerMs, { target: TARGET }),
    ];
  } finally {
    await runner.close();
  }
}

export const benchmark: Benchmark = { name: BENCH, title: 'validateHealths: one verdict in Lua, CEL and through the worker', run };
