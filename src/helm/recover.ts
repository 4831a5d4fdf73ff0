// A release left in pending-install/-upgrade/-rollback by a helm that was killed outright
// (SIGKILL, OOM, a crashed host) stays locked forever: every later call answers "another
// operation is in progress". Once the pending revision is older than any helm of ours could
// still be running, it is released the way Flux's helm-controller does it in spirit: roll back
// to the last good revision, or uninstall a release that never got installed. Observe (history)
// → decide (pure stuckRecovery) → act (rollback/uninstall), then the caller retries once.
import type { ClusterTarget, ReleaseRequest } from '../model/ports.ts';
import { DEFAULT_HISTORY_MAX, positionals } from './args.ts';
import { HelmError } from './errors.ts';
import { runHelm, type HelmExecContext } from './exec.ts';

export interface HistoryEntry {
  revision: number;
  status: string;
  /** RFC 3339 time of the revision's last change. */
  updated: string;
}

export type Recovery =
  | { kind: 'none'; reason: string }
  | { kind: 'rollback'; revision: number; reason: string }
  | { kind: 'uninstall'; reason: string };

const PENDING = new Set(['pending-install', 'pending-upgrade', 'pending-rollback']);
const GOOD = new Set(['deployed', 'superseded']);

/** Pure: what to do about a locked release, from its history (any order). */
export function stuckRecovery(history: readonly HistoryEntry[], nowMs: number, staleAfterMs: number): Recovery {
  const sorted = [...history].sort((a, b) => b.revision - a.revision);
  const latest = sorted[0];
  if (latest === undefined || !PENDING.has(latest.status)) {
    return { kind: 'none', reason: `latest revision is ${latest?.status ?? 'absent'}, not pending` };
  }
  const since = Date.parse(latest.updated);
  const ageMs = Number.isNaN(since) ? 0 : nowMs - since;
  if (ageMs < staleAfterMs) {
    return { kind: 'none', reason: `revision ${latest.revision} is ${latest.status} for ${Math.round(ageMs / 1000)}s; taken over after ${Math.round(staleAfterMs / 1000)}s` };
  }
  const good = sorted.find((e) => e.revision < latest.revision && GOOD.has(e.status));
  const stuck = `revision ${latest.revision} stuck in ${latest.status} for ${Math.round(ageMs / 1000)}s`;
  return good
    ? { kind: 'rollback', revision: good.revision, reason: `${stuck}: rolled back to revision ${good.revision}` }
    : { kind: 'uninstall', reason: `${stuck} with no good revision: uninstalled to install afresh` };
}

export function parseHistoryJson(stdout: string): HistoryEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout.slice(Math.max(0, stdout.indexOf('['))));
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.map((e: Record<string, unknown>) => ({
    revision: Number(e.revision) || 0,
    status: String(e.status ?? ''),
    updated: String(e.updated ?? ''),
  }));
}

/** Observes, decides and, when the lock is stale, acts. Returns what was decided. */
export async function recoverStuckRelease(
  ctx: HelmExecContext,
  target: ClusterTarget,
  req: Pick<ReleaseRequest, 'releaseNamespace' | 'releaseName' | 'options'>,
  clock: { nowMs: number; staleAfterMs: number },
  signal?: AbortSignal,
): Promise<Recovery> {
  const where = { action: 'upgrade-install' as const, cluster: target.cluster, release: `${req.releaseNamespace}/${req.releaseName}` };
  const scope = ['--namespace', req.releaseNamespace, '--kubeconfig', target.kubeconfigPath];
  const hide = { [target.kubeconfigPath]: '<kubeconfig>' };
  const { stdout } = await runHelm(ctx, { ...where, args: ['history', ...scope, '--max', '20', '--output', 'json', ...positionals({ 'release name': req.releaseName })], signal, hide });
  const recovery = stuckRecovery(parseHistoryJson(stdout), clock.nowMs, clock.staleAfterMs);
  switch (recovery.kind) {
    case 'none':
      return recovery;
    case 'rollback': {
      const historyMax = String(req.options?.upgradeOptions?.maxHistory ?? DEFAULT_HISTORY_MAX);
      const args = ['rollback', ...scope, '--history-max', historyMax, ...positionals({ 'release name': req.releaseName, revision: String(recovery.revision) })];
      await runHelm(ctx, { ...where, args, signal, hide });
      return recovery;
    }
    case 'uninstall':
      await runHelm(ctx, { ...where, args: ['uninstall', ...scope, ...positionals({ 'release name': req.releaseName })], signal, hide });
      return recovery;
    default: {
      const unreachable: never = recovery;
      throw new HelmError({ ...where, code: 'HELM_FAILED', message: `unknown recovery ${JSON.stringify(unreachable)}` });
    }
  }
}
