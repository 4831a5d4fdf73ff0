// Which proxy a server without proxy-url goes through, read from the environment as Go clients do.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyFromEnvironment } from '../../src/probe/proxy.ts';

const via = (server: string, env: Record<string, string>) => proxyFromEnvironment(new URL(server), env)?.href;

test('HTTPS_PROXY for https servers, HTTP_PROXY for http ones; a bare host:port is an http proxy', () => {
  assert.equal(via('https://api.eks.test', { HTTPS_PROXY: 'proxy:3128' }), 'http://proxy:3128/');
  assert.equal(via('https://api.eks.test', { https_proxy: 'https://proxy:443' }), 'https://proxy/');
  assert.equal(via('http://api.eks.test', { HTTPS_PROXY: 'http://proxy:3128' }), undefined);
  assert.equal(via('https://api.eks.test', {}), undefined);
});

test('NO_PROXY: *, domains with their subdomains, leading dots, ports, IPs and CIDRs; loopback always', () => {
  const env = (NO_PROXY: string) => ({ HTTPS_PROXY: 'http://proxy:3128', NO_PROXY });
  assert.equal(via('https://api.eks.test', env('*')), undefined);
  assert.equal(via('https://api.eks.test', env('eks.test')), undefined);
  assert.equal(via('https://eks.test', env('eks.test')), undefined);
  assert.equal(via('https://eks.test', env('.eks.test')), 'http://proxy:3128/');
  assert.equal(via('https://api.eks.test:6443', env('api.eks.test:443')), 'http://proxy:3128/');
  assert.equal(via('https://api.eks.test:6443', env('api.eks.test:6443')), undefined);
  assert.equal(via('https://10.1.2.3:6443', env('10.0.0.0/8')), undefined);
  assert.equal(via('https://192.168.1.1', env('10.0.0.0/8, 192.168.1.1')), undefined);
  assert.equal(via('https://192.168.1.2', env('10.0.0.0/8,192.168.1.1')), 'http://proxy:3128/');
  assert.equal(via('https://127.0.0.1:6443', env('')), undefined);
  assert.equal(via('https://localhost:6443', env('')), undefined);
});

test('a proxy variable that is not a proxy URL is an error naming it', () => {
  assert.throws(() => via('https://api.eks.test', { HTTPS_PROXY: 'socks5://proxy:1080' }), /^KubeconfigError: HTTPS_PROXY: socks5 proxies are not supported/);
});
