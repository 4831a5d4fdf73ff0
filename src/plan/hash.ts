// The desired-state hash of one release on one cluster: sha256 over canonical JSON (sorted keys,
// no undefined) of the chart coordinates, the rendered values and the options. Equal hash with
// what the status says was applied means there is nothing to do: a quiet fleet runs no helm.
import { createHash } from 'node:crypto';
import type { ReleaseRequest } from '../model/ports.ts';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

export function releaseHash(release: ReleaseRequest): string {
  const material = {
    repositoryURL: release.repositoryURL,
    repositoryName: release.repositoryName,
    chartName: release.chartName,
    chartVersion: release.chartVersion,
    releaseNamespace: release.releaseNamespace,
    releaseName: release.releaseName,
    values: release.values,
    options: release.options,
  };
  return `sha256:${createHash('sha256').update(canonicalJson(material)).digest('hex')}`;
}
