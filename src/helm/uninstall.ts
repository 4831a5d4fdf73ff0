// Act: remove one release. A release that is already gone is what we wanted, so it counts as
// success; that makes withdrawing safe to repeat after a crash.
import type { ClusterTarget, ReleaseRequest } from '../model/ports.ts';
import { uninstallArgs, type HelmDialect } from './args.ts';
import { HelmError } from './errors.ts';
import { runHelm, type HelmExecContext } from './exec.ts';
import { callDeadline } from './install-upgrade.ts';

// helm 3 without --ignore-not-found says `release: not found`; helm 4 exits 0 with that flag.
const ALREADY_GONE = /release: not found|release .* not found|has no deployed releases/i;

export interface UninstallOutcome {
  /** false when there was nothing to uninstall. */
  removed: boolean;
}

export async function uninstall(
  ctx: HelmExecContext & { dialect: HelmDialect },
  target: ClusterTarget,
  release: Pick<ReleaseRequest, 'releaseNamespace' | 'releaseName' | 'options'>,
  signal?: AbortSignal,
): Promise<UninstallOutcome> {
  const where = { action: 'uninstall' as const, cluster: target.cluster, release: `${release.releaseNamespace}/${release.releaseName}` };
  let args: string[];
  try {
    args = uninstallArgs(target, release, ctx.dialect);
  } catch (err) {
    throw new HelmError({ ...where, code: 'INVALID_REQUEST', message: (err as Error).message });
  }
  const { stdout, tolerated } = await runHelm(ctx, {
    ...where,
    args,
    signal,
    timeoutMs: callDeadline(ctx.timeoutMs, release.options?.timeout),
    hide: { [target.kubeconfigPath]: '<kubeconfig>' },
    tolerate: ALREADY_GONE,
  });
  return { removed: !tolerated && !/not found/i.test(stdout) };
}
