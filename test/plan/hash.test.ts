// The desired-state hash is recorded in every status file: if it changed between gitset versions,
// upgrading gitset would upgrade every release of the fleet. These pin it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { ReleaseRequest } from '../../src/model/ports.ts';
import { canonicalJson, releaseHash, releaseHasher } from '../../src/plan/hash.ts';

/** The definition: sha256 over the canonical JSON of the chart coordinates, values and options. */
function definition(r: ReleaseRequest): string {
  const material = {
    repositoryURL: r.repositoryURL,
    repositoryName: r.repositoryName,
    chartName: r.chartName,
    chartVersion: r.chartVersion,
    releaseNamespace: r.releaseNamespace,
    releaseName: r.releaseName,
    values: r.values,
    options: r.options,
  };
  return `sha256:${createHash('sha256').update(canonicalJson(material)).digest('hex')}`;
}

const releaseArb = fc.record({
  releaseNamespace: fc.string(),
  releaseName: fc.string({ unit: 'grapheme' }),
  repositoryURL: fc.string(),
  repositoryName: fc.string(),
  chartName: fc.string(),
  chartVersion: fc.string(),
  values: fc.string({ unit: 'grapheme' }),
  options: fc.option(fc.jsonValue(), { nil: undefined }),
});

describe('releaseHash', () => {
  test('is the value earlier versions recorded for the same release', () => {
    const kyverno: ReleaseRequest = {
      releaseNamespace: 'kyverno',
      releaseName: 'kyverno',
      repositoryURL: 'https://kyverno.github.io/kyverno/',
      repositoryName: 'kyverno',
      chartName: 'kyverno/kyverno',
      chartVersion: '3.1.4',
      values: 'replicas: 2\n',
      options: { install: { createNamespace: true }, timeout: '5m' },
    };
    assert.equal(releaseHash(kyverno), 'sha256:81311f7670e47c1bebd6da816425818600f0cbe0cde0cd6c8837add48fa5f3f7');
    const bare: ReleaseRequest = { releaseNamespace: 'a', releaseName: 'b', repositoryURL: '', repositoryName: '', chartName: 'c', chartVersion: '1', values: '' };
    assert.equal(releaseHash(bare), 'sha256:2e13549a9b1395561bef3b4dff06b2d98fc93b57320fe76d1a3d3aaf0e0a49f4');
  });

  test('equals sha256 of the canonical JSON for any release', () => {
    fc.assert(
      fc.property(releaseArb, (r) => {
        const req = r as ReleaseRequest;
        assert.equal(releaseHash(req), definition(req));
      }),
      { numRuns: 300 },
    );
  });

  test('a chart entry\'s hasher (its fields written once, the templated ones per cluster) gives the same hash', () => {
    const templatable = fc.subarray(['values', 'chartVersion', 'releaseName', 'releaseNamespace'] as const);
    const rendered = fc.array(fc.string({ unit: 'grapheme' }), { minLength: 4, maxLength: 4 });
    fc.assert(
      fc.property(releaseArb, templatable, rendered, (r, varying, texts) => {
        const base = r as ReleaseRequest;
        const hash = releaseHasher(base, varying);
        const forCluster: ReleaseRequest = { ...base };
        varying.forEach((f, i) => (forCluster[f] = texts[i]!));
        assert.equal(hash(forCluster), definition(forCluster));
      }),
      { numRuns: 300 },
    );
  });
});
