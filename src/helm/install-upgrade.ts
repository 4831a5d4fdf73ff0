// Act: install or upgrade one release (`helm upgrade --install`). Values go through a private
// temporary file that is removed whatever happens; the result is read from helm's JSON output.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterTarget, ReleaseRequest, ReleaseResult } from '../model/ports.ts';
import { parseGoDuration, replaceInstallArgs, upgradeInstallArgs, type HelmDialect } from './args.ts';
import { HelmError } from './errors.ts';
import { runHelm, type HelmExecContext } from './exec.ts';

/** Extra time our deadline allows beyond helm's own --timeout, so helm reports its timeout itself. */
const DEADLINE_GRACE_MS = 30_000;

export async function upgradeInstall(
  ctx: HelmExecContext & { dialect: HelmDialect; tmpDir: string },
  target: ClusterTarget,
  req: ReleaseRequest,
  signal?: AbortSignal,
): Promise<ReleaseResult> {
  const release = `${req.releaseNamespace}/${req.releaseName}`;
  const where = { action: 'upgrade-install' as const, cluster: target.cluster, release };
  const dir = mkdtempSync(join(ctx.tmpDir, 'values-'));
  try {
    let valuesFile: string | undefined;
    if (req.values.trim() !== '') {
      valuesFile = join(dir, 'values.yaml');
      writeFileSync(valuesFile, req.values, { mode: 0o600 });
    }
    const hide = { ...(valuesFile ? { [valuesFile]: '<values>' } : {}), [target.kubeconfigPath]: '<kubeconfig>' };
    const timeoutMs = callDeadline(ctx.timeoutMs, req.options?.timeout);
    let args: string[];
    try {
      args = upgradeInstallArgs(target, req, valuesFile, ctx.dialect);
    } catch (err) {
      throw new HelmError({ ...where, code: 'INVALID_REQUEST', message: (err as Error).message });
    }
    try {
      const { stdout } = await runHelm(ctx, { ...where, args, signal, timeoutMs, hide });
      return parseReleaseJson(stdout, where);
    } catch (err) {
      if (!(err instanceof HelmError) || !req.options?.installOptions?.replace || !/has no deployed releases/i.test(err.message)) throw err;
      // Only uninstalled revisions remain (keepHistory): installOptions.replace reuses the name.
      const replaceArgs = replaceInstallArgs(target, req, valuesFile, ctx.dialect);
      const { stdout } = await runHelm(ctx, { ...where, args: replaceArgs, signal, timeoutMs, hide });
      return parseReleaseJson(stdout, where);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The per-call deadline: the runner's default, or helm's own --timeout plus grace when longer. */
export function callDeadline(defaultMs: number, helmTimeout: string | undefined): number {
  const helmMs = helmTimeout ? parseGoDuration(helmTimeout) : undefined;
  return helmMs !== undefined && helmMs + DEADLINE_GRACE_MS > defaultMs ? helmMs + DEADLINE_GRACE_MS : defaultMs;
}

interface ReleaseJson {
  version?: unknown;
  info?: { status?: unknown };
  chart?: { metadata?: { version?: unknown } };
}

/** Reads revision, status and chart version from `helm upgrade -o json`; ignores values and manifest. */
export function parseReleaseJson(stdout: string, where: { action: 'upgrade-install'; cluster: string; release: string }): ReleaseResult {
  let parsed: ReleaseJson;
  try {
    // helm may print notices before the JSON document; the release object starts at the first `{`.
    parsed = JSON.parse(stdout.slice(Math.max(0, stdout.indexOf('{')))) as ReleaseJson;
  } catch {
    throw new HelmError({ ...where, code: 'HELM_FAILED', message: 'helm succeeded but its output was not the expected JSON release' });
  }
  const revision = typeof parsed.version === 'number' ? parsed.version : Number(parsed.version);
  const status = typeof parsed.info?.status === 'string' ? parsed.info.status : 'unknown';
  const chartVersion = parsed.chart?.metadata?.version;
  return {
    revision: Number.isFinite(revision) ? revision : 0,
    status,
    ...(typeof chartVersion === 'string' ? { chartVersion } : {}),
  };
}
