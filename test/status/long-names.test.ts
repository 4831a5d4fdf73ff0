// Every valid object name gets a status file name a file system accepts: 253-character names
// (the most a DNS-1123 subdomain allows) are shortened to a readable prefix and a hash.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RepositoryObjects } from '../../src/plan/cycle.ts';
import { statusFileDiagnostics } from '../../src/status/check-files.ts';
import { readStatusFiles } from '../../src/status/read.ts';
import { renderStatusFiles, statusFileName } from '../../src/status/render.ts';
import { readStatusDir, writeStatusDir } from '../../src/status/status-dir.ts';
import { cluster, clusterSet, nsSet } from '../select/fleet.ts';
import { step } from '../plan/cycle-helpers.ts';

/** A valid DNS-1123 subdomain of `length` characters. */
export function longName(length: number, seed = 'a'): string {
  const label = `${seed}${'b'.repeat(61)}c`; // 63 characters
  let name = label;
  while (name.length + 1 + label.length <= length) name += `.${label}`;
  return name + `.${'d'.repeat(length - name.length - 1)}`;
}

const LONG = longName(253);
const LONG2 = longName(253, 'z');
const repo: RepositoryObjects = {
  clusters: [cluster('civo/cluster1', { env: 'prod' }), cluster(`civo/${longName(250)}`, { env: 'prod' })],
  sets: [clusterSet(LONG, { clusterSelector: 'env=prod', maxReplicas: 1 }), clusterSet(LONG2, { clusterSelector: 'env=prod', maxReplicas: 1 }), nsSet('civo', LONG, { clusterSelector: 'env=prod', maxReplicas: 1 })],
  profiles: [],
};

describe('status file names for long object names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitset-long-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('every path segment stays within 255 bytes, short names keep their plain file name', () => {
    assert.equal(LONG.length, 253);
    const paths = [...renderStatusFiles(step(repo).after).keys()];
    for (const p of paths) for (const seg of p.split('/')) assert.ok(Buffer.byteLength(seg) <= 255, `${seg.length} bytes: ${seg}`);
    assert.ok(paths.includes('SveltosCluster/civo/cluster1.yaml'));
    assert.ok(paths.includes(`SveltosCluster/civo/${longName(250)}.yaml`), 'a 250-character name still fits as is');
    const long = statusFileName(LONG);
    assert.ok(long.startsWith(LONG.slice(0, 200)), 'readable prefix');
    assert.notEqual(long, statusFileName(LONG2), 'two long names sharing a prefix get different files');
    assert.equal(new Set(paths).size, 5);
  });

  test('written to disk and read back as the same objects, not flagged as misplaced', async () => {
    const snapshot = step(repo).after;
    const files = renderStatusFiles(snapshot);
    await writeStatusDir(dir, files);
    assert.equal(readdirSync(join(dir, 'ClusterSet')).length, 2);
    const back = await readStatusDir(dir);
    assert.equal(back.problems, undefined);
    assert.deepEqual([...back.sets.keys()].sort(), [...snapshot.sets.keys()].sort());
    assert.deepEqual(renderStatusFiles(back), files);
    const known = new Set([`ClusterSet/${LONG}`, `ClusterSet/${LONG2}`, `Set/civo/${LONG}`, 'SveltosCluster/civo/cluster1', `SveltosCluster/civo/${longName(250)}`]);
    const listed = [...files].map(([path, text]) => ({ path, text }));
    assert.deepEqual(statusFileDiagnostics(listed, known, 'status'), []);
    assert.equal(readStatusFiles(listed).sets.get(`ClusterSet/${LONG}`)?.object.metadata.name, LONG);
  });
});
