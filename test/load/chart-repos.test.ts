// --allowed-chart-repos: a pull request cannot point helm at an address the operator did not allow.
// Glob patterns as Argo CD's sourceRepos; errors at the field's file:line:col; daemon and CLI alike.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ConfigError, resolveConfig } from '../../src/daemon/config.ts';
import { canonicalChartSource, chartSourceAllowed, parseChartRepoPatterns } from '../../src/load/chart-repos.ts';
import { ManifestCache, parseManifests } from '../../src/load/index.ts';
import { loadRevision, type Revisions } from '../../src/daemon/revision.ts';
import { silentLogger } from '../../src/daemon/logger.ts';
import { runCli } from '../cli/run-cli.ts';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'example-repo');
const dir = mkdtempSync(join(tmpdir(), 'gitset-chart-repos-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const allowed = (url: string, patterns: string) => chartSourceAllowed(url, parseChartRepoPatterns(patterns));

const PROFILE = (charts: string) => `apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: web
spec:
  clusterSelector: {matchLabels: {env: prod}}
  helmCharts:
${charts}`;

const ENTRY = (url: string, chart = 'r/web', action = 'Install') => `  - repositoryURL: ${url}
    repositoryName: r
    chartName: ${chart}
    chartVersion: 1.0.0
    releaseName: web
    releaseNamespace: web
    helmChartAction: ${action}
`;

describe('chart source allow-list', () => {
  test('glob patterns as Argo CD: * spans slashes, ?, classes, braces, ! denies', () => {
    const list = 'https://charts.acme.io/*, oci://ghcr.io/acme/*';
    assert.equal(allowed('https://charts.acme.io/stable', list), true);
    assert.equal(allowed('HTTPS://Charts.ACME.io/stable/', list), true, 'scheme and host case, trailing slash');
    assert.equal(allowed('oci://ghcr.io/acme/charts/web', list), true);
    assert.equal(allowed('oci://ghcr.io/other/web', list), false);
    assert.equal(allowed('http://10.0.0.1:8080/', list), false);
    assert.equal(allowed('https://charts.acme.io.evil.example/x', 'https://charts.acme.io/*'), false);
    assert.equal(allowed('https://charts.acme.io@evil.example/x', 'https://charts.acme.io*'), false, 'userinfo is never allowed');
    assert.equal(allowed('not a url', '*'), false);
    assert.equal(allowed('https://charts-2.acme.io/x', 'https://charts-?.acme.io/*'), true);
    assert.equal(allowed('https://charts-b.acme.io/x', 'https://charts-[0-9].acme.io/*'), false);
    assert.equal(allowed('https://b.acme.io/x', 'https://{a,b}.acme.io/*'), true);
    assert.equal(allowed('https://internal.acme.io/x', '!https://internal.acme.io/*, *'), false);
    assert.equal(allowed('https://public.acme.io/x', '!https://internal.acme.io/*, *'), true);
    assert.equal(allowed('https://public.acme.io/x', '!https://internal.acme.io/*'), true, "Argo CD: a deny pattern that does not match allows");
    assert.throws(() => parseChartRepoPatterns('https://{a,b.acme.io'), /without its "}"/);
  });

  test('matching stays fast on hostile input (no backtracking blow-up)', () => {
    const patterns = parseChartRepoPatterns(`${'*a'.repeat(20)}*b`);
    const url = `https://x.io/${'a'.repeat(5000)}`;
    assert.equal(chartSourceAllowed(url, patterns), false);
  });

  test('property: a URL always matches a pattern that is its own canonical form, and * allows every URL', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: false, withFragments: false }), (url) => {
        const canonical = canonicalChartSource(url);
        if (canonical === undefined) return;
        const escaped = canonical.replace(/[\\*?[{}!]/g, (c) => `\\${c}`);
        if (/[,\s]/.test(canonical)) return; // a comma or space separates patterns
        assert.equal(chartSourceAllowed(url, parseChartRepoPatterns(escaped)), true, escaped);
        assert.equal(chartSourceAllowed(url, parseChartRepoPatterns('*')), true);
      }),
    );
  });

  test('the loader: an error at the field naming file, line and field; Uninstall entries fetch nothing', () => {
    const chartRepos = parseChartRepoPatterns('https://charts.acme.io/*');
    const text = PROFILE(ENTRY('https://charts.acme.io/stable') + ENTRY('http://169.254.169.254/latest') + ENTRY('https://old.example/charts', 'r/old', 'Uninstall') + ENTRY('https://charts.acme.io/x', 'oci://internal.registry/web'));
    const repo = parseManifests([{ path: 'profiles/web.yaml', text }], { chartRepos });
    const errors = repo.diagnostics.filter((d) => d.code === 'chart-repo-not-allowed');
    assert.deepEqual(errors.map((d) => [d.file, d.line, d.field, d.severity]), [
      ['profiles/web.yaml', 15, 'spec.helmCharts[1].repositoryURL', 'error'],
      ['profiles/web.yaml', 31, 'spec.helmCharts[3].chartName', 'error'],
    ]);
    assert.match(errors[0]!.message, /^ClusterProfile\/web: spec\.helmCharts\[1\]\.repositoryURL "http:\/\/169\.254\.169\.254\/latest" is not allowed by --allowed-chart-repos \(https:\/\/charts\.acme\.io\/\*\)/);
    assert.equal(parseManifests([{ path: 'profiles/web.yaml', text }]).diagnostics.filter((d) => d.severity === 'error').length, 0, 'no list: any source');
  });

  test('the list covers Flux GitRepository URLs too, as sourceRepos does: the error is at spec.url', () => {
    const chartRepos = parseChartRepoPatterns('https://charts.acme.io/*,https://git.acme.io/*');
    const gitRepo = (name: string, url: string) => `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 5m
  url: ${url}
  ref: {branch: main}
`;
    const text = `${gitRepo('apps', 'https://git.acme.io/apps.git')}---\n${gitRepo('meta', 'http://169.254.169.254/latest/meta-data')}`;
    const errors = parseManifests([{ path: 'sources/git.yaml', text }], { chartRepos }).diagnostics.filter((d) => d.code === 'chart-repo-not-allowed');
    assert.deepEqual(errors.map((d) => [d.file, d.line, d.field, d.object]), [['sources/git.yaml', 18, 'spec.url', 'GitRepository/flux-system/meta']]);
    assert.match(errors[0]!.message, /"http:\/\/169\.254\.169\.254\/latest\/meta-data" is not allowed by --allowed-chart-repos/);
    assert.equal(parseManifests([{ path: 'sources/git.yaml', text }]).diagnostics.filter((d) => d.severity === 'error').length, 0, 'no list: any source');
  });

  test('with an allow-list, a templated chart source is refused: it renders per cluster, after the check', () => {
    const chartRepos = parseChartRepoPatterns('https://charts.acme.io/team-a/*');
    const text = PROFILE(ENTRY("'https://charts.acme.io/team-a/{{ .Cluster.metadata.labels.path }}'"));
    const errors = parseManifests([{ path: 'profiles/web.yaml', text }], { chartRepos }).diagnostics.filter((d) => d.code === 'chart-repo-not-allowed');
    assert.deepEqual(errors.map((d) => d.field), ['spec.helmCharts[0].repositoryURL']);
    assert.match(errors[0]!.message, /a chart source cannot be a template/);
    assert.equal(parseManifests([{ path: 'profiles/web.yaml', text }]).diagnostics.filter((d) => d.severity !== 'info').length, 0, 'no list: a templated URL is fine');
  });

  test('validate and plan take --allowed-chart-repos or GITSET_ALLOWED_CHART_REPOS; a bad pattern exits 2', async () => {
    const root = join(dir, 'repo');
    cpSync(EXAMPLE, root, { recursive: true });
    const ok = await runCli(['validate', '.'], { cwd: root });
    assert.equal(ok.code, 0, ok.out);
    const refused = await runCli(['validate', '.', '--allowed-chart-repos', 'oci://ghcr.io/acme/*'], { cwd: root });
    assert.equal(refused.code, 1);
    assert.match(refused.out, /^profiles\/[a-z-]+\.yaml:\d+:\d+ error .*repositoryURL "[^"]+" is not allowed by --allowed-chart-repos/m);
    const byEnv = await runCli(['plan', '.'], { cwd: root, env: { GITSET_ALLOWED_CHART_REPOS: 'oci://ghcr.io/acme/*' } });
    assert.equal(byEnv.code, 1);
    assert.match(byEnv.out, /is not allowed by --allowed-chart-repos/);
    const bad = await runCli(['validate', '.', '--allowed-chart-repos', 'https://[a-'], { cwd: root });
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--allowed-chart-repos: .*without its "]"/);
  });

  test('the daemon option: flag, environment, a YAML list in the config file, and a bad pattern', () => {
    const base = { repo: 'https://git.example/fleet.git' };
    assert.equal(resolveConfig({ flags: base, env: {}, cwd: '/' }).allowedChartRepos, undefined);
    assert.deepEqual(resolveConfig({ flags: { ...base, allowedChartRepos: 'https://a/*,oci://b/{x,y}/*' }, env: {}, cwd: '/' }).allowedChartRepos?.patterns, ['https://a/*', 'oci://b/{x,y}/*']);
    assert.deepEqual(resolveConfig({ flags: base, env: { GITSET_ALLOWED_CHART_REPOS: 'https://a/*' }, cwd: '/' }).allowedChartRepos?.patterns, ['https://a/*']);
    const file = join(dir, 'gitset.yaml');
    writeFileSync(file, 'allowed-chart-repos:\n  - https://charts.acme.io/*\n  - oci://ghcr.io/acme/*\n');
    assert.deepEqual(resolveConfig({ flags: { ...base, config: file }, env: {}, cwd: '/' }).allowedChartRepos?.patterns, ['https://charts.acme.io/*', 'oci://ghcr.io/acme/*']);
    assert.throws(() => resolveConfig({ flags: { ...base, allowedChartRepos: 'https://{a' }, env: {}, cwd: '/' }), (e: unknown) => e instanceof ConfigError && e.option === '--allowed-chart-repos');
  });

  test('the daemon does not apply a revision with a chart source outside the list; the last good one stays', async () => {
    const root = join(dir, 'daemon-repo');
    cpSync(EXAMPLE, root, { recursive: true });
    const revisions: Revisions = { cache: new ManifestCache() };
    const pulled = { revision: 'r1', revisionChanged: true, changed: true, inputsId: 'i1', dir: root, forced: false };
    const chartRepos = parseChartRepoPatterns('oci://ghcr.io/acme/*');
    const errors = await loadRevision(pulled, revisions, { statusDir: 'status', chartRepos }, silentLogger());
    assert.ok(errors && errors.some((e) => /is not allowed by --allowed-chart-repos/.test(e)), String(errors));
    assert.equal(revisions.inForce, undefined);
    const fine = await loadRevision({ ...pulled, inputsId: 'i2' }, revisions, { statusDir: 'status' }, silentLogger());
    assert.equal(fine, undefined);
    assert.equal((revisions as Revisions).inForce?.revision, 'r1');
  });
});
