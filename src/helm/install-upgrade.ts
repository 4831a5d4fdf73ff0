// Act: install or upgrade one release (`helm upgrade --install`). Values go through a private
// temporary file that is removed whatever happens; the result is read from helm's JSON output.
// A release locked by a helm that died long ago is recovered first (recover.ts), then retried.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ClusterTarget, ReleaseRequest, ReleaseResult } from '../model/ports.ts';
import { parseDuration } from '../model/duration.ts';
import { replaceInstallArgs, testArgs, upgradeInstallArgs, type CallFiles, type HelmDialect, type PostRenderArgs } from './args.ts';
import { CredentialsError } from '../probe/errors.ts';
import { locateSecretFile } from '../probe/secret-files.ts';
import { HelmError } from './errors.ts';
import { runHelm, type HelmExecContext } from './exec.ts';
import { installPostRenderer } from './post-render-plugin.ts';
import { failureFile, type PostRenderRequest } from './post-render.ts';
import { recoverStuckRelease } from './recover.ts';

/** Extra time our deadline allows beyond helm's own --timeout, so helm reports its timeout itself. */
const DEADLINE_GRACE_MS = 30_000;

export interface UpgradeInstallContext extends HelmExecContext {
  dialect: HelmDialect;
  tmpDir: string;
  /** Epoch milliseconds, for judging how long a release has been pending. */
  now: () => number;
  /** A pending revision older than this is no helm of ours any more (default: the call deadline + 1 min). */
  stalePendingMs?: number;
  /** Told what was done about a stuck release, for the log. */
  onRecovery?: (reason: string) => void;
  /** gitset's own helm plugins folder (default: beside helm's data home); never the user's HELM_PLUGINS. */
  pluginsDir?: string;
  /** The credentials folder: registry configs, CAs and keyrings a release's chartAccess names. */
  credentialsDir?: string;
}

export async function upgradeInstall(
  ctx: UpgradeInstallContext,
  target: ClusterTarget,
  req: ReleaseRequest,
  signal?: AbortSignal,
): Promise<ReleaseResult> {
  const release = `${req.releaseNamespace}/${req.releaseName}`;
  const where = { action: 'upgrade-install' as const, cluster: target.cluster, release };
  const dir = mkdtempSync(join(ctx.tmpDir, 'values-'));
  try {
    const { valuesFile, files, hide } = callFiles(ctx, target, req, dir, where);
    const timeoutMs = callDeadline(ctx.timeoutMs, req.options?.timeout);
    let args: string[];
    let post: { args: PostRenderArgs; env: Record<string, string> } | undefined;
    try {
      post = postRenderer(ctx, req, dir);
      args = upgradeInstallArgs(target, req, valuesFile, ctx.dialect, post?.args, files);
    } catch (err) {
      throw new HelmError({ ...where, code: 'INVALID_REQUEST', message: (err as Error).message });
    }
    const exec = post ? { ...ctx, env: post.env } : ctx;
    const apply = async (a: string[]): Promise<ReleaseResult> =>
      parseReleaseJson((await runHelm(exec, { ...where, args: a, signal, timeoutMs, hide })).stdout, where);
    const run = async (a: string[]): Promise<ReleaseResult> => {
      const result = await apply(a);
      if (req.options?.runTests && result.status === 'deployed') await runTests(ctx, target, req, { timeoutMs, hide }, signal);
      return result;
    };
    try {
      return await run(args);
    } catch (err) {
      if (!(err instanceof HelmError)) throw err;
      const postRenderFailure = post ? readFailure(failureFile(post.args.requestFile)) : undefined;
      if (postRenderFailure !== undefined) throw new HelmError({ ...where, code: 'INVALID_REQUEST', message: `post-renderer: ${postRenderFailure}`, exitCode: err.exitCode });
      if (err.code === 'RELEASE_LOCKED') {
        const staleAfterMs = ctx.stalePendingMs ?? timeoutMs + 60_000;
        const recovery = await recoverStuckRelease(ctx, target, req, { nowMs: ctx.now(), staleAfterMs }, signal);
        if (recovery.kind === 'none') {
          throw new HelmError({ ...where, code: 'RELEASE_LOCKED', message: `${err.message} (${recovery.reason})`, exitCode: err.exitCode });
        }
        ctx.onRecovery?.(recovery.reason);
        return await run(args);
      }
      if (req.options?.installOptions?.replace !== false && /has no deployed releases/i.test(err.message)) {
        // helm 3 leaves only uninstalled revisions (keepHistory) unupgradable; replace (Sveltos'
        // default) reuses the name.
        return await run(replaceInstallArgs(target, req, valuesFile, ctx.dialect, post?.args, files));
      }
      throw err;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The call's private files: `values` and valuesFrom's texts written into `dir` (mode 0600), the
 * credentials folder's files located; and how error messages show each path instead.
 */
function callFiles(ctx: UpgradeInstallContext, target: ClusterTarget, req: ReleaseRequest, dir: string, where: Where): { valuesFile?: string; files: CallFiles; hide: Record<string, string> } {
  let valuesFile: string | undefined;
  if (req.values.trim() !== '') {
    valuesFile = join(dir, 'values.yaml');
    writeFileSync(valuesFile, req.values, { mode: 0o600 });
  }
  const files: CallFiles = { ...valuesFromFiles(req, dir), ...accessFiles(ctx, req, where) };
  const hide: Record<string, string> = { ...(valuesFile ? { [valuesFile]: '<values>' } : {}), [target.kubeconfigPath]: '<kubeconfig>' };
  files.valuesFrom?.forEach((f, i) => (hide[f] = `<valuesFrom ${i}>`));
  for (const [k, f] of [['registry config', files.registryConfig], ['CA file', files.caFile], ['keyring', files.keyring]] as const) if (f) hide[f] = `<${k}>`;
  return { ...(valuesFile ? { valuesFile } : {}), files, hide };
}

type Where = { action: 'upgrade-install'; cluster: string; release: string };

/** valuesFrom's texts, each in a private file of the call's folder, in merge order. */
function valuesFromFiles(req: ReleaseRequest, dir: string): Pick<CallFiles, 'valuesFrom'> {
  if (!req.valuesFrom || req.valuesFrom.length === 0) return {};
  const valuesFrom = req.valuesFrom.map((text, i) => {
    const file = join(dir, `values-from-${i}.yaml`);
    writeFileSync(file, text, { mode: 0o600 });
    return file;
  });
  return { valuesFrom };
}

/** The credentials folder's files the request's chartAccess names; a missing one fails this release. */
function accessFiles(ctx: UpgradeInstallContext, req: ReleaseRequest, where: Where): Omit<CallFiles, 'valuesFrom'> {
  const a = req.chartAccess;
  if (!a || (!a.credentials && !a.ca && !a.keyring)) return {};
  try {
    if (ctx.credentialsDir === undefined) throw new CredentialsError('secret-file-not-found', 'no credentials folder is configured for helm');
    const locate = (ref: typeof a.ca): string | undefined => (ref ? locateSecretFile(ctx.credentialsDir!, ref) : undefined);
    const [registryConfig, caFile, keyring] = [locate(a.credentials), locate(a.ca), locate(a.keyring)];
    return { ...(registryConfig ? { registryConfig } : {}), ...(caFile ? { caFile } : {}), ...(keyring ? { keyring } : {}) };
  } catch (err) {
    if (!(err instanceof CredentialsError)) throw err;
    throw new HelmError({ ...where, code: err.code === 'path-escape' ? 'INVALID_REQUEST' : 'CREDENTIALS_NOT_FOUND', message: err.message });
  }
}

/**
 * options.runTests: `helm test` right after the release was applied, as Sveltos runs it; a failing
 * test fails the call (TESTS_FAILED), so the release is recorded Failed with helm's reason and
 * retried with backoff like any failure, running its tests again.
 */
async function runTests(ctx: HelmExecContext, target: ClusterTarget, req: ReleaseRequest, call: { timeoutMs: number; hide: Record<string, string> }, signal?: AbortSignal): Promise<void> {
  const where = { action: 'test' as const, cluster: target.cluster, release: `${req.releaseNamespace}/${req.releaseName}` };
  try {
    await runHelm(ctx, { ...where, args: testArgs(target, req), signal, ...call });
  } catch (err) {
    if (!(err instanceof HelmError) || err.code !== 'HELM_FAILED') throw err;
    throw new HelmError({ ...where, code: 'TESTS_FAILED', message: `helm test failed: ${err.message}`, ...(err.exitCode !== undefined ? { exitCode: err.exitCode } : {}) });
  }
}

/**
 * For a release with drift exclusions, patches or the reloader: gitset's post-renderer plugin, its
 * request in the call's private folder (patch text may come from a Secret: never on argv), and
 * helm's environment pointing at gitset's plugins folder. Undefined otherwise.
 */
function postRenderer(ctx: UpgradeInstallContext, req: ReleaseRequest, dir: string): { args: PostRenderArgs; env: Record<string, string> } | undefined {
  const exclusions = req.driftExclusions ?? [];
  const patches = req.patches ?? [];
  if (exclusions.length === 0 && patches.length === 0 && req.reloader !== true) return undefined;
  const pluginsDir = resolve(ctx.pluginsDir ?? join(ctx.env['HELM_DATA_HOME'] ?? ctx.tmpDir, 'gitset-plugins'));
  const installed = installPostRenderer(pluginsDir, ctx.dialect);
  const requestFile = resolve(dir, 'post-render.json');
  const request: PostRenderRequest = {
    namespace: req.releaseNamespace,
    exclusions: [...exclusions],
    ...(patches.length > 0 ? { patches: [...patches] } : {}),
    ...(req.reloader === true ? { reloader: true } : {}),
  };
  writeFileSync(requestFile, JSON.stringify(request), { mode: 0o600 });
  return { args: { renderer: installed.renderer, requestFile }, env: { ...ctx.env, HELM_PLUGINS: pluginsDir } };
}

/** Why gitset's post-renderer failed (helm 4 keeps a plugin's stderr to itself), if it did. */
function readFailure(path: string): string | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text.length > 500 ? `${text.slice(0, 499)}…` : text;
  } catch {
    return undefined;
  }
}

/** The per-call deadline: the runner's default, or helm's own --timeout plus grace when longer. */
export function callDeadline(defaultMs: number, helmTimeout: string | undefined): number {
  const helmMs = helmTimeout ? parseDuration(helmTimeout) : undefined;
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
