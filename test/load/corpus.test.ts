// Every manifest of the compatibility corpus (Sveltos' own documentation examples) gets the
// verdict the Sveltos CRDs would give it, as this table says. A new corpus file needs a row.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFile } from '../../src/load/index.ts';
import { loadRepository, unsupportedFields } from '../../src/load/index.ts';
import type { DiagnosticCode } from '../../src/model/diagnostics.ts';

const CORPUS = new URL('../../../shared/corpus/sveltos-docs/', import.meta.url).pathname;

type Verdict = 'accept' | Array<{ code: DiagnosticCode; field: string }>;

/**
 * Verdicts per file, as the API server with Sveltos' CRDs would decide on `kubectl apply`
 * (strict field validation). Repository-wide checks (duplicates, dangling refs) are not part of a
 * file's verdict: they depend on what else is in the repository, and are asserted below.
 */
const VERDICTS: Record<string, Verdict> = {
  '001-clusterprofile-kyverno.yaml': 'accept',
  '002-clusterprofile-kyverno-with-smoke-test.yaml': 'accept',
  '003-clusterprofile-clusterprofile-a.yaml': 'accept', // dependsOn entries are plain strings in the CRD, "_" included
  '004-clusterprofile-flux.yaml': 'accept',
  '005-clusterprofile-cosign-keyless-example.yaml': 'accept',
  '006-clusterprofile-mychart.yaml': 'accept',
  '007-clusterprofile-mychart-static-key.yaml': 'accept',
  '008-clusterprofile-mychart-gpg.yaml': 'accept',
  '009-clusterprofile-kyverno.yaml': 'accept',
  '010-clusterprofile-prometheus-grafana.yaml': 'accept',
  '011-clusterprofile-kyverno.yaml': 'accept',
  '012-clusterprofile-kyverno.yaml': 'accept',
  '013-clusterprofile-deploy-calico.yaml': 'accept',
  '014-clusterprofile-deploy-cilium-v1-26.yaml': 'accept',
  '015-clusterprofile-vault.yaml': 'accept',
  '016-clusterprofile-projectsveltos.yaml': 'accept',
  '017-clusterprofile-projectsveltos.yaml': 'accept',
  '018-clusterprofile-cert-manager.yaml': 'accept', // options.runTests: helm test after install/upgrade
  '019-clusterprofile-hello-world.yaml': 'accept',
  '020-clusterprofile-hello-world-with-values.yaml': 'accept',
  '021-clusterprofile-hello-world-with-values.yaml': 'accept',
  '022-clusterprofile-component-demo.yaml': 'accept',
  '023-clusterprofile-hello-world-with-template.yaml': 'accept',
  '024-clusterprofile-flux-system.yaml': 'accept',
  '025-clusterprofile-flux-system.yaml': 'accept',
  '026-clusterprofile-kustomize-with-configmap.yaml': 'accept',
  '027-clusterprofile-flux.yaml': 'accept',
  '028-profile-kyverno.yaml': 'accept',
  '029-profile-kyverno.yaml': 'accept',
  '030-profile-profile-a.yaml': [{ code: 'schema', field: 'metadata.name' }], // '_' is not allowed in a DNS-1123 name
  '031-clusterprofile-deploy-resources.yaml': 'accept',
  '032-clusterprofile-deploy-to-preprovisioned-ns.yaml': 'accept',
  '033-clusterprofile-deploy-nginx.yaml': 'accept',
  '034-clusterprofile-cni-v1.yaml': 'accept', // repositoryURL only needs to be non-empty in the CRD
  '035-clusterprofile-cni-v2.yaml': 'accept',
  '036-clusterprofile-kyverno-admission-policies.yaml': 'accept',
  '037-clusterprofile-cp-kubevela.yaml': 'accept',
  '038-clusterprofile-cp-kyverno.yaml': 'accept',
  '039-clusterprofile-cp-kyverno.yaml': 'accept',
  '040-clusterprofile-cert-manager.yaml': 'accept',
  '041-clusterprofile-cert-manager.yaml': 'accept',
  '042-clusterprofile-ingress-nginx.yaml': 'accept',
  '043-clusterprofile-prometheus-grafana.yaml': 'accept',
  '044-clusterprofile-postgresql.yaml': 'accept',
  '045-clusterprofile-postgresql.yaml': 'accept',
  '046-clusterprofile-kyverno.yaml': 'accept',
  '047-clusterprofile-validation-and-monitoring.yaml': 'accept',
  '048-clusterprofile-noname.yaml': [{ code: 'schema', field: 'metadata' }, { code: 'schema', field: 'name' }, { code: 'schema', field: 'clusterSelector' }, { code: 'schema', field: 'helmCharts' }], // metadata: null, fields at top level
  '049-clusterprofile-kyverno.yaml': 'accept',
  '050-clusterprofile-noname.yaml': [{ code: 'schema', field: 'metadata' }], // metadata is a string
  '051-clusterprofile-sveltos-2z2p8p7olrro79biygp8.yaml': 'accept',
  '052-clusterprofile-nats.yaml': 'accept',
  '053-clusterprofile-deploy-deploy-sveltos-nats-secret.yaml': 'accept',
  '054-clusterprofile-deploy-kyverno.yaml': 'accept',
  '055-clusterprofile-deploy-kyverno.yaml': 'accept',
  '056-clusterprofile-nginx.yaml': 'accept',
  '057-clusterprofile-deploy-gatekeeper-3-10.yaml': 'accept',
  '058-clusterprofile-deploy-gatekeeper-3-9.yaml': 'accept',
  '059-clusterprofile-deploy-kyverno.yaml': 'accept',
  '060-clusterprofile-deploy-kyverno.yaml': 'accept',
  '061-clusterprofile-nginx.yaml': 'accept',
  '062-clusterprofile-dynamic-nginx-deployment.yaml': 'accept',
  '063-clusterprofile-nginx-deploy.yaml': 'accept',
  '064-clusterprofile-nginx.yaml': 'accept',
  '065-clusterset-prod.yaml': 'accept',
  '066-clusterset-prod.yaml': 'accept', // stray status.namespace: status is not ours to validate (gitset writes status)
  '067-clusterprofile-kyverno.yaml': 'accept',
  '068-clusterprofile-kyverno.yaml': 'accept',
  '069-clusterset-prod.yaml': 'accept',
  '070-clusterprofile-kyverno.yaml': 'accept',
  '071-sveltoscluster-special-cluster-2.yaml': [{ code: 'schema', field: 'apiVersion' }], // group projectsveltos.io is not lib.projectsveltos.io
  '072-clusterprofile-sveltos-8ric1wghsf04cu8i1387.yaml': 'accept',
  '073-clusterset-production-clusters.yaml': 'accept',
  '074-sveltoscluster-production-cluster-01.yaml': 'accept', // spec fields gitset does not act on are accepted
  '075-clusterprofile-app-with-reloader.yaml': 'accept',
  '076-clusterprofile-podinfo.yaml': 'accept',
  '077-sveltoscluster-cluster1.yaml': 'accept',
  '078-sveltoscluster-staging.yaml': 'accept',
  '079-sveltoscluster-your-cluster-name.yaml': [{ code: 'schema', field: 'metadata.name' }, { code: 'schema', field: 'metadata.namespace' }], // upper-case placeholders
  '080-sveltoscluster-eks-managed.yaml': 'accept',
  '081-sveltoscluster-gke-managed.yaml': 'accept',
  '082-sveltoscluster-aks-managed.yaml': 'accept',
  '083-clusterprofile-deploy-resources.yaml': 'accept',
  '084-clusterprofile-deploy-resources.yaml': 'accept',
  '085-clusterprofile-deploy-calico.yaml': 'accept',
  '086-clusterprofile-deploy-kyverno.yaml': 'accept',
  '087-clusterprofile-deploy-kyverno.yaml': 'accept',
  '088-clusterprofile-deploy-kyverno.yaml': 'accept', // valuesFrom without namespace: the cluster's namespace
  '089-clusterprofile-deploy-resources.yaml': 'accept',
  '090-clusterprofile-replicate-external-secret-operator-secret.yaml': 'accept',
  '091-clusterprofile-deploy-resources.yaml': 'accept',
  '092-clusterprofile-deploy-kyverno.yaml': 'accept',
  '093-clusterprofile-deploy-ytt-resources.yaml': 'accept',
  '094-clusterprofile-deploy-clusterprofiles.yaml': 'accept',
  '095-clusterprofile-deploy-resources.yaml': 'accept',
  '096-clusterprofile-deploy-resources.yaml': 'accept',
  '097-clusterprofile-deploy-resources.yaml': 'accept',
  '098-clusterprofile-deploy-capi-azure-managed.yaml': 'accept',
  '099-clusterprofile-deploy-capd-managed.yaml': 'accept',
  '100-clusterprofile-deploy-kyverno.yaml': 'accept',
  '101-clusterprofile-deploy-monitoring-agents.yaml': 'accept',
};

const files = readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).sort();

describe('corpus verdicts, file by file', () => {
  test('every corpus file has a verdict, and every verdict a file', () => {
    assert.deepEqual(files, Object.keys(VERDICTS).sort());
  });

  for (const file of files) {
    const want = VERDICTS[file];
    test(`${file}: ${want === 'accept' ? 'accepted' : `rejected (${want?.map((w) => w.field).join(', ')})`}`, () => {
      const r = parseFile(file, readFileSync(join(CORPUS, file), 'utf8'));
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      if (want === 'accept') {
        assert.deepEqual(errors.map((e) => e.message), []);
        assert.equal(r.objects.length, 1, 'the object is usable');
        for (const d of r.diagnostics) assert.ok(d.line >= 1 && d.col >= 1 && d.file === file);
      } else {
        assert.deepEqual(
          errors.map((e) => ({ code: e.code, field: e.field })),
          want,
        );
        assert.equal(r.objects.length, 0, 'a rejected object is left out');
        for (const e of errors) assert.match(e.message, new RegExp(e.field!.split('.').pop()!.replace(/[[\]]/g, '.')));
      }
    });
  }
});

describe('warnings and unsupported fields in the corpus', () => {
  const parse = (file: string) => parseFile(file, readFileSync(join(CORPUS, file), 'utf8'));
  test('profiles with no selector and no refs match nothing, and say so', () => {
    for (const file of ['002-clusterprofile-kyverno-with-smoke-test.yaml', '003-clusterprofile-clusterprofile-a.yaml', '054-clusterprofile-deploy-kyverno.yaml']) {
      assert.deepEqual(parse(file).diagnostics.filter((d) => d.severity === 'warning').map((d) => d.code), ['empty-selector'], file);
    }
  });
  test('policyRefs: 24 of the 25 profiles using them have every field acted on; the rest name what is missing', () => {
    const verdicts = files.flatMap((file) =>
      parse(file).objects.flatMap((o) => (o.kind === 'ClusterProfile' || o.kind === 'Profile') && (o.spec.policyRefs ?? []).length > 0 ? [[file, unsupportedFields(o)] as const] : []),
    );
    assert.equal(verdicts.length, 25);
    assert.equal(verdicts.filter(([, u]) => u.length === 0).length, 24);
    const missing = new Map<string, number>();
    for (const [, u] of verdicts) for (const f of new Set(u.map((x) => x.replace(/\[\d+\]$/, '')))) missing.set(f, (missing.get(f) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries([...missing].sort()), { 'spec.policyRefs': 1 });
  });
  test('kustomizationRefs: all 8 profiles using them have every field acted on', () => {
    const verdicts = files.flatMap((file) =>
      parse(file).objects.flatMap((o) => (o.kind === 'ClusterProfile' || o.kind === 'Profile') && (o.spec.kustomizationRefs ?? []).length > 0 ? [[file, unsupportedFields(o)] as const] : []),
    );
    assert.equal(verdicts.length, 8);
    assert.deepEqual(verdicts.filter(([, u]) => u.length > 0), []);
  });
  test('templateResourceRefs: all 13 profiles using them have every field acted on', () => {
    const verdicts = files.flatMap((file) =>
      parse(file).objects.flatMap((o) => (o.kind === 'ClusterProfile' || o.kind === 'Profile') && Array.isArray(o.spec.templateResourceRefs) && o.spec.templateResourceRefs.length > 0 ? [[file, unsupportedFields(o)] as const] : []),
    );
    assert.equal(verdicts.length, 13);
    assert.deepEqual(verdicts.filter(([, u]) => u.length > 0).map(([f, u]) => `${f} ${u.join(' ')}`), []);
  });
  test('fields gitset does not act on are listed per profile, never silently ignored', () => {
    const infos = (file: string) => parse(file).diagnostics.filter((d) => d.code === 'unsupported-field').map((d) => d.field);
    assert.deepEqual(infos('025-clusterprofile-flux-system.yaml'), []);
    assert.deepEqual(infos('021-clusterprofile-hello-world-with-values.yaml'), []);
    assert.deepEqual(infos('005-clusterprofile-cosign-keyless-example.yaml'), ['spec.helmCharts[0].signatureVerification']);
    // cosign cannot be done here, and a chart that asks for it is never installed unverified: a warning, the release fails.
    for (const file of ['005-clusterprofile-cosign-keyless-example.yaml', '006-clusterprofile-mychart.yaml', '007-clusterprofile-mychart-static-key.yaml']) {
      assert.deepEqual(parse(file).diagnostics.filter((d) => d.code === 'unsupported-field').map((d) => d.severity), ['warning'], file);
    }
    // valuesFrom (011, 012, 088), registryCredentialsConfig (016, 017), provenanceVerification (008): acted on.
    for (const file of ['011-clusterprofile-kyverno.yaml', '012-clusterprofile-kyverno.yaml', '088-clusterprofile-deploy-kyverno.yaml', '016-clusterprofile-projectsveltos.yaml', '017-clusterprofile-projectsveltos.yaml', '008-clusterprofile-mychart-gpg.yaml']) {
      assert.deepEqual(infos(file), [], file);
    }
    assert.deepEqual(infos('056-clusterprofile-nginx.yaml'), [], 'drift detection and its exclusions are acted on');
    assert.deepEqual(infos('001-clusterprofile-kyverno.yaml'), []);
    for (const f of ['055-clusterprofile-deploy-kyverno.yaml', '061-clusterprofile-nginx.yaml', '062-clusterprofile-dynamic-nginx-deployment.yaml', '064-clusterprofile-nginx.yaml', '075-clusterprofile-app-with-reloader.yaml']) {
      assert.deepEqual(infos(f), [], `${f}: patches, patchesFrom and reloader are acted on`);
    }
    for (const file of ['003-clusterprofile-clusterprofile-a.yaml', '036-clusterprofile-kyverno-admission-policies.yaml', '037-clusterprofile-cp-kubevela.yaml', '042-clusterprofile-ingress-nginx.yaml', '053-clusterprofile-deploy-deploy-sveltos-nats-secret.yaml', '047-clusterprofile-validation-and-monitoring.yaml', '018-clusterprofile-cert-manager.yaml']) {
      assert.deepEqual(infos(file), [], `${file}: dependsOn, continueOnConflict and options.runTests are acted on`);
    }
    // validateHealths: Lua (029, 040) and CEL (041) checks of the helm feature are run; jobCheck is not.
    for (const file of ['029-profile-kyverno.yaml', '040-clusterprofile-cert-manager.yaml', '041-clusterprofile-cert-manager.yaml']) assert.deepEqual(infos(file), [], file);
    assert.deepEqual(infos('046-clusterprofile-kyverno.yaml'), [], 'maxUpdate and its Lua check are acted on');
    assert.deepEqual(infos('002-clusterprofile-kyverno-with-smoke-test.yaml'), ['spec.validateHealths[0].jobCheck']);
  });
});

describe('the corpus folder as one repository', () => {
  test('duplicates and dangling references are reported with both places, and nothing else breaks', async () => {
    const repo = await loadRepository(CORPUS);
    const codes = new Set(repo.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code));
    // The ConfigMaps the docs' policyRefs name are not part of the corpus: each such entry is an
    // error; so are the Flux GitRepositories their kustomizationRefs name, and each
    // templateResourceRefs entry naming an object the corpus does not hold.
    assert.deepEqual([...codes].sort(), ['dangling-cluster-ref', 'dangling-depends-on', 'dangling-kustomization-ref', 'dangling-policy-ref', 'dangling-resource-ref', 'duplicate-object', 'schema']);
    // dependsOn names resolve against every profile defined; only 003's clusterprofile_b is nowhere.
    assert.deepEqual(repo.diagnostics.filter((d) => d.code === 'dangling-depends-on').map((d) => `${d.file}:${d.line}:${d.col} ${d.field}`), [
      '003-clusterprofile-clusterprofile-a.yaml:8:5 spec.dependsOn[0]',
    ]);
    const dup = repo.diagnostics.find((d) => d.code === 'duplicate-object' && d.file === '065-clusterset-prod.yaml');
    assert.ok(dup);
    assert.match(dup.message, /066-clusterset-prod\.yaml:5:9/);
    assert.match(dup.message, /069-clusterset-prod\.yaml:5:9/);
    // setRefs: [prod] points at a ClusterSet that exists (if duplicated): not dangling.
    assert.equal(repo.diagnostics.filter((d) => d.code === 'dangling-set-ref').length, 0);
    const dangling = repo.diagnostics.filter((d) => d.code === 'dangling-cluster-ref');
    assert.deepEqual(dangling.map((d) => `${d.file}:${d.line}:${d.col} ${d.field}`), [
      '051-clusterprofile-sveltos-2z2p8p7olrro79biygp8.yaml:8:5 spec.clusterRefs[0]',
    ]);
    assert.ok(!repo.sets.some((s) => s.metadata.name === 'prod'), 'a duplicated set is not used');
    assert.ok(repo.profiles.some((p) => p.metadata.name === 'podinfo'));
  });
});

describe('the corpus count', () => {
  test('81 of the 86 profiles have every field acted on; the rest are cosign verification, a Local deployment and a jobCheck', async () => {
    const left: string[] = [];
    let profiles = 0;
    for (const file of files) {
      const r = await loadRepository(join(CORPUS, file));
      if (r.profiles.length === 0) continue;
      profiles += r.profiles.length;
      const fields = [...new Set(r.diagnostics.filter((d) => d.code === 'unsupported-field').map((d) => d.field))];
      if (fields.length > 0) left.push(`${file} ${fields.join(' ')}`);
    }
    assert.equal(profiles, 86);
    assert.deepEqual(left, [
      '002-clusterprofile-kyverno-with-smoke-test.yaml spec.validateHealths[0].jobCheck',
      '005-clusterprofile-cosign-keyless-example.yaml spec.helmCharts[0].signatureVerification',
      '006-clusterprofile-mychart.yaml spec.helmCharts[0].signatureVerification',
      '007-clusterprofile-mychart-static-key.yaml spec.helmCharts[0].signatureVerification',
      '051-clusterprofile-sveltos-2z2p8p7olrro79biygp8.yaml spec.policyRefs[0].deploymentType spec.policyRefs[0] spec.policyRefs[1].deploymentType spec.policyRefs[1]',
    ]);
  });
});
