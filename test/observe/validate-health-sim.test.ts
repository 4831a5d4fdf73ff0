// validateHealths against a simulated cluster the real helm installed into: the objects are listed
// by group/version/kind, namespace and label filters over the prober's connection, and observing
// the fleet folds the verdict into the release's health only once its workloads are up.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { HealthScriptRunner } from '../../src/model/ports.ts';
import type { ValidateHealth } from '../../src/model/objects.ts';
import { Discovery, type KubeGet } from '../../src/observe/cluster-reader.ts';
import { observeFleet, type Tracked } from '../../src/observe/fleet.ts';
import { createHealthScriptRunner } from '../../src/observe/health-script-pool.ts';
import { DEFAULT_DRIFT_INTERVAL_MS } from '../../src/observe/schedule.ts';
import { labelSelectorOf, listCheckedObjects, runHealthChecks } from '../../src/observe/validate-health.ts';
import { createProber, type ClusterProber } from '../../src/probe/prober.ts';
import { HELLO_CHART, simWithTools, type SimWithTools } from './sim-tools.ts';

const MARK = 'gitset.dev/managed-by=gitset,gitset.dev/profile=clusterprofile.hello,gitset.dev/hash=abc';
/** Healthy once someone labels the Deployment smoke=passed (a smoke test's stand-in). */
const SMOKE: ValidateHealth = {
  name: 'smoke',
  featureID: 'Helm',
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  namespace: 'hello',
  labelFilters: [{ key: 'app.kubernetes.io/instance', operation: 'Equal', value: 'hello' }],
  script: 'function evaluate()\n  if obj.metadata.labels["smoke"] == "passed" then return {healthy = true, message = ""} end\n  return {healthy = false, message = "smoke test not passed"}\nend\n',
};

describe('validateHealths on a simulated cluster', () => {
  let a: SimWithTools;
  let prober: ClusterProber;
  let get: KubeGet;
  let scripts: HealthScriptRunner;

  before(async () => {
    a = await simWithTools('civo', 'a');
    await a.helm('upgrade', '--install', 'hello', HELLO_CHART, '-n', 'hello', '--create-namespace', '--labels', MARK);
    await a.helm('upgrade', '--install', 'other', HELLO_CHART, '-n', 'hello');
    prober = createProber({ credentialsDir: a.credentials, timeoutMs: 5000 });
    assert.equal((await prober.probeAll([a.ref])).get('civo/a')?.ok, true);
    get = prober.reader(a.ref)!;
    scripts = createHealthScriptRunner();
  });
  after(async () => {
    await scripts?.close();
    prober?.close();
    await a?.close();
  });

  test('label filters in Sveltos form become one label selector', () => {
    const filters: ValidateHealth['labelFilters'] = [
      { key: 'a', operation: 'Equal', value: 'x' },
      { key: 'b', operation: 'Different', value: 'y' },
      { key: 'c', operation: 'Has' },
      { key: 'd', operation: 'DoesNotHave' },
    ];
    assert.equal(labelSelectorOf(filters), 'a=x,b!=y,c,!d');
  });

  test('listing by group/version/kind, namespace and labels finds exactly the release\'s Deployment', async () => {
    const discovery = new Discovery(get);
    const all = await listCheckedObjects(get, discovery, { ...SMOKE, labelFilters: [] });
    assert.deepEqual(all?.map((o) => o.metadata?.name).sort(), ['hello', 'other-hello']);
    const one = await listCheckedObjects(get, discovery, SMOKE);
    assert.deepEqual(one?.map((o) => [o.kind, o.metadata?.namespace, o.metadata?.name]), [['Deployment', 'hello', 'hello']]);
    const configMaps = (op: 'Has' | 'DoesNotHave') =>
      listCheckedObjects(get, discovery, { name: 'cm', featureID: 'Helm', group: '', version: 'v1', kind: 'ConfigMap', namespace: 'hello', labelFilters: [{ key: 'app.kubernetes.io/instance', operation: op }] });
    assert.deepEqual((await configMaps('Has'))?.map((o) => o.metadata?.name).sort(), ['hello', 'other-hello'], 'the core group, Has');
    assert.ok(!(await configMaps('DoesNotHave'))?.some((o) => ['hello', 'other-hello'].includes(o.metadata?.name ?? '')), 'DoesNotHave');
    assert.equal(await listCheckedObjects(get, discovery, { ...SMOKE, group: 'example.com', kind: 'Widget' }), undefined, 'a kind the cluster does not serve');
  });

  test('Sveltos\' verdicts: failing with the object and message, nothing found, a kind not served passes', async () => {
    const discovery = new Discovery(get);
    const failing = await runHealthChecks(get, discovery, [SMOKE], scripts);
    assert.deepEqual(failing, { state: 'Progressing', check: 'smoke', message: "health check 'smoke' for feature Helm failed: resource Deployment hello/hello is not healthy: smoke test not passed" });
    const none = await runHealthChecks(get, discovery, [{ ...SMOKE, namespace: 'nowhere' }], scripts);
    assert.equal(none?.message, "health check 'smoke' for feature Helm failed: validateHealth: smoke did not fetch any resource");
    assert.equal(await runHealthChecks(get, discovery, [{ ...SMOKE, group: 'example.com', kind: 'Widget' }], scripts), undefined);
  });

  test('observing the fleet: the release is Progressing with the check\'s reason until the check passes', async () => {
    const tracked: Tracked = { cluster: 'civo/a', releaseNamespace: 'hello', releaseName: 'hello', health: undefined, detectDrift: false, exclusions: [], healthChecks: { profile: 'ClusterProfile/hello', checks: [SMOKE] } };
    const observe = async () => {
      const errors: string[] = [];
      const seen = await observeFleet({
        clusters: [{ cluster: 'civo/a', get }],
        tracked: [tracked],
        lastLook: new Map(),
        now: Date.now(),
        driftIntervalMs: DEFAULT_DRIFT_INTERVAL_MS,
        parallelism: 1,
        scripts,
        onError: (_c, what, err) => void errors.push(`${what}: ${(err as Error).message}`),
      });
      assert.deepEqual(errors, []);
      return seen.observations.get('civo/a')?.looks.get('hello/hello')?.health;
    };
    assert.equal((await observe())?.message, "health check 'smoke' for feature Helm failed: resource Deployment hello/hello is not healthy: smoke test not passed");
    await a.kubectl('label', 'deployment/hello', '-n', 'hello', 'smoke=passed');
    assert.deepEqual(await observe(), { state: 'Healthy' });
  });

  test('checks added to a release already Healthy are run at the next cycle, not at its next periodic look', async () => {
    const base: Tracked = { cluster: 'civo/a', releaseNamespace: 'hello', releaseName: 'hello', health: 'Healthy', detectDrift: false, exclusions: [] };
    const strict: ValidateHealth = { ...SMOKE, name: 'traffic', script: 'function evaluate() return {healthy = getLabel(obj, "traffic") == "on", message = "no traffic yet"} end' };
    for (const driftIntervalMs of [DEFAULT_DRIFT_INTERVAL_MS, 0]) {
      const lastLook = new Map<string, number>();
      const now = Date.now();
      const look = async (t: Tracked) => {
        const seen = await observeFleet({ clusters: [{ cluster: 'civo/a', get }], tracked: [t], lastLook, now, driftIntervalMs, parallelism: 1, scripts, onError: () => assert.fail('no read fails') });
        return seen.observations.get('civo/a')?.looks.get('hello/hello')?.health;
      };
      await look(base);
      assert.equal(await look(base), undefined, `Healthy and just looked at: not again (interval ${driftIntervalMs})`);
      const withChecks = { ...base, healthChecks: { profile: 'ClusterProfile/hello', checks: [strict] } };
      assert.equal((await look(withChecks))?.message, "health check 'traffic' for feature Helm failed: resource Deployment hello/hello is not healthy: no traffic yet");
    }
  });

  test('what a script says about a Secret never reaches the status; other messages are one clipped line', async () => {
    await a.kubectl('create', 'secret', 'generic', 'token', '-n', 'hello', '--from-literal=token=hunter2');
    const discovery = new Discovery(get);
    const leak = 'function evaluate() return {healthy = false, message = base64Decode(obj.data.token)} end';
    const secret: ValidateHealth = { name: 'leak', featureID: 'Helm', group: '', version: 'v1', kind: 'Secret', namespace: 'hello', labelFilters: [{ key: 'owner', operation: 'DoesNotHave' }], script: leak };
    const verdict = await runHealthChecks(get, discovery, [secret], scripts);
    assert.equal(verdict?.message, "health check 'leak' for feature Helm failed: resource Secret hello/token is not healthy: its message is not recorded for Secrets");
    const thrown = await runHealthChecks(get, discovery, [{ ...secret, script: 'function evaluate() error(base64Decode(obj.data.token)) end' }], scripts);
    assert.equal(thrown?.message, "health check 'leak' for feature Helm failed: script error on Secret hello/token: its message is not recorded for Secrets");
    const long = await runHealthChecks(get, discovery, [{ ...SMOKE, script: 'function evaluate() return {healthy = false, message = string.rep("x", 1000) .. "\\nforged line"} end' }], scripts);
    assert.ok(long?.message && !long.message.includes('\n') && long.message.length < 500, long?.message);
  });
});
