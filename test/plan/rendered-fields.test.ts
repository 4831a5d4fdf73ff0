// A templated releaseName, releaseNamespace or chartVersion is checked again once rendered for a
// cluster, by the loader's rules: a value helm would refuse (or read as a flag) fails that release
// on that cluster, with the field in its status, and never reaches helm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RepositoryObjects } from '../../src/plan/cycle.ts';
import { chart, cluster, clusterProfile } from '../select/fleet.ts';
import { record, step, summary } from './cycle-helpers.ts';

function withAnnotation(key: string, annotations: Record<string, string>, labels: Record<string, string> = {}) {
  const c = cluster(key, { env: 'prod', ...labels });
  return { ...c, metadata: { ...c.metadata, annotations } };
}

const NAME = '{{ .Cluster.metadata.annotations.release }}';

test('rendered values that break helm\'s naming rules fail the release on that cluster only', () => {
  const repo: RepositoryObjects = {
    clusters: [
      withAnnotation('civo/good', { release: 'web', ns: 'apps', version: '1.2.3' }),
      withAnnotation('civo/flag', { release: '--post-renderer=/bin/sh', ns: 'apps', version: '1.2.3' }),
      withAnnotation('civo/upper', { release: 'Web_App', ns: 'apps', version: '1.2.3' }),
      withAnnotation('civo/long', { release: 'a'.repeat(54), ns: 'apps', version: '1.2.3' }),
      withAnnotation('civo/dotted-ns', { release: 'web', ns: 'team.apps', version: '1.2.3' }),
      withAnnotation('civo/flag-version', { release: 'web', ns: 'apps', version: '--devel' }),
    ],
    sets: [],
    profiles: [
      clusterProfile('web', {
        clusterSelector: { matchLabels: { env: 'prod' } },
        helmCharts: [chart(NAME, { releaseNamespace: '{{ .Cluster.metadata.annotations.ns }}', chartVersion: '{{ .Cluster.metadata.annotations.version }}' })],
      }),
    ],
  };
  const { cycle, after } = step(repo);
  assert.deepEqual(summary(cycle), ['install web on civo/good for ClusterProfile/web']);
  for (const a of cycle.actions) assert.ok(!a.release.releaseName.startsWith('-') && !a.release.chartVersion.startsWith('-'));
  const failed = (key: string) => {
    const releases = after.profiles.get('ClusterProfile/web')?.status.clusters?.find((c) => c.cluster === key)?.releases ?? [];
    assert.equal(releases.length, 1, key);
    assert.equal(releases[0]!.state, 'Failed', key);
    return releases[0]!.lastError ?? '';
  };
  assert.match(failed('civo/flag'), /^releaseName: rendered "--post-renderer=\/bin\/sh" is not a valid helm release name/);
  assert.match(failed('civo/upper'), /^releaseName: rendered "Web_App"/);
  assert.match(failed('civo/long'), /^releaseName: rendered "a{54}" .*at most 53/);
  assert.match(failed('civo/dotted-ns'), /^releaseNamespace: rendered "team.apps" is not a valid namespace/);
  assert.match(failed('civo/flag-version'), /^chartVersion: rendered "--devel" starts with "-"/);
  assert.equal(record(after, 'ClusterProfile/web', 'civo/good', 'web')?.state, 'Deployed');
});

test('a template that reads nothing of the cluster is checked once, for every cluster', () => {
  const repo: RepositoryObjects = {
    clusters: [cluster('civo/a', { env: 'prod' }), cluster('civo/b', { env: 'prod' })],
    sets: [],
    profiles: [clusterProfile('web', { clusterSelector: { matchLabels: { env: 'prod' } }, helmCharts: [chart('{{/* x */}}Web', {})] })],
  };
  const { cycle, after } = step(repo);
  assert.deepEqual(cycle.actions, []);
  const states = after.profiles.get('ClusterProfile/web')?.status.clusters?.map((c) => c.releases[0]?.lastError);
  assert.equal(states?.length, 2);
  for (const e of states ?? []) assert.match(e ?? '', /^releaseName: rendered "Web"/);
});
