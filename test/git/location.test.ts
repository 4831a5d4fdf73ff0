// --repo parsing, credential sources and the default work dir.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basicCredentials, defaultWorkDir, loadGitAuth, parseRepoLocation, redactUrl } from '../../src/git/location.ts';
import { redactText } from '../../src/git/errors.ts';

describe('repository location and credentials', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'gitset-loc-test-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  test('an HTTPS URL with userinfo is split into a clean URL and credentials', () => {
    const loc = parseRepoLocation('https://bot:p%40ss@git.example.com/org/fleet.git/', '/cwd');
    assert.deepEqual(loc, { kind: 'http', url: 'https://git.example.com/org/fleet.git', auth: { username: 'bot', password: 'p@ss' } });
    assert.deepEqual(parseRepoLocation('http://127.0.0.1:8080/r.git', '/cwd'), { kind: 'http', url: 'http://127.0.0.1:8080/r.git' });
  });

  test('local paths resolve against the working directory', () => {
    assert.deepEqual(parseRepoLocation('./fleet', '/srv'), { kind: 'local', path: '/srv/fleet' });
    assert.deepEqual(parseRepoLocation('file:///srv/fleet', '/x'), { kind: 'local', path: '/srv/fleet' });
  });

  test('other transports are refused with a code', () => {
    assert.throws(() => parseRepoLocation('git://example.com/r.git', '/'), { code: 'unsupported-transport' });
    assert.throws(() => parseRepoLocation('ssh://u:pw@example.com/r.git', '/'), (e: Error) => !e.message.includes('pw'));
  });

  test('redaction removes userinfo wherever a URL appears', () => {
    assert.equal(redactUrl('https://u:secret@h/r.git'), 'https://h/r.git');
    assert.equal(redactText('failed: https://u:secret@h/r.git and http://tok@h2/x'), 'failed: https://h/r.git and http://h2/x');
  });

  test('credentials from the environment and files; files win; tokens become basic-auth passwords', async () => {
    const tokenFile = join(tmp, 'token');
    await writeFile(tokenFile, 'from-file\n');
    assert.equal(await loadGitAuth({ env: {} }), undefined);
    assert.deepEqual(await loadGitAuth({ env: { GITSET_GIT_TOKEN: 'from-env' } }), { token: 'from-env' });
    assert.deepEqual(await loadGitAuth({ env: { GITSET_GIT_TOKEN: 'from-env' }, tokenFile }), { token: 'from-file' });
    assert.deepEqual(await loadGitAuth({ env: { GITSET_GIT_USERNAME: 'u', GITSET_GIT_PASSWORD: 'p' } }), { username: 'u', password: 'p' });
    await assert.rejects(loadGitAuth({ env: {}, tokenFile: join(tmp, 'missing') }), /--git-token-file .*missing: cannot read/);
    assert.deepEqual(basicCredentials({ token: 't' }), { username: 'x-access-token', password: 't' });
    assert.deepEqual(basicCredentials({ token: 't', username: 'oauth2' }), { username: 'oauth2', password: 't' });
    assert.deepEqual(basicCredentials({ username: 'u', password: 'p' }), { username: 'u', password: 'p' });
  });

  test('the default work dir is per URL and branch under the cache dir, and ignores credentials', () => {
    const a = defaultWorkDir('https://h/r.git', 'main', { XDG_CACHE_HOME: '/cache' });
    assert.match(a, /^\/cache\/gitset\/[0-9a-f]{16}$/);
    assert.equal(defaultWorkDir('https://u:p@h/r.git', 'main', { XDG_CACHE_HOME: '/cache' }), a);
    assert.notEqual(defaultWorkDir('https://h/r.git', 'dev', { XDG_CACHE_HOME: '/cache' }), a);
    assert.match(defaultWorkDir('https://h/r.git', 'main', { HOME: '/home/me' }), /^\/home\/me\/\.cache\/gitset\//);
  });
});
