// A profile's `validateHealths` on one cluster, as Sveltos runs them after a feature is deployed
// (addon-controller lib/clusterops/validate_health.go): list the objects of group/version/kind in
// the namespace with the label filters, then every object must pass the Lua script and the CEL
// rules. The first check that fails is the verdict, in Sveltos' words. Reads only.
import type { HealthScriptRunner } from '../model/ports.ts';
import type { ValidateHealth } from '../model/objects.ts';
import { ClusterReadError, type Discovery, type KubeGet } from './cluster-reader.ts';
import type { Health } from './health.ts';

const API_GROUP = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$/;
const API_WORD = /^[A-Za-z0-9]+$/;

type Obj = Record<string, unknown> & { kind?: string; metadata?: { name?: string; namespace?: string } };

/** `key=value,key!=value,key,!key`: Sveltos' addLabelFilters. */
export function labelSelectorOf(filters: ValidateHealth['labelFilters']): string {
  return (filters ?? [])
    .map((f) => {
      switch (f.operation) {
        case 'Equal':
          return `${f.key}=${f.value ?? ''}`;
        case 'Different':
          return `${f.key}!=${f.value ?? ''}`;
        case 'Has':
          return f.key;
        case 'DoesNotHave':
          return `!${f.key}`;
      }
    })
    .join(',');
}

/** The objects a check names; undefined when the cluster does not serve the kind (Sveltos: the check passes). */
export async function listCheckedObjects(get: KubeGet, discovery: Discovery, check: ValidateHealth): Promise<Obj[] | undefined> {
  // The schema holds these to Kubernetes' forms; they go into a URL path, so never trust that alone.
  if (!API_GROUP.test(check.group ?? '') || !API_WORD.test(check.version ?? '') || !API_WORD.test(check.kind ?? '')) {
    throw new ClusterReadError(`health check '${check.name}': group, version or kind is not a Kubernetes name`);
  }
  const apiVersion = check.group ? `${check.group}/${check.version ?? ''}` : (check.version ?? '');
  const info = await discovery.resource(apiVersion, check.kind ?? '');
  if (!info) return undefined;
  const base = check.group ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = info.namespaced && check.namespace ? `/namespaces/${encodeURIComponent(check.namespace)}` : '';
  const selector = labelSelectorOf(check.labelFilters);
  const answer = await get(`${base}${ns}/${info.plural}${selector ? `?labelSelector=${encodeURIComponent(selector)}` : ''}`);
  if (answer.status !== 200) throw new ClusterReadError(`listing ${check.kind} for health check '${check.name}': HTTP ${answer.status}`);
  let list: { items?: Obj[] };
  try {
    list = JSON.parse(answer.body) as { items?: Obj[] };
  } catch {
    throw new ClusterReadError(`listing ${check.kind} for health check '${check.name}': the answer is not JSON`);
  }
  // A cluster-scoped kind has no namespace: a check that names one matches nothing, as Sveltos' field selector does.
  const items = (list.items ?? []).filter((o) => !check.namespace || o.metadata?.namespace === check.namespace);
  // A list's items carry no kind: give it back for the script (`obj.kind`) and the messages.
  return items.map((o) => ({ ...o, apiVersion, kind: check.kind }));
}

/** Sveltos' HealthCheckError text. */
function failed(check: ValidateHealth, why: string): Health {
  return { state: 'Progressing', message: `health check '${check.name}' for feature ${check.featureID} failed: ${why}`, check: check.name };
}

function objectName(o: Obj): string {
  return `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name ?? ''}`;
}

/** One check: undefined when it passes, else why not (a Progressing health naming the check). */
export async function runHealthCheck(get: KubeGet, discovery: Discovery, check: ValidateHealth, scripts: HealthScriptRunner): Promise<Health | undefined> {
  const objects = await listCheckedObjects(get, discovery, check);
  if (objects === undefined) return undefined;
  if (objects.length === 0) return failed(check, `validateHealth: ${check.name} did not fetch any resource`);
  const script = check.script?.trim() ? check.script : undefined;
  const rules = check.evaluateCEL ?? [];
  if (!script && rules.length === 0) return undefined;
  const outcome = await scripts.evaluate({ ...(script ? { script } : {}), rules, objects });
  // What a script says about a Secret could be its content: status and logs never get it.
  const said = (text: string): string => (isSecretCheck(check) ? 'its message is not recorded for Secrets' : clip(text));
  if ('error' in outcome) {
    const on = outcome.index !== undefined ? ` on ${objectName(objects[outcome.index]!)}` : '';
    return failed(check, `script error${on}: ${outcome.code === 'Timeout' ? outcome.error : said(outcome.error)}`);
  }
  if (outcome.healthy) return undefined;
  const what = `resource ${objectName(objects[outcome.index]!)} is not healthy`;
  return failed(check, outcome.message ? `${what}: ${said(outcome.message)}` : what);
}

function isSecretCheck(check: ValidateHealth): boolean {
  return !check.group && check.kind === 'Secret';
}

/** A script's message goes into a status file: one line, of a size a person reads. */
const MESSAGE_MAX = 300;
function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MESSAGE_MAX ? `${line.slice(0, MESSAGE_MAX)}…` : line;
}

/** The checks in order; the first that does not pass is the verdict (Sveltos stops there too). */
export async function runHealthChecks(get: KubeGet, discovery: Discovery, checks: readonly ValidateHealth[], scripts: HealthScriptRunner): Promise<Health | undefined> {
  for (const check of checks) {
    const verdict = await runHealthCheck(get, discovery, check, scripts);
    if (verdict) return verdict;
  }
  return undefined;
}
