// Exec credential plugins against a simulated cluster that checks expiring bearer tokens: the
// plugin is a real process, run once per credential, again when it expires or the server refuses it.
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ProbeResult } from '../../src/model/ports.ts';
import { createProber, type ClusterProber, type ProberOptions, type ProbeLogger } from '../../src/probe/prober.ts';
import { startSimCluster, type SimCluster } from '../../src/sim/index.ts';
import { FakePlugin } from './exec-plugins.ts';
import { kubeconfigYaml, sveltosCluster, writeCredential } from './kubeconfigs.ts';

const credentials = realpathSync(mkdtempSync(join(tmpdir(), 'gitset-exec-sim-')));
const probers: ClusterProber[] = [];
let now = Date.parse('2026-12-05T10:00:00Z');
let sim: SimCluster;

before(async () => {
  sim = await startSimCluster({ namespace: 'aws', name: 'eks1', clock: () => new Date(now) });
});

after(async () => {
  for (const p of probers) p.close();
  await sim?.close();
  rmSync(credentials, { recursive: true, force: true });
});

const minutes = (n: number) => n * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const logged: string[] = [];
const logger: ProbeLogger = { debug: (f, m) => logged.push(`${m} ${JSON.stringify(f)}`), warn: (f, m) => logged.push(`${m} ${JSON.stringify(f)}`) };

function prober(options: Partial<ProberOptions> = {}): ClusterProber {
  const p = createProber({ credentialsDir: credentials, timeoutMs: 5000, wallClock: () => now, pluginEnv: { PATH: process.env.PATH, GITSET_GIT_TOKEN: 'git-secret', AWS_ROLE_ARN: 'arn:aws:iam::1:role/gitset' }, logger, ...options });
  probers.push(p);
  return p;
}

/** A kubeconfig for `name` whose user runs `plugin` with `exec` fields on top. */
function execCluster(name: string, plugin: FakePlugin, exec: Record<string, unknown> = {}, cluster: Record<string, unknown> = {}) {
  const user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never', command: process.execPath, args: [plugin.script, 'eks', 'get-token'], ...exec } };
  writeCredential(credentials, `aws/${name}.kubeconfig`, kubeconfigYaml({ server: sim.url, caPem: sim.caPem, user, cluster }));
  return sveltosCluster('aws', name);
}

async function probe(p: ClusterProber, name: string): Promise<ProbeResult> {
  const r = (await p.probeAll([sveltosCluster('aws', name)])).get(`aws/${name}`);
  assert.ok(r);
  return r;
}

describe('exec credential plugins against a cluster that checks its tokens', () => {
  test('the plugin runs once while its token is valid, again once it expired', async () => {
    const plugin = new FakePlugin(join(credentials, 'plugins', 'expiry'));
    execCluster('expiry', plugin, { env: [{ name: 'FOO', value: 'bar' }] });
    sim.server.grantToken('token-1', new Date(now + minutes(15)));
    plugin.set({ token: 'token-1', expirationTimestamp: iso(now + minutes(15)) });
    const p = prober();
    for (let i = 0; i < 3; i++) assert.equal((await probe(p, 'expiry')).ok, true);
    assert.equal(plugin.runs().length, 1, 'the token is kept until it expires');
    const [run] = plugin.runs();
    assert.deepEqual(run!.args, ['eks', 'get-token']);
    assert.deepEqual(run!.env, { FOO: 'bar', AWS_ROLE_ARN: 'arn:aws:iam::1:role/gitset' }, 'kubeconfig env and cloud variables, never gitset secrets');
    assert.deepEqual(run!.info, { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } });

    now += minutes(16);
    sim.server.grantToken('token-2', new Date(now + minutes(15)));
    plugin.set({ token: 'token-2', expirationTimestamp: iso(now + minutes(15)) });
    sim.server.clearRequests();
    assert.equal((await probe(p, 'expiry')).ok, true);
    assert.equal(plugin.runs().length, 2);
    assert.ok(sim.requests().every((r) => r.status === 200), 'an expired token is renewed before it is sent');
  });

  test('a token the server refuses before its expiry runs the plugin again, and the probe succeeds', async () => {
    const plugin = new FakePlugin(join(credentials, 'plugins', 'revoked'));
    execCluster('revoked', plugin);
    sim.server.grantToken('token-a');
    plugin.set({ token: 'token-a', expirationTimestamp: iso(now + minutes(60)) });
    const p = prober();
    assert.equal((await probe(p, 'revoked')).ok, true);
    sim.server.revokeToken('token-a');
    sim.server.grantToken('token-b');
    plugin.set({ token: 'token-b', expirationTimestamp: iso(now + minutes(60)) });
    sim.server.clearRequests();
    assert.deepEqual(await probe(p, 'revoked').then((r) => r.ok), true);
    assert.equal(plugin.runs().length, 2);
    assert.deepEqual(sim.requests().map((r) => `${r.path} ${r.status}`), ['/version 401', '/version 200', '/readyz 200']);
  });

  test('a plugin that keeps handing out a refused token is 401 Unauthorized', async () => {
    const plugin = new FakePlugin(join(credentials, 'plugins', 'stale'));
    execCluster('stale', plugin);
    plugin.set({ token: 'never-granted' });
    assert.equal((await probe(prober(), 'stale')).message, '401 Unauthorized');
    assert.equal(plugin.runs().length, 2, 'run once more after the 401, not in a loop');
  });

  test('provideClusterInfo hands the plugin the cluster: server, CA and the exec extension (v1beta1)', async () => {
    const plugin = new FakePlugin(join(credentials, 'plugins', 'info'));
    const extensions = [{ name: 'client.authentication.k8s.io/exec', extension: { audience: 'sts.amazonaws.com' } }];
    execCluster('info', plugin, { apiVersion: 'client.authentication.k8s.io/v1beta1', interactiveMode: undefined, provideClusterInfo: true }, { extensions });
    sim.server.grantToken('token-info');
    plugin.set({ token: 'token-info' });
    assert.equal((await probe(prober(), 'info')).ok, true);
    assert.deepEqual(plugin.runs()[0]!.info, {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      spec: {
        interactive: false,
        cluster: { server: sim.url, 'certificate-authority-data': Buffer.from(sim.caPem).toString('base64'), config: { audience: 'sts.amazonaws.com' } },
      },
    });
  });

  test('a plugin slower than the probe timeout keeps running, once, and its token serves the next probes', async () => {
    const plugin = new FakePlugin(join(credentials, 'plugins', 'slow'));
    execCluster('slow', plugin);
    sim.server.grantToken('token-slow');
    plugin.set({ token: 'token-slow', delayMs: 1500 });
    const p = prober({ timeoutMs: 300 });
    assert.equal((await probe(p, 'slow')).message, 'timeout after 300ms');
    let result = await probe(p, 'slow');
    for (let i = 0; i < 100 && !result.ok; i++) result = await probe(p, 'slow');
    assert.equal(result.ok, true);
    assert.equal(plugin.runs().length, 1, 'probes that timed out waited for the same run instead of starting others');
  });

  test('a plugin may answer with a client certificate instead of a token', async () => {
    const plugin = new FakePlugin(join(credentials, 'plugins', 'cert'));
    execCluster('cert', plugin);
    const issued = sim.server.issueClientCertificate('plugin-user');
    plugin.set({ clientCertificateData: issued.certPem, clientKeyData: issued.keyPem });
    assert.equal((await probe(prober(), 'cert')).ok, true);
  });

  test('a plugin given by a path relative to the kubeconfig, run without a shell', async () => {
    const plugin = new FakePlugin(join(credentials, 'aws', 'bin'));
    execCluster('relative', plugin, { command: './bin/plugin.cjs', args: ['$(touch pwned)', ';', 'x'] });
    sim.server.grantToken('token-rel');
    plugin.set({ token: 'token-rel' });
    assert.equal((await probe(prober(), 'relative')).ok, true);
    assert.deepEqual(plugin.runs()[0]!.args, ['$(touch pwned)', ';', 'x']);
  });
});

describe('exec plugins that give no credential', () => {
  const failing = async (name: string, exec: Record<string, unknown>, state: Parameters<FakePlugin['set']>[0], options: Partial<ProberOptions> = {}) => {
    const plugin = new FakePlugin(join(credentials, 'plugins', name));
    execCluster(name, plugin, exec);
    plugin.set(state);
    return (await probe(prober(options), name)).message;
  };

  test('a failing plugin is named with its exit code; what it printed stays in the log', async () => {
    logged.length = 0;
    const message = await failing('exit', {}, { exitCode: 3, stderr: 'error: ExpiredTokenException' });
    assert.equal(message, 'users[0].user.exec: plugin "node" exited with code 3');
    assert.ok(logged.some((l) => l.includes('ExpiredTokenException')));
    const interactive = await failing('interactive', { interactiveMode: 'IfAvailable' }, { exitCode: 1 });
    assert.match(interactive ?? '', /exited with code 1; if it needs a person to log in, give it a credential that works unattended/);
  });

  test('a missing plugin shows the install hint', async () => {
    const message = await failing('missing', { command: 'gitset-no-such-plugin', installHint: 'Install the AWS CLI: https://aws.amazon.com/cli/\nmore' }, {});
    assert.equal(message, 'users[0].user.exec: plugin "gitset-no-such-plugin" not found (users[0].user.exec.command); Install the AWS CLI: https://aws.amazon.com/cli/');
  });

  test('a hung plugin is stopped; what it prints must be an ExecCredential of the version asked', async () => {
    assert.equal(await failing('hung', {}, { hang: true }, { pluginTimeoutMs: 300 }), 'users[0].user.exec: plugin "node" did not answer within 300ms and was stopped');
    assert.equal(await failing('garbage', {}, { raw: 'hello' }), 'users[0].user.exec: plugin "node" did not print an ExecCredential (not JSON)');
    assert.equal(
      await failing('version', {}, { token: 't', apiVersion: 'client.authentication.k8s.io/v1beta1' }),
      'users[0].user.exec: plugin "node" answered client.authentication.k8s.io/v1beta1, but users[0].user.exec.apiVersion asks for client.authentication.k8s.io/v1',
    );
    assert.equal(await failing('empty', {}, {}), 'users[0].user.exec: plugin "node" answered neither a token nor a client certificate');
    assert.equal(await failing('flood', {}, { raw: 'x'.repeat(2 * 1024 * 1024) }), 'users[0].user.exec: plugin "node" printed more than 1048576 bytes');
  });

  test('a kubeconfig the prober cannot use names the field', async () => {
    const plugin = new FakePlugin(join(credentials, 'plugins', 'fields'));
    execCluster('alpha', plugin, { apiVersion: 'client.authentication.k8s.io/v1alpha1' });
    execCluster('nomode', plugin, { interactiveMode: undefined });
    const results = await prober().probeAll([sveltosCluster('aws', 'alpha'), sveltosCluster('aws', 'nomode')]);
    assert.match(results.get('aws/alpha')!.message ?? '', /^users\[0\]\.user\.exec\.apiVersion: client\.authentication\.k8s\.io\/v1alpha1 is not supported/);
    assert.equal(results.get('aws/nomode')!.message, 'users[0].user.exec.interactiveMode: is required by client.authentication.k8s.io/v1 (use Never)');
    assert.equal(plugin.runs().length, 0);
  });

  test('no probe result or log line carries a plugin token', async () => {
    assert.ok(!logged.some((l) => /token-(1|2|a|b|info|rel)\b/.test(l)));
  });
});
