import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { nextClusterStatus, notReadyDetail } from '../../src/status/cluster-health.ts';
import type { ClusterStatus } from '../../src/model/status.ts';
import type { ProbeResult } from '../../src/model/ports.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000).toISOString();
const ok = (version = 'v1.29.2+k3s1'): ProbeResult => ({ cluster: 'civo/cluster1', ok: true, version, durationMs: 5 });
const fail = (message = 'timeout after 5s'): ProbeResult => ({ cluster: 'civo/cluster1', ok: false, message, durationMs: 5000 });

test('a cluster without status counts as ready; three failures in a row make it not ready; one success makes it ready', () => {
  let s: ClusterStatus | undefined;
  s = nextClusterStatus(s, ok(), undefined, at(0));
  assert.deepEqual(s, { ready: true, version: 'v1.29.2+k3s1', connectionStatus: 'Healthy', connectionFailures: 0, lastTransitionTime: at(0) });
  s = nextClusterStatus(s, fail(), undefined, at(30));
  s = nextClusterStatus(s, fail(), undefined, at(60));
  assert.equal(s.ready, true);
  assert.equal(s.connectionFailures, 2);
  assert.equal(s.lastTransitionTime, at(0), 'no flip, no new transition time');
  s = nextClusterStatus(s, fail(), undefined, at(90));
  assert.deepEqual(s, {
    ready: false,
    version: 'v1.29.2+k3s1',
    connectionStatus: 'Down',
    connectionFailures: 3,
    failureMessage: 'timeout after 5s',
    lastTransitionTime: at(90),
    firstFailureTime: at(30),
  });
  assert.equal(notReadyDetail(s), '3 failed probes: timeout after 5s');
  const still = nextClusterStatus(s, fail(), undefined, at(120));
  assert.deepEqual(still, s, 'a long outage does not rewrite the status on every probe');
  s = nextClusterStatus(still, ok('v1.30.0'), undefined, at(150));
  assert.deepEqual(s, { ready: true, version: 'v1.30.0', connectionStatus: 'Healthy', connectionFailures: 0, lastTransitionTime: at(150) }, 'a success clears firstFailureTime');
});

test('consecutiveFailureThreshold is honoured, and a success in between resets the count', () => {
  let s = nextClusterStatus(undefined, fail(), 1, at(0));
  assert.equal(s.ready, false);
  s = nextClusterStatus(undefined, fail(), 5, at(0));
  for (let i = 1; i < 4; i++) s = nextClusterStatus(s, fail(), 5, at(i));
  assert.equal(s.ready, true);
  s = nextClusterStatus(s, ok(), 5, at(5));
  s = nextClusterStatus(s, fail(), 5, at(6));
  assert.equal(s.connectionFailures, 1);
  assert.equal(s.ready, true);
});

test('property: ready is false exactly when the last `threshold` probes all failed (after a start as ready)', () => {
  fc.assert(
    fc.property(fc.array(fc.boolean(), { maxLength: 30 }), fc.integer({ min: 1, max: 5 }), (probes, threshold) => {
      let s: ClusterStatus | undefined;
      let run = 0;
      probes.forEach((good, i) => {
        const before = s?.ready;
        s = nextClusterStatus(s, good ? ok() : fail(), threshold, at(i));
        run = good ? 0 : run + 1;
        assert.equal(s.ready, run < threshold);
        assert.equal(s.connectionStatus, s.ready ? 'Healthy' : 'Down');
        if (before !== undefined && before === s.ready && i > 0) assert.notEqual(s.lastTransitionTime, at(i));
      });
    }),
  );
});
