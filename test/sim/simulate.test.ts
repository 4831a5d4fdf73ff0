// `gitset simulate`: kubeconfigs written where `--credentials` says, usable by real clients,
// clusters serving until SIGTERM, then a clean exit 0.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import YAML from 'yaml';
import { main } from '../../src/cli/main.ts';
import { simulate } from '../../src/cli/simulate.ts';
import type { CliIO } from '../../src/cli/io.ts';
import { call } from './client.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Kubeconfig {
  clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
  users: Array<{ user: { token: string } }>;
  contexts: Array<{ name: string }>;
  'current-context': string;
}

async function readKubeconfig(path: string): Promise<{ server: string; ca: string; token: string; doc: Kubeconfig }> {
  const doc = YAML.parse(await readFile(path, 'utf8')) as Kubeconfig;
  const cluster = doc.clusters[0]!.cluster;
  return { server: cluster.server, ca: Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8'), token: doc.users[0]!.user.token, doc };
}

describe('gitset simulate', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gitset-simulate-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('writes one 0600 kubeconfig per cluster that reaches its API server', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const io: CliIO = { stdout, stderr: new PassThrough(), env: {}, cwd: dir, exitCode: 0 };
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const credentials = join(dir, 'creds');
    const running = simulate(
      { clusters: [{ namespace: 'civo', name: 'cluster1' }, { namespace: 'gke', name: 'cluster2' }], credentialsDir: credentials, version: 'v1.28.3', portBase: 0, charts: [] },
      io,
      stopped,
    );
    try {
      for (let i = 0; i < 100 && out.split('\n').length < 3; i++) await new Promise((r) => setTimeout(r, 50));
      const lines = out.trim().split('\n');
      assert.equal(lines.length, 2, out);
      assert.match(lines[0]!, new RegExp(`^civo/cluster1 listening on https://127\\.0\\.0\\.1:\\d+ kubeconfig ${join(credentials, 'civo', 'cluster1.kubeconfig')}$`));
      const path = join(credentials, 'gke', 'cluster2.kubeconfig');
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      assert.equal((await stat(join(credentials, 'gke'))).mode & 0o777, 0o700);
      const k = await readKubeconfig(path);
      assert.equal(k.doc['current-context'], k.doc.contexts[0]!.name);
      assert.ok(lines[1]!.includes(k.server));
      const v = await call(k.server, '/version', { ca: k.ca, token: k.token });
      assert.deepEqual([v.status, v.json.gitVersion], [200, 'v1.28.3']);
    } finally {
      stop();
    }
    assert.equal(await running, 0);
  });

  test('the command serves until SIGTERM and then exits 0', async () => {
    const credentials = join(dir, 'proc');
    const child = execa(process.execPath, [join(root, 'bin', 'gitset.js'), 'simulate', '--cluster', 'civo/cluster9', '--credentials', credentials], {
      reject: false,
      timeout: 60_000,
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let buffer = '';
        child.stdout!.on('data', (c: Buffer) => {
          buffer += c.toString('utf8');
          if (buffer.includes('\n')) resolve(buffer.split('\n')[0]!);
        });
        child.once('exit', () => reject(new Error(`exited early: ${buffer}`)));
      });
      assert.match(line, /^civo\/cluster9 listening on https:\/\/127\.0\.0\.1:\d+ kubeconfig /);
      const k = await readKubeconfig(join(credentials, 'civo', 'cluster9.kubeconfig'));
      assert.equal((await call(k.server, '/readyz', { ca: k.ca, token: k.token })).status, 200);
    } finally {
      child.kill('SIGTERM');
    }
    const result = await child;
    assert.equal(result.exitCode, 0, result.stderr);
  });

  test('rejects a malformed --cluster', async () => {
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const io: CliIO = { stdout: new PassThrough(), stderr, env: {}, cwd: dir, exitCode: 0 };
    assert.equal(await main(['simulate', '--cluster', 'nonamespace', '--credentials', dir], io), 2);
    assert.match(err, /NAMESPACE\/NAME/);
  });
});
