// The HelmRunner the daemon receives: the real helm CLI, one process per action, each logged
// with cluster, release, action, duration and outcome (never values or credentials).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { ClusterTarget, HelmRunner, ReleaseRequest, ReleaseResult } from '../model/ports.ts';
import type { HelmDialect } from './args.ts';
import { helmVersion } from './binary.ts';
import { HelmError, type HelmAction } from './errors.ts';
import { helmEnvironment, type HelmExecContext } from './exec.ts';
import { upgradeInstall } from './install-upgrade.ts';
import { uninstall } from './uninstall.ts';

const DEFAULT_HELM_TIMEOUT_MS = 5 * 60_000;

export interface HelmRunnerOptions {
  /** From resolveHelm(). */
  helmPath: string;
  /** Private directory for helm's cache/config/data homes and values files. */
  workDir: string;
  /** Deadline of one helm call (default 5 min); helm's own `options.timeout` extends it. */
  timeoutMs?: number;
  logger?: Logger;
  /** Environment to pick the passed-through variables from (default: process.env at creation). */
  env?: NodeJS.ProcessEnv;
  /** Names of parent variables helm sees (default DEFAULT_PASS_ENV: PATH, HOME, proxies, TLS). */
  passEnv?: readonly string[];
  /** Flag spelling; detected from `helm version` on first use when not given. */
  dialect?: HelmDialect;
  /** Epoch milliseconds (default Date.now): judges how long a release has been stuck pending. */
  now?: () => number;
  /** Age after which a pending release is taken over (default: the call deadline + 1 min). */
  stalePendingMs?: number;
  /** The credentials folder: registry configs, CAs and keyrings named by helmCharts entries. */
  credentialsDir?: string;
}

export function createHelmRunner(opts: HelmRunnerOptions): HelmRunner {
  const tmpDir = join(opts.workDir, 'tmp');
  mkdirSync(tmpDir, { recursive: true, mode: 0o700 });
  const ctx: HelmExecContext = {
    helmPath: opts.helmPath,
    env: helmEnvironment(opts.workDir, opts.env ?? process.env, opts.passEnv),
    timeoutMs: opts.timeoutMs ?? DEFAULT_HELM_TIMEOUT_MS,
  };
  const log = opts.logger;
  const now = opts.now ?? Date.now;
  let dialect: Promise<HelmDialect> | undefined = opts.dialect ? Promise.resolve(opts.dialect) : undefined;

  const getDialect = (): Promise<HelmDialect> => {
    dialect ??= detectDialect(ctx.helmPath).catch((err: unknown) => {
      dialect = undefined; // try again next call, e.g. once the binary is there
      throw err;
    });
    return dialect;
  };

  async function timed<T>(action: HelmAction, fields: Record<string, unknown>, run: () => Promise<T>, describe: (r: T) => Record<string, unknown>): Promise<T> {
    const started = performance.now();
    try {
      const result = await run();
      log?.info({ ...fields, action, durationMs: Math.round(performance.now() - started), outcome: 'ok', ...describe(result) }, `helm ${action}`);
      return result;
    } catch (err) {
      const code = err instanceof HelmError ? err.code : 'HELM_FAILED';
      const error = err instanceof HelmError ? err.message : 'unexpected failure';
      log?.warn({ ...fields, action, durationMs: Math.round(performance.now() - started), outcome: 'failed', code, error }, `helm ${action} failed`);
      throw err;
    }
  }

  return {
    async upgradeInstall(target: ClusterTarget, release: ReleaseRequest, signal?: AbortSignal): Promise<ReleaseResult> {
      const fields = { cluster: target.cluster, namespace: release.releaseNamespace, release: release.releaseName, chart: release.chartName, chartVersion: release.chartVersion };
      return timed('upgrade-install', fields, async () => {
        const d = await getDialect();
        const onRecovery = (reason: string): void => log?.warn({ ...fields, action: 'recover' }, `helm release recovered: ${reason}`);
        return upgradeInstall({ ...ctx, dialect: d, tmpDir, now, stalePendingMs: opts.stalePendingMs, onRecovery, credentialsDir: opts.credentialsDir }, target, release, signal);
      }, (r) => ({ revision: r.revision, status: r.status }));
    },

    async uninstall(target, release, signal): Promise<void> {
      const fields = { cluster: target.cluster, namespace: release.releaseNamespace, release: release.releaseName };
      await timed('uninstall', fields, async () => {
        const d = await getDialect();
        return uninstall({ ...ctx, dialect: d }, target, release, signal);
      }, (r) => ({ removed: r.removed }));
    },
  };
}

async function detectDialect(helmPath: string): Promise<HelmDialect> {
  let version: string;
  try {
    version = await helmVersion(helmPath);
  } catch (err) {
    throw new HelmError({ action: 'version', code: 'HELM_NOT_FOUND', message: `cannot run ${helmPath} version: ${(err as Error).message.split('\n')[0]}`, cause: err });
  }
  return /^v?3\./.test(version) ? 'v3' : 'v4';
}
