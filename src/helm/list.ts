// Observe: the releases present on a cluster, from `helm list -A -o json`.
import type { ClusterTarget } from '../model/ports.ts';
import { listArgs } from './args.ts';
import { HelmError } from './errors.ts';
import { runHelm, type HelmExecContext } from './exec.ts';

export interface ListedRelease {
  namespace: string;
  name: string;
  revision: number;
  status: string;
  /** `<chart>-<version>`, as helm prints it. */
  chart: string;
}

export async function listReleases(ctx: HelmExecContext, target: ClusterTarget, signal?: AbortSignal): Promise<ListedRelease[]> {
  const { stdout } = await runHelm(ctx, {
    action: 'list',
    cluster: target.cluster,
    args: listArgs(target),
    signal,
    hide: { [target.kubeconfigPath]: '<kubeconfig>' },
  });
  return parseListJson(stdout, target.cluster);
}

/** Parses helm's list JSON (revision is a string there); rejects anything that is not a list. */
export function parseListJson(stdout: string, cluster: string): ListedRelease[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout.trim() === '' ? '[]' : stdout.slice(Math.max(0, stdout.indexOf('['))));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed)) {
    throw new HelmError({ action: 'list', cluster, code: 'HELM_FAILED', message: 'helm list output was not a JSON array' });
  }
  return parsed.map((item: Record<string, unknown>) => ({
    namespace: String(item.namespace ?? ''),
    name: String(item.name ?? ''),
    revision: Number(item.revision ?? 0) || 0,
    status: String(item.status ?? 'unknown'),
    chart: String(item.chart ?? ''),
  }));
}
