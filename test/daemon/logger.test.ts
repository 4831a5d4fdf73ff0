import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/daemon/logger.ts';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return { stream: new Writable({ write: (c, _e, cb) => void (chunks.push(String(c)), cb()) }), text: () => chunks.join('') };
}

test('JSON lines by default; secrets in known fields are redacted', () => {
  const out = capture();
  const log = createLogger({ level: 'info', format: 'auto', destination: out.stream, isTTY: false });
  log.info({ cluster: 'civo/cluster1', token: 'tok-123', auth: { password: 'pw-456' }, headers: { authorization: 'Bearer abc' } }, 'probe');
  log.debug('not at info');
  const lines = out.text().trim().split('\n');
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]!);
  assert.equal(line.msg, 'probe');
  assert.equal(line.cluster, 'civo/cluster1');
  assert.doesNotMatch(lines[0]!, /tok-123|pw-456|Bearer abc/);
});

test('readable lines on a terminal or when asked', () => {
  const out = capture();
  const log = createLogger({ level: 'info', format: 'pretty', destination: out.stream, isTTY: false });
  log.info({ set: 'ClusterSet/prod' }, 'set selection changed');
  assert.match(out.text(), /INFO.*set selection changed/);
  assert.match(out.text(), /set: "ClusterSet\/prod"/);
  assert.throws(() => JSON.parse(out.text()));
});
