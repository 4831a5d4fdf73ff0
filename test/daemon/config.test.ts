import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, describeConfig, resolveConfig } from '../../src/daemon/config.ts';

const files = (map: Record<string, string>) => (p: string): string => {
  const hit = Object.entries(map).find(([k]) => p.endsWith(k));
  if (!hit) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
  return hit[1];
};

describe('daemon configuration', () => {
  test('defaults apply when nothing is given but the repository', () => {
    const c = resolveConfig({ flags: { repo: 'https://git.example/fleet.git' }, env: {}, cwd: '/srv' });
    assert.equal(c.probeIntervalMs, 10_000);
    assert.equal(c.probeTimeoutMs, 5_000);
    assert.equal(c.pollIntervalMs, 30_000);
    assert.equal(c.helmParallelism, 8);
    assert.deepEqual(c.listen, { host: '127.0.0.1', port: 9090 });
    assert.equal(c.branch, 'main');
    assert.equal(c.statusBranch, 'main');
    assert.equal(c.credentials, '/srv/credentials');
    assert.equal(c.repo, 'https://git.example/fleet.git');
  });

  test('flags win over environment, environment over the config file', () => {
    const readFile = files({ 'gitset.yaml': 'probe-interval: 1m\npollInterval: 2m\nbranch: from-file\nhelm-parallelism: 3\n' });
    const c = resolveConfig({
      flags: { repo: './fleet', config: 'gitset.yaml', probeInterval: '250ms' },
      env: { GITSET_PROBE_INTERVAL: '20s', GITSET_POLL_INTERVAL: '45s' },
      cwd: '/srv',
      readFile,
    });
    assert.equal(c.probeIntervalMs, 250);
    assert.equal(c.pollIntervalMs, 45_000);
    assert.equal(c.branch, 'from-file');
    assert.equal(c.helmParallelism, 3);
    assert.equal(c.repo, '/srv/fleet');
  });

  test('validation errors name the option', () => {
    const bad = (flags: Record<string, unknown>, option: string) =>
      assert.throws(() => resolveConfig({ flags: { repo: 'r', ...flags }, env: {}, cwd: '/' }), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.option, option);
        assert.match(e.message, new RegExp(`^${option}:`));
        return true;
      });
    bad({ probeInterval: '10' }, '--probe-interval');
    bad({ helmParallelism: '0' }, '--helm-parallelism');
    bad({ listen: 'localhost' }, '--listen');
    bad({ logFormat: 'xml' }, '--log-format');
    bad({ statusDir: '../out' }, '--status-dir');
    assert.throws(() => resolveConfig({ flags: {}, env: {}, cwd: '/' }), /--repo: is required/);
    assert.throws(
      () => resolveConfig({ flags: { repo: 'r', config: 'c.yaml' }, env: {}, cwd: '/', readFile: files({ 'c.yaml': 'probe-intervall: 1s' }) }),
      /--config: .*unknown option "probe-intervall"/,
    );
  });

  test('secrets come from files or the environment and never show in the printable config', () => {
    const c = resolveConfig({
      flags: { repo: 'r', webhookSecretFile: '/run/secrets/hook' },
      env: { GITSET_GIT_TOKEN: 'ghp_supersecret' },
      cwd: '/',
      readFile: files({ '/run/secrets/hook': 'hook-secret\n' }),
    });
    assert.equal(c.secrets.gitToken, 'ghp_supersecret');
    assert.equal(c.secrets.webhookSecret, 'hook-secret');
    const printed = JSON.stringify(describeConfig(c));
    assert.doesNotMatch(printed, /supersecret|hook-secret/);
    assert.match(printed, /"gitAuth":"token"/);
    const withUserinfo = resolveConfig({ flags: { repo: 'https://bot:ghp_inurl@git.example/fleet.git' }, env: {}, cwd: '/' });
    assert.equal(describeConfig(withUserinfo).repo, 'https://git.example/fleet.git');
  });
});

test('gitset run --help documents every option with its default and environment variable', async () => {
  const { PassThrough } = await import('node:stream');
  const { main } = await import('../../src/cli/main.ts');
  const { OPTIONS, envName } = await import('../../src/daemon/options.ts');
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c) => chunks.push(String(c)));
  const code = await main(['run', '--help'], { stdout: out, stderr: out, env: {}, cwd: '/', exitCode: 0 });
  assert.equal(code, 0);
  const help = chunks.join('').replace(/\s+/g, ' ');
  for (const spec of OPTIONS) {
    assert.ok(help.includes(`--${spec.flag} <${spec.arg}>`), `--${spec.flag} is listed`);
    assert.ok(help.includes(envName(spec)), `${envName(spec)} is named`);
    if (spec.default !== undefined) assert.ok(help.includes(`(default: ${spec.default})`), `default of --${spec.flag}`);
  }
});
