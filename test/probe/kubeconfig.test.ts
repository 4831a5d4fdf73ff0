import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { KubeconfigError } from '../../src/probe/errors.ts';
import { loadClusterEndpoint } from '../../src/probe/kubeconfig.ts';
import { createCertificateAuthority, issueServingCertificate } from '../../src/sim/certs.ts';
import { kubeconfigYaml } from './kubeconfigs.ts';

const dir = mkdtempSync(join(tmpdir(), 'gitset-kubeconfig-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ca = createCertificateAuthority('test');
const client = issueServingCertificate(ca);
const SECRET = 'sekret-token-do-not-print';
const b64 = (s: string) => Buffer.from(s).toString('base64');

async function rejects(text: string, code: string): Promise<string> {
  try {
    await loadClusterEndpoint(text, dir);
  } catch (err) {
    assert.ok(err instanceof KubeconfigError, String(err));
    assert.equal(err.code, code, err.message);
    assert.ok(!err.message.includes(SECRET), 'message must not carry the credential');
    return err.message;
  }
  assert.fail(`expected ${code}`);
}

describe('loadClusterEndpoint', () => {
  test('reads server, CA data and token of the current context', async () => {
    const e = await loadClusterEndpoint(kubeconfigYaml({ server: 'https://10.0.0.1:6443', caPem: ca.certPem, token: SECRET }), dir);
    assert.equal(e.server.href, 'https://10.0.0.1:6443/');
    assert.equal(e.ca, ca.certPem);
    assert.deepEqual(e.auth, { kind: 'bearer', token: SECRET });
    assert.equal(e.insecureSkipTLSVerify, false);
  });

  test('reads certificate-authority and tokenFile relative to the kubeconfig folder', async () => {
    writeFileSync(join(dir, 'ca.crt'), ca.certPem);
    writeFileSync(join(dir, 'token'), `${SECRET}\n`);
    const e = await loadClusterEndpoint(
      kubeconfigYaml({ server: 'https://h:6443', cluster: { 'certificate-authority': 'ca.crt' }, user: { tokenFile: 'token' } }),
      dir,
    );
    assert.equal(e.ca, ca.certPem);
    assert.deepEqual(e.auth, { kind: 'bearer', token: SECRET });
    assert.deepEqual(e.files, [join(dir, 'ca.crt'), join(dir, 'token')]);
  });

  test('a token wins over a tokenFile, as with kubectl', async () => {
    const e = await loadClusterEndpoint(kubeconfigYaml({ server: 'https://h', token: 'inline', user: { tokenFile: 'absent' } }), dir);
    assert.deepEqual(e.auth, { kind: 'bearer', token: 'inline' });
  });

  test('reads client certificate and key data, TLS server name and insecure mode', async () => {
    const e = await loadClusterEndpoint(
      kubeconfigYaml({
        server: 'https://h',
        cluster: { 'insecure-skip-tls-verify': true, 'tls-server-name': 'api.internal' },
        caPem: ca.certPem,
        user: { 'client-certificate-data': b64(client.certPem), 'client-key-data': b64(client.keyPem) },
      }),
      dir,
    );
    assert.equal(e.clientCert, client.certPem);
    assert.equal(e.clientKey, client.keyPem);
    assert.equal(e.tlsServerName, 'api.internal');
    assert.equal(e.insecureSkipTLSVerify, true);
    assert.equal(e.ca, undefined, 'insecure mode trusts no CA');
    assert.deepEqual(e.auth, { kind: 'none' });
  });

  test('supports username and password', async () => {
    const e = await loadClusterEndpoint(kubeconfigYaml({ server: 'https://h', user: { username: 'admin', password: SECRET } }), dir);
    assert.deepEqual(e.auth, { kind: 'basic', username: 'admin', password: SECRET });
  });

  test('drops credentials written into the server URL', async () => {
    const e = await loadClusterEndpoint(kubeconfigYaml({ server: `https://admin:${SECRET}@h:6443/prefix` }), dir);
    assert.equal(e.server.href, 'https://h:6443/prefix');
  });

  test('with no current-context, uses the only context', async () => {
    const text = stringify({
      clusters: [{ name: 'a', cluster: { server: 'https://a' } }],
      contexts: [{ name: 'x', context: { cluster: 'a' } }],
    });
    assert.equal((await loadClusterEndpoint(text, dir)).server.hostname, 'a');
  });

  test('reads an exec plugin; what it cannot run is refused naming the field', async () => {
    const exec = (fields: Record<string, unknown>) => kubeconfigYaml({ server: 'https://h', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never', command: 'aws', ...fields } } });
    assert.equal((await loadClusterEndpoint(exec({ args: ['eks', 'get-token'] }), dir)).auth.kind, 'exec');
    assert.equal(
      await rejects(exec({ apiVersion: 'client.authentication.k8s.io/v1alpha1' }), 'unsupported-auth'),
      'users[0].user.exec.apiVersion: client.authentication.k8s.io/v1alpha1 is not supported (gitset speaks client.authentication.k8s.io/v1 and client.authentication.k8s.io/v1beta1)',
    );
    assert.equal(await rejects(exec({ command: '' }), 'exec-config-invalid'), 'users[0].user.exec.command: is missing');
    assert.equal(await rejects(exec({ env: [{ value: SECRET }] }), 'exec-config-invalid'), 'users[0].user.exec.env[0]: must have a name (without "=") and a value');
    assert.equal(await rejects(exec({ interactiveMode: 'Sometimes' }), 'exec-config-invalid'), 'users[0].user.exec.interactiveMode: must be one of Never, IfAvailable, Always');
  });

  test('names the user entry the context picked, not the first one', async () => {
    const text = stringify({
      clusters: [{ name: 'c', cluster: { server: 'https://h' } }],
      users: [{ name: 'other', user: { token: SECRET } }, { name: 'oidc', user: { 'auth-provider': { name: 'oidc' } } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'oidc' } }],
      'current-context': 'x',
    });
    assert.match(await rejects(text, 'unsupported-auth'), /^users\[1\]\.user\.auth-provider: not supported/);
  });

  test('reads an http or https proxy-url; refuses socks5 naming the field', async () => {
    const proxied = await loadClusterEndpoint(kubeconfigYaml({ server: 'https://h', cluster: { 'proxy-url': 'http://u:p@proxy:3128' } }), dir);
    assert.equal(proxied.proxy?.host, 'proxy:3128');
    assert.equal(
      await rejects(kubeconfigYaml({ server: 'https://h', cluster: { 'proxy-url': 'socks5://proxy:1080' } }), 'proxy-invalid'),
      'clusters[0].cluster.proxy-url: socks5 proxies are not supported (gitset speaks http:// and https:// proxies, with CONNECT)',
    );
    await rejects(kubeconfigYaml({ server: 'https://h', cluster: { 'proxy-url': 'not a url' } }), 'proxy-invalid');
  });

  test('names a missing referenced file as the kubeconfig wrote it', async () => {
    const message = await rejects(kubeconfigYaml({ server: 'https://h', cluster: { 'certificate-authority': 'nope/ca.crt' } }), 'referenced-file-unreadable');
    assert.equal(message, 'clusters[0].cluster.certificate-authority: file not found: nope/ca.crt');
    const absolute = await rejects(kubeconfigYaml({ server: 'https://h', user: { tokenFile: join(dir, 'secret', 'tok') } }), 'referenced-file-unreadable');
    assert.equal(absolute, 'users[0].user.tokenFile: file not found: tok (absolute path)');
  });

  test('rejects broken TLS material without quoting it', async () => {
    assert.equal(
      await rejects(kubeconfigYaml({ server: 'https://h', cluster: { 'certificate-authority-data': b64(SECRET) } }), 'tls-material-invalid'),
      'clusters[0].cluster.certificate-authority-data: is not base64-encoded PEM',
    );
    const other = issueServingCertificate(ca);
    const mismatched = { 'client-certificate-data': b64(client.certPem), 'client-key-data': b64(other.keyPem) };
    assert.equal(await rejects(kubeconfigYaml({ server: 'https://h', user: mismatched }), 'tls-material-invalid'), 'users[0].user: the client certificate or key is invalid, or they do not match');
    await rejects(kubeconfigYaml({ server: 'https://h', user: { 'client-certificate-data': b64(client.certPem) } }), 'tls-material-invalid');
  });

  test('reports invalid YAML by line only, never quoting the file', async () => {
    const message = await rejects(`users:\n- name: u\n  user:\n    token: ${SECRET}\n   bad: [\n`, 'kubeconfig-syntax');
    assert.match(message, /^kubeconfig is not valid YAML/);
  });

  test('reports dangling context references and a missing server', async () => {
    const text = (context: object, cluster: object = { server: 'https://h' }) =>
      stringify({ clusters: [{ name: 'c', cluster }], users: [], contexts: [{ name: 'x', context }], 'current-context': 'x' });
    await rejects(text({ cluster: 'other' }), 'cluster-not-found');
    await rejects(text({ cluster: 'c', user: 'ghost' }), 'user-not-found');
    assert.equal(await rejects(text({ cluster: 'c' }, {}), 'server-missing'), 'clusters[0].cluster.server: is missing');
    await rejects(text({ cluster: 'c' }, { server: 'ftp://h' }), 'server-invalid');
    await rejects(stringify({ contexts: [], 'current-context': 'gone' }), 'context-not-found');
  });
});
