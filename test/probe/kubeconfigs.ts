// Builders for the probe tests: kubeconfig text, files in a credentials directory, clusters.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { SveltosCluster, SveltosClusterSpec } from '../../src/model/objects.ts';

export interface KubeconfigParts {
  server: string;
  /** PEM, written as certificate-authority-data. */
  caPem?: string;
  cluster?: Record<string, unknown>;
  user?: Record<string, unknown>;
  token?: string;
}

export function kubeconfigYaml(parts: KubeconfigParts): string {
  const cluster: Record<string, unknown> = { server: parts.server, ...parts.cluster };
  if (parts.caPem) cluster['certificate-authority-data'] = Buffer.from(parts.caPem).toString('base64');
  const user: Record<string, unknown> = { ...parts.user };
  if (parts.token) user['token'] = parts.token;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
  });
}

/** Writes `DIR/<relativePath>` (folders created) and returns its absolute path. */
export function writeCredential(credentialsDir: string, relativePath: string, text: string): string {
  const path = join(credentialsDir, relativePath);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

export function sveltosCluster(namespace: string, name: string, spec: SveltosClusterSpec = {}): SveltosCluster {
  return {
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'SveltosCluster',
    metadata: { namespace, name },
    spec,
    source: { file: `clusters/${name}.yaml`, line: 1, col: 1 },
  };
}
