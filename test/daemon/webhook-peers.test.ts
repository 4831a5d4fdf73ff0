// Passing an accepted push webhook on to the other replicas: to each peer address but this
// replica's own, as it came (body and signature headers, nothing else), marked as passed on so
// that it goes no further; only pushes this replica accepted are passed on.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startHttpEndpoint, type HttpEndpoint } from '../../src/daemon/http.ts';
import { createMetrics } from '../../src/daemon/metrics.ts';
import { parsePeers, peerForwarder, FORWARDED_HEADER } from '../../src/daemon/webhook-peers.ts';
import { resolveConfig } from '../../src/daemon/config.ts';

const SECRET = 'shared by every replica';
const sign = (body: string) => 'sha256=' + createHmac('sha256', SECRET).update(body).digest('hex');

describe('--webhook-peers', () => {
  test('base URLs separated by commas, as origins; anything else is refused with the flag named', () => {
    assert.deepEqual(parsePeers(' http://gitset-headless.gitset.svc:9090, https://Gitset.example.com/ ,'), ['http://gitset-headless.gitset.svc:9090', 'https://gitset.example.com']);
    for (const [text, why] of [
      ['gitset-0:9090', /not an http or https URL/],
      ['not a url', /is not a URL/],
      ['ftp://x:21', /not an http or https URL/],
      ['http://user:token@x:9090', /carries no credentials/],
      ['http://x:9090/hooks/git', /with a path or query/],
      ['http://x:9090/?a=1', /with a path or query/],
    ] as const) {
      assert.throws(() => parsePeers(text), why, text);
    }
    const config = (peers: string) => resolveConfig({ flags: { repo: 'https://git.example.com/fleet.git', webhookPeers: peers }, env: {}, cwd: '/tmp' });
    assert.deepEqual(config('http://10.0.0.7:9090').webhookPeers, ['http://10.0.0.7:9090']);
    assert.equal(config('').webhookPeers, undefined);
    assert.throws(() => config('http://x/hooks'), /--webhook-peers.*with a path or query/);
  });
});

describe('a push passed on to the peers', () => {
  interface Received {
    headers: IncomingHttpHeaders;
    body: string;
  }
  const received = new Map<string, Received[]>();
  const peers: Server[] = [];
  let endpoint: HttpEndpoint;
  const pushes: string[] = [];
  const warnings: Array<Record<string, unknown>> = [];
  let passing: Promise<void> = Promise.resolve();

  /** A replica's webhook as the peer sees it: every request recorded, 202. */
  const peer = (name: string): Promise<number> =>
    new Promise((resolve) => {
      received.set(name, []);
      const server = createServer((req, res) => {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString('utf8')));
        req.on('end', () => {
          received.get(name)!.push({ headers: req.headers, body: `${req.method} ${req.url} ${body}` });
          res.writeHead(202).end();
        });
      });
      peers.push(server);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });

  before(async () => {
    const [b, c] = [await peer('b'), await peer('c')];
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk, _enc, done) => (warnings.push(JSON.parse(String(chunk))), done()) }));
    let ownPort: number | undefined;
    // b is named (resolving to loopback, as the headless Service's name resolves to the pods); the
    // list names this replica too (every replica gets the same list), and a peer that is down.
    const forward = peerForwarder({ peers: [`http://gitset-b.test:${b}`, `http://127.0.0.1:${c}`, 'http://127.0.0.1:9'], ownPort: () => ownPort, logger, resolve: async () => ['127.0.0.1'] });
    endpoint = await startHttpEndpoint({
      listen: { host: '127.0.0.1', port: 0 },
      registry: createMetrics().registry,
      readiness: () => ({ ready: true, reason: 'ok' }),
      webhook: { secret: SECRET, branches: ['main'], onPush: (p) => pushes.push(p.after ?? ''), passOn: (h, body) => void (passing = forward(h, body)) },
      logger,
    });
    ownPort = Number(new URL(endpoint.url).port);
    // This replica among the peers: the forwarder must leave its own address out.
    const own = peerForwarder({ peers: [endpoint.url], ownPort: () => ownPort, logger });
    const mine = JSON.stringify({ ref: 'refs/heads/main', after: 'own' });
    await own({ 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': sign(mine) }, Buffer.from(mine));
  });
  after(async () => {
    await endpoint.close();
    for (const s of peers) s.close();
  });

  const post = (headers: Record<string, string>, body: string) =>
    fetch(`${endpoint.url}/hooks/git`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  test('each peer gets the push once, as it came, marked as passed on; this replica and a dead peer are left out', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/main', after: 'abc123' });
    const res = await post({ 'x-github-event': 'push', 'x-github-delivery': 'd-1', 'x-hub-signature-256': sign(body), authorization: 'Bearer not-for-peers', cookie: 'x=1' }, body);
    assert.equal(res.status, 202);
    await passing;
    assert.deepEqual(pushes, ['abc123'], 'this replica took it once (its own address was left out)');
    for (const name of ['b', 'c']) {
      const got = received.get(name)!;
      assert.equal(got.length, 1, `peer ${name} got it once`);
      assert.equal(got[0]!.body, `POST /hooks/git ${body}`);
      const h = got[0]!.headers;
      assert.equal(h['x-hub-signature-256'], sign(body));
      assert.equal(h['x-github-event'], 'push');
      assert.equal(h['x-github-delivery'], 'd-1');
      assert.equal(h[FORWARDED_HEADER], '1');
      assert.equal(h.authorization, undefined, 'only what verifies and reads the push is passed on');
      assert.equal(h.cookie, undefined);
    }
    assert.ok(warnings.some((w) => w.msg === 'cannot pass the push on; that replica pulls at its next poll' && w.peer === 'http://127.0.0.1:9/hooks/git'), 'the dead peer is logged');
  });

  test('a push passed on to this replica, one refused and one for another branch go no further', async () => {
    const before = received.get('b')!.length;
    const body = JSON.stringify({ ref: 'refs/heads/main', after: 'def456' });
    assert.equal((await post({ 'x-github-event': 'push', 'x-hub-signature-256': sign(body), [FORWARDED_HEADER]: '1' }, body)).status, 202);
    assert.equal(pushes.at(-1), 'def456', 'taken as any push');
    assert.equal((await post({ 'x-github-event': 'push', 'x-hub-signature-256': 'sha256=00' }, body)).status, 401);
    const other = JSON.stringify({ ref: 'refs/heads/feature', after: 'f00' });
    assert.equal((await post({ 'x-github-event': 'push', 'x-hub-signature-256': sign(other) }, other)).status, 202);
    await passing;
    assert.equal(received.get('b')!.length, before, 'nothing more passed on');
  });
});
