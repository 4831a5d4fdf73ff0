// A pull request must not merge a profile whose template fails somewhere: `validate` and `plan`
// render every templated helmCharts field and templated policyRefs entry for each cluster the
// profile can reach.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/io.ts';

const base = mkdtempSync(join(tmpdir(), 'gitset-template-validate-'));
after(() => rmSync(base, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const sink = new Writable({ write: (chunk, _e, done) => (out.push(String(chunk)), done()) });
  const io: CliIO = { stdout: sink, stderr: new Writable({ write: (_c, _e, done) => done() }), env: {}, cwd: base, exitCode: 0 };
  const code = await main(args, io);
  return { code, out: out.join('') };
}

function repo(name: string, values: string, extra = ''): string {
  const dir = join(base, name);
  mkdirSync(join(dir, 'clusters'), { recursive: true });
  const cluster = (n: string, labels: string) =>
    `apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata:\n  name: ${n}\n  namespace: civo\n  labels: {${labels}}\nspec: {}\n`;
  writeFileSync(join(dir, 'clusters', 'civo.yaml'), [cluster('cluster1', 'env: prod, region: fra'), cluster('cluster2', 'env: prod'), cluster('cluster3', 'env: dev')].join('---\n'));
  writeFileSync(
    join(dir, 'profile.yaml'),
    `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: web
spec:
  clusterSelector:
    matchLabels: {env: prod}
${extra}  helmCharts:
    - repositoryURL: https://charts.example.com
      repositoryName: example
      chartName: example/web
      chartVersion: 1.0.0
      releaseName: web
      releaseNamespace: web
      helmChartAction: Install
      values: |
${values
  .split('\n')
  .map((l) => `        ${l}`)
  .join('\n')}
`,
  );
  return dir;
}

describe('templated helmCharts fields in validate and plan', () => {
  test('a template that fails for one cluster the profile reaches is an error at the field, naming the cluster', async () => {
    const dir = repo('missing-label', 'region: {{ .Cluster.metadata.labels.region }}');
    const r = await run(['validate', dir]);
    assert.equal(r.code, 1);
    const line = r.out.split('\n').find((l) => l.includes('spec.helmCharts[0].values'));
    assert.ok(line, r.out);
    assert.match(line, /^profile\.yaml:\d+:\d+ error ClusterProfile\/web: spec\.helmCharts\[0\]\.values: the template fails for 1 of the 2 clusters/);
    assert.match(line, /civo\/cluster2 \(.*region/);
    assert.doesNotMatch(line, /cluster3/, 'a cluster the profile does not reach is not checked');
    const plan = await run(['plan', dir]);
    assert.equal(plan.code, 1, 'plan fails the pull request too');
    assert.match(plan.out, /civo\/cluster2/);
  });

  test('a template every reachable cluster renders is valid; a default covers the missing label', async () => {
    const dir = repo('with-default', 'region: {{ index .Cluster.metadata.labels "region" | default "none" }}\nname: {{ .Cluster.metadata.name }}');
    const r = await run(['validate', dir]);
    assert.equal(r.code, 0, r.out);
  });

  test('a template that does not parse is an error at the field', async () => {
    const dir = repo('syntax', 'region: {{ if .Cluster.metadata.name }}');
    const r = await run(['validate', dir]);
    assert.equal(r.code, 1);
    assert.match(r.out, /profile\.yaml:\d+:\d+ error ClusterProfile\/web: spec\.helmCharts\[0\]\.values: the template does not parse/);
  });

  const policyRef = (name: string) => `  policyRefs:\n    - kind: ConfigMap\n      name: ${JSON.stringify(name)}\n      namespace: civo\n`;
  const configMap = (kind: string, name: string, data: string, template = true) =>
    `apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n  namespace: civo\n${template ? '  annotations:\n    projectsveltos.io/template: "true"\n' : ''}data:\n  cm.yaml: |\n${data
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n')}\n`;
  const regionObject = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: region\n  namespace: default\ndata:\n  region: "{{ .Cluster.metadata.labels.region }}"';

  test('a templated policyRefs ConfigMap that fails for one reachable cluster is an error at the entry', async () => {
    const dir = repo('policy-content', 'replicas: 1', policyRef('region'));
    writeFileSync(join(dir, 'content.yaml'), configMap('ConfigMap', 'region', regionObject));
    const r = await run(['validate', dir]);
    assert.equal(r.code, 1, r.out);
    const line = r.out.split('\n').find((l) => l.includes('spec.policyRefs[0]'));
    assert.ok(line, r.out);
    assert.match(line, /^profile\.yaml:\d+:\d+ error ClusterProfile\/web: spec\.policyRefs\[0\]: the template fails for 1 of the 2 clusters the profile can reach: civo\/cluster2 \(.*region/);
    assert.doesNotMatch(line, /cluster3/, 'a cluster the profile does not reach is not checked');
    assert.equal((await run(['plan', dir])).code, 1, 'plan fails the pull request too');
  });

  test('a templated policyRefs name that names no ConfigMap for one cluster is an error; one every cluster has is valid', async () => {
    const dir = repo('policy-name', 'replicas: 1', policyRef('app-{{ .Cluster.metadata.name }}'));
    writeFileSync(join(dir, 'content.yaml'), configMap('ConfigMap', 'app-cluster1', regionObject.replace(/\{\{.*\}\}/, 'x'), false));
    const r = await run(['validate', dir]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /spec\.policyRefs\[0\]: the template fails for 1 of the 2 clusters the profile can reach: civo\/cluster2 \(ConfigMap\/civo\/app-cluster2 is not in the repository\)/);
    writeFileSync(join(dir, 'more.yaml'), configMap('ConfigMap', 'app-cluster2', regionObject.replace(/\{\{.*\}\}/, 'y'), false));
    const ok = await run(['validate', dir]);
    assert.equal(ok.code, 0, ok.out);
  });

  test('a templated Secret that fails is an error that never quotes its content', async () => {
    const dir = repo('policy-secret', 'replicas: 1', '  policyRefs:\n    - kind: Secret\n      name: creds\n      namespace: civo\n');
    const secret = configMap('Secret', 'creds', `${regionObject}\n  password: hunter2-{{ .Cluster.metadata.labels.region }}`).replace(/^data:/m, 'type: addons.projectsveltos.io/cluster-profile\nstringData:');
    writeFileSync(join(dir, 'content.yaml'), secret);
    const r = await run(['validate', dir]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /spec\.policyRefs\[0\]: the template fails for 1 of the 2 clusters .*civo\/cluster2 \(Secret\/civo\/creds key "cm\.yaml": cannot be rendered or parsed\)/);
    assert.doesNotMatch(r.out, /hunter2/);
  });
});
