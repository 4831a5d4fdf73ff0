// Act: remove one release. A release that is already gone is what we wanted, so it counts as
// success; that makes withdrawing safe to repeat after a crash.
import type { ClusterTarget, ReleaseRequest } from '../model/ports.ts';
import { uninstallArgs, type HelmDialect } from './args.ts';
import { HelmError } from './errors.ts';
import { runHelm, type HelmExecContext } from './exec.ts';
import { callDeadline } from './install-upgrade.ts';

// What helm 3 and 4 say about a release that is not there. Matched instead of passing
// --ignore-not-found (helm 4 only) so both versions work and the log can tell "nothing to do".
const ALREADY_GONE = /release: not found|release "?[^"\s]*"? not found/i;

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
  const { tolerated } = await runHelm(ctx, {
    ...where,
    args,
    signal,
    timeoutMs: callDeadline(ctx.timeoutMs, release.options?.timeout),
    hide: { [target.kubeconfigPath]: '<kubeconfig>' },
    tolerate: ALREADY_GONE,
  });
  return { removed: !tolerated };
}
