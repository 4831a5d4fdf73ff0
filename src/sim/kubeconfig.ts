// Kubeconfig files for simulated clusters: exactly what a real user's file holds (server,
// CA data, bearer token, one context), so everything downstream reads them the real way.
import { mkdir, writeFile, chmod } from 'node:fs/promises';
import { dirname } from 'node:path';
import YAML from 'yaml';

export interface KubeconfigInput {
  /** Name used for the cluster, user and context entries, e.g. `civo-cluster1`. */
  name: string;
  server: string;
  caPem: string;
  token: string;
  /** Namespace of the context, if any. */
  namespace?: string;
}

export function renderKubeconfig(k: KubeconfigInput): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: k.name, cluster: { server: k.server, 'certificate-authority-data': Buffer.from(k.caPem).toString('base64') } }],
    users: [{ name: k.name, user: { token: k.token } }],
    contexts: [{ name: k.name, context: { cluster: k.name, user: k.name, ...(k.namespace ? { namespace: k.namespace } : {}) } }],
    'current-context': k.name,
    preferences: {},
  });
}

/** Writes a kubeconfig readable by its owner only (0600), creating missing folders as 0700. */
export async function writeKubeconfigFile(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, content, { mode: 0o600 });
  await chmod(path, 0o600); // an existing file keeps its old mode through writeFile
}
