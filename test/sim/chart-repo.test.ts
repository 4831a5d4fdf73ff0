// The local chart repository: charts packaged and indexed by the real helm, served on loopback.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { resolveHelm } from '../../src/helm/binary.ts';
import { startChartRepo, type ChartRepo } from '../../src/sim/chart-repo.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const helloChart = join(root, 'charts', 'hello');

describe('local chart repository', () => {
  let helmPath: string;
  let repo: ChartRepo;
  before(async () => {
    helmPath = (await resolveHelm({ env: process.env, projectRoot: root })).path;
    repo = await startChartRepo({ charts: [helloChart], helmBinary: helmPath });
  });
  after(async () => {
    await repo?.close();
  });

  const index = async () => {
    const res = await fetch(`${repo.url}/index.yaml`);
    assert.equal(res.status, 200);
    return YAML.parse(await res.text()) as { entries: Record<string, Array<{ version: string; urls: string[] }>> };
  };

  test('serves an index whose packages download from the repository itself', async () => {
    const [entry] = (await index()).entries.hello ?? [];
    assert.equal(entry?.version, '0.1.0');
    assert.deepEqual(entry?.urls, [`${repo.url}/hello-0.1.0.tgz`]);
    const tgz = await fetch(entry!.urls[0]!);
    assert.equal(tgz.status, 200);
    assert.deepEqual([...new Uint8Array(await tgz.arrayBuffer()).slice(0, 2)], [0x1f, 0x8b], 'a gzip archive');
    assert.equal((await fetch(`${repo.url}/../package.json`)).status, 404);
  });

  test('add() packages another version under an overridden version and re-indexes', async () => {
    await repo.add({ dir: helloChart, version: '0.3.0' });
    assert.deepEqual((await index()).entries.hello?.map((e) => e.version).sort(), ['0.1.0', '0.3.0']);
  });

  test('a folder that is not a chart fails with CHART_REPO_FAILED', async () => {
    await assert.rejects(startChartRepo({ charts: [join(root, 'test')], helmBinary: helmPath }), (err: { code?: string }) => err.code === 'CHART_REPO_FAILED');
  });
});
