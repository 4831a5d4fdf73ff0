// gitset's own chart (deploy/chart) with the real helm: lint, what `helm template` renders (parsed,
// not grepped), that gitset understands the options the chart passes, and an install into a
// simulated cluster.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { parseAllDocuments } from 'yaml';
import { resolveConfig } from '../../src/daemon/config.ts';
import { resolveHelm } from '../../src/helm/binary.ts';
import { startSimCluster, type SimCluster } from '../../src/sim/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHART = join(ROOT, 'deploy', 'chart');
const REPO = 'https://git.example.com/acme/fleet.git';

type Obj = { kind: string; metadata: { name: string }; [k: string]: any };

let helmPath: string;
let work: string;

async function helm(...args: string[]) {
  const env = { HELM_CACHE_HOME: join(work, 'cache'), HELM_CONFIG_HOME: join(work, 'config'), HELM_DATA_HOME: join(work, 'data') };
  return execa(helmPath, args, { env, reject: false, timeout: 60_000 });
}

/** `helm template` with `--set` pairs; the parsed objects, or the error text when helm refuses. */
async function render(...sets: string[]): Promise<{ objects: Obj[]; error: string }> {
  const r = await helm('template', 'fleet', CHART, '--namespace', 'gitset', ...sets.flatMap((s) => ['--set', s]));
  if (r.exitCode !== 0) return { objects: [], error: r.stderr };
  const objects = parseAllDocuments(r.stdout).map((d) => d.toJSON() as Obj | null).filter((o): o is Obj => o !== null);
  return { objects, error: '' };
}

const one = (objects: Obj[], kind: string): Obj => {
  const found = objects.filter((o) => o.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0]!;
};
const pod = (objects: Obj[]) => one(objects, 'Deployment').spec.template.spec;
const container = (objects: Obj[]) => pod(objects).containers[0];
const volume = (objects: Obj[], name: string) => pod(objects).volumes.find((v: { name: string }) => v.name === name);

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gitset-chart-'));
  helmPath = (await resolveHelm({ env: process.env, projectRoot: ROOT })).path;
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

test('helm lint --strict passes', async () => {
  const r = await helm('lint', '--strict', CHART, '--set', `config.repo=${REPO}`);
  assert.equal(r.exitCode, 0, r.stdout + r.stderr);
});

describe('helm template', () => {
  test('by default: a Deployment, its ServiceAccount, config and Service; nothing optional', async () => {
    const { objects } = await render(`config.repo=${REPO}`);
    assert.deepEqual(objects.map((o) => o.kind).sort(), ['ConfigMap', 'Deployment', 'Service', 'ServiceAccount']);
    const deployment = one(objects, 'Deployment');
    assert.equal(deployment.spec.replicas, 1);
    assert.deepEqual(deployment.spec.strategy, { type: 'Recreate' });
    assert.equal(pod(objects).serviceAccountName, one(objects, 'ServiceAccount').metadata.name);
    assert.equal(pod(objects).automountServiceAccountToken, false);
    assert.deepEqual(one(objects, 'Service').spec.ports, [{ name: 'http', port: 9090, targetPort: 'http', protocol: 'TCP' }]);
  });

  test('restricted pod security: numeric non-root user, read-only root, no privileges', async () => {
    const { objects } = await render(`config.repo=${REPO}`);
    const podSecurity = pod(objects).securityContext;
    assert.equal(podSecurity.runAsNonRoot, true);
    assert.equal(podSecurity.runAsUser, 65532);
    assert.deepEqual(podSecurity.seccompProfile, { type: 'RuntimeDefault' });
    const c = container(objects).securityContext;
    assert.equal(c.readOnlyRootFilesystem, true);
    assert.equal(c.allowPrivilegeEscalation, false);
    assert.deepEqual(c.capabilities, { drop: ['ALL'] });
    assert.equal(c.runAsNonRoot, true);
    assert.equal(typeof c.runAsUser, 'number');
    // What gitset writes has somewhere to go: the work dir and /tmp are volumes.
    const mounts = new Map(container(objects).volumeMounts.map((m: { name: string; mountPath: string }) => [m.mountPath, m.name]));
    assert.ok(volume(objects, mounts.get('/var/lib/gitset') as string).emptyDir, 'work dir on an emptyDir');
    assert.ok(volume(objects, mounts.get('/tmp') as string).emptyDir, '/tmp on an emptyDir');
  });

  test('probes on /healthz and /readyz of the http port, and resources', async () => {
    const { objects } = await render(`config.repo=${REPO}`, 'resources.limits.memory=2Gi');
    const c = container(objects);
    assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'http' });
    assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'http' });
    assert.deepEqual(c.ports, [{ name: 'http', containerPort: 9090, protocol: 'TCP' }]);
    assert.equal(c.resources.limits.memory, '2Gi');
    assert.ok(c.resources.requests.cpu && c.resources.requests.memory);
  });

  test('gitset reads the options the chart passes as the chart means them', async () => {
    const { objects } = await render(`config.repo=${REPO}`, 'config.branch=live', 'config.probe-interval=15s', 'git.token.existingSecret=fleet-git', 'git.username=bot');
    const files: Record<string, string> = { '/etc/gitset/config/config.yaml': one(objects, 'ConfigMap').data['config.yaml'], '/etc/gitset/git/token': 'tok\n' };
    const c = container(objects);
    const env = Object.fromEntries(c.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    assert.deepEqual(c.args, ['--config', '/etc/gitset/config/config.yaml']);
    const config = resolveConfig({
      flags: { config: c.args[1] },
      env,
      cwd: '/',
      readFile: (p) => files[p] ?? assert.fail(`gitset would read ${p}, which the chart does not mount`),
    });
    assert.equal(config.repo, REPO);
    assert.equal(config.branch, 'live');
    assert.equal(config.probeIntervalMs, 15_000);
    assert.deepEqual(config.listen, { host: '0.0.0.0', port: 9090 });
    assert.equal(config.workDir, '/var/lib/gitset');
    assert.equal(config.credentials, '/etc/gitset/credentials');
    assert.equal(config.secrets.gitToken, 'tok');
    assert.equal(config.secrets.gitUsername, 'bot');
  });

  test('existing Secrets are mounted by name, and none is created', async () => {
    const { objects } = await render(
      `config.repo=${REPO}`,
      'credentials.existingSecret=fleet-kubeconfigs',
      'git.token.existingSecret=fleet-git',
      'git.token.key=password',
      'webhook.secret.existingSecret=fleet-hook',
    );
    assert.equal(objects.filter((o) => o.kind === 'Secret').length, 0);
    assert.deepEqual(volume(objects, 'credentials').secret.secretName, 'fleet-kubeconfigs');
    assert.deepEqual(volume(objects, 'git-token').secret.items, [{ key: 'password', path: 'token' }]);
    assert.equal(volume(objects, 'git-token').secret.secretName, 'fleet-git');
    assert.equal(volume(objects, 'webhook-secret').secret.secretName, 'fleet-hook');
  });

  test('Secrets created from values land at <namespace>/<name>.kubeconfig, token and webhook secret', async () => {
    const { objects } = await render(`config.repo=${REPO}`, 'credentials.kubeconfigs.civo/cluster1=KUBECONFIG1', 'git.token.value=ghp_x', 'webhook.secret.value=hook');
    const secrets = new Map(objects.filter((o) => o.kind === 'Secret').map((s) => [s.metadata.name, s.data as Record<string, string>]));
    const decoded = (name: string, key: string) => Buffer.from(secrets.get(name)?.[key] ?? '', 'base64').toString('utf8');
    assert.equal(decoded('fleet-gitset-credentials', 'civo.cluster1.kubeconfig'), 'KUBECONFIG1');
    assert.equal(decoded('fleet-gitset-git', 'token'), 'ghp_x');
    assert.equal(decoded('fleet-gitset-webhook', 'secret'), 'hook');
    assert.deepEqual(volume(objects, 'credentials').secret.items, [{ key: 'civo.cluster1.kubeconfig', path: 'civo/cluster1.kubeconfig' }]);
    // Secrets never reach the ConfigMap or the environment.
    assert.doesNotMatch(JSON.stringify([one(objects, 'ConfigMap'), container(objects).env]), /ghp_x|hook"|KUBECONFIG1/);
  });

  test('the webhook Ingress routes /hooks/git only, and needs a webhook secret', async () => {
    const refused = await render(`config.repo=${REPO}`, 'webhook.ingress.enabled=true');
    assert.match(refused.error, /webhook\.ingress\.enabled needs webhook\.secret/);
    const { objects } = await render(`config.repo=${REPO}`, 'webhook.ingress.enabled=true', 'webhook.secret.existingSecret=hook', 'webhook.ingress.host=gitset.acme.dev');
    const rule = one(objects, 'Ingress').spec.rules[0];
    assert.equal(rule.host, 'gitset.acme.dev');
    assert.deepEqual(
      rule.http.paths.map((p: any) => [p.path, p.pathType, p.backend.service.name, p.backend.service.port.name]),
      [['/hooks/git', 'Exact', one(objects, 'Service').metadata.name, 'http']],
    );
  });

  test('a ServiceMonitor scrapes /metrics of the Service when enabled', async () => {
    const { objects } = await render(`config.repo=${REPO}`, 'serviceMonitor.enabled=true');
    const monitor = one(objects, 'ServiceMonitor');
    assert.deepEqual(monitor.spec.selector.matchLabels, one(objects, 'Service').spec.selector);
    assert.deepEqual(monitor.spec.endpoints.map((e: any) => [e.port, e.path]), [['http', '/metrics']]);
  });

  test('persistence: a PersistentVolumeClaim for the work dir, or an existing claim', async () => {
    const created = await render(`config.repo=${REPO}`, 'persistence.enabled=true', 'persistence.size=5Gi');
    assert.equal(one(created.objects, 'PersistentVolumeClaim').spec.resources.requests.storage, '5Gi');
    assert.equal(volume(created.objects, 'work').persistentVolumeClaim.claimName, one(created.objects, 'PersistentVolumeClaim').metadata.name);
    const existing = await render(`config.repo=${REPO}`, 'persistence.enabled=true', 'persistence.existingClaim=fleet-work');
    assert.equal(existing.objects.filter((o) => o.kind === 'PersistentVolumeClaim').length, 0);
    assert.equal(volume(existing.objects, 'work').persistentVolumeClaim.claimName, 'fleet-work');
  });

  test('refuses values that cannot work, saying which', async () => {
    assert.match((await render()).error, /config\.repo is required/);
    assert.match((await render('config.repo=https://bot:ghp_secret@git.example.com/acme/fleet.git')).error, /config\.repo holds credentials .*put the token in git\.token/);
    assert.match((await render(`config.repo=${REPO}`, 'config.listen=0.0.0.0:80')).error, /config\.listen is set by the chart/);
    assert.match((await render(`config.repo=${REPO}`, 'credentials.kubeconfigs.cluster1=x')).error, /"cluster1" is not <namespace>\/<name>/);
  });
});

describe('helm install into a simulated cluster', () => {
  let cluster: SimCluster;
  let kubeconfig: string;

  before(async () => {
    cluster = await startSimCluster({ namespace: 'ops', name: 'mgmt' });
    kubeconfig = join(work, 'mgmt.kubeconfig');
    await cluster.writeKubeconfig(kubeconfig);
  });
  after(async () => {
    await cluster?.close();
  });

  test('installs with everything enabled, waits until ready, and uninstalls', async () => {
    // The Prometheus Operator's ServiceMonitor type, as a cluster with the operator serves it.
    const crds = join(work, 'monitoring-crds');
    await mkdir(join(crds, 'crds'), { recursive: true });
    await writeFile(join(crds, 'Chart.yaml'), 'apiVersion: v2\nname: monitoring-crds\nversion: 0.1.0\n');
    await writeFile(join(crds, 'crds', 'servicemonitor.yaml'), SERVICE_MONITOR_CRD);
    const crd = await helm('install', 'monitoring-crds', crds, '--kubeconfig', kubeconfig);
    assert.equal(crd.exitCode, 0, crd.stderr);

    const sets = [`config.repo=${REPO}`, 'credentials.kubeconfigs.civo/cluster1=x', 'git.token.value=t', 'webhook.secret.value=w', 'webhook.ingress.enabled=true', 'serviceMonitor.enabled=true', 'persistence.enabled=true'];
    const r = await helm('install', 'gitset', CHART, '-n', 'gitset', '--create-namespace', '--wait', '--timeout', '60s', '--kubeconfig', kubeconfig, ...sets.flatMap((s) => ['--set', s]));
    assert.equal(r.exitCode, 0, r.stderr);
    const list = await helm('list', '-n', 'gitset', '-o', 'json', '--kubeconfig', kubeconfig);
    assert.deepEqual((JSON.parse(list.stdout) as Array<{ name: string; status: string }>).map((x) => [x.name, x.status]), [['gitset', 'deployed']]);
    const deployment = cluster.get('/apis/apps/v1/namespaces/gitset/deployments/gitset') as Obj | undefined;
    assert.equal(deployment?.spec.strategy.type, 'Recreate');
    for (const path of [
      '/api/v1/namespaces/gitset/serviceaccounts/gitset',
      '/api/v1/namespaces/gitset/services/gitset',
      '/api/v1/namespaces/gitset/secrets/gitset-credentials',
      '/api/v1/namespaces/gitset/persistentvolumeclaims/gitset-work',
      '/apis/networking.k8s.io/v1/namespaces/gitset/ingresses/gitset-webhook',
      '/apis/monitoring.coreos.com/v1/namespaces/gitset/servicemonitors/gitset',
    ]) {
      assert.ok(cluster.get(path), `${path} exists`);
    }
    const gone = await helm('uninstall', 'gitset', '-n', 'gitset', '--wait', '--kubeconfig', kubeconfig);
    assert.equal(gone.exitCode, 0, gone.stderr);
    assert.equal(cluster.get('/apis/apps/v1/namespaces/gitset/deployments/gitset'), undefined);
  });
});

const SERVICE_MONITOR_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: servicemonitors.monitoring.coreos.com
spec:
  group: monitoring.coreos.com
  names: { kind: ServiceMonitor, listKind: ServiceMonitorList, plural: servicemonitors, singular: servicemonitor }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }
`;
