// One helm process: argument array (never a shell), an explicit environment with helm's
// state isolated under the runner's work directory, a deadline, an AbortSignal, and failures
// turned into HelmError with a scrubbed message.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { ClusterKey } from '../model/objects.ts';
import { PLUGIN_PASS_ENV, pluginEnvironment } from '../probe/plugin-env.ts';
import { classifyStderr, HelmError, stderrSummary, type HelmAction } from './errors.ts';

/**
 * Variables helm (or a kubeconfig exec credential plugin) may need from the parent; besides these,
 * the cloud SDKs' own (AWS_*, AZURE_*, GOOGLE_*, …) pass, as they do to the prober's plugins.
 */
export const DEFAULT_PASS_ENV: readonly string[] = PLUGIN_PASS_ENV;

export interface HelmExecContext {
  helmPath: string;
  env: Readonly<Record<string, string>>;
  timeoutMs: number;
}

/**
 * The environment of every helm call: chosen parent variables plus HELM_*_HOME under
 * `workDir`, so repository caches and registry logins never mix with the user's own helm.
 */
export function helmEnvironment(workDir: string, parent: NodeJS.ProcessEnv, passEnv: readonly string[] = DEFAULT_PASS_ENV): Record<string, string> {
  const env = pluginEnvironment(parent, passEnv);
  // KUBECACHEDIR: helm's Kubernetes client caches discovery under $HOME/.kube/cache, or under
  // the working directory when HOME is unset (a bare service environment); keep it ours too.
  const homes = { HELM_CACHE_HOME: 'cache', HELM_CONFIG_HOME: 'config', HELM_DATA_HOME: 'data', KUBECACHEDIR: 'kube-cache' } as const;
  for (const [name, dir] of Object.entries(homes)) {
    const path = join(workDir, 'helm', dir);
    mkdirSync(path, { recursive: true, mode: 0o700 });
    env[name] = path;
  }
  // Table output and colour codes are never wanted; JSON output is asked for explicitly.
  env.NO_COLOR = '1';
  return env;
}

export interface HelmCall {
  action: HelmAction;
  cluster?: ClusterKey;
  /** `namespace/name`, for errors. */
  release?: string;
  args: string[];
  signal?: AbortSignal;
  /** Overrides the context's deadline for this call. */
  timeoutMs?: number;
  /** Literal strings to replace in error messages (temp file paths and the like). */
  hide?: Readonly<Record<string, string>>;
  /** A failure whose stderr matches counts as success (e.g. uninstalling what is gone). */
  tolerate?: RegExp;
}

export interface HelmOutput {
  stdout: string;
  /** True when helm failed in a way `tolerate` accepted. */
  tolerated: boolean;
}

export async function runHelm(ctx: HelmExecContext, call: HelmCall): Promise<HelmOutput> {
  const where = { action: call.action, cluster: call.cluster, release: call.release };
  if (call.signal?.aborted) throw new HelmError({ ...where, code: 'HELM_ABORTED', message: 'aborted before helm started' });
  const timeoutMs = call.timeoutMs ?? ctx.timeoutMs;
  const result = await execa(ctx.helmPath, call.args, {
    env: ctx.env,
    extendEnv: false,
    timeout: timeoutMs,
    cancelSignal: call.signal,
    forceKillAfterDelay: 5000,
    stdin: 'ignore',
    reject: false,
    stripFinalNewline: true,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (!result.failed) return { stdout: result.stdout, tolerated: false };

  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  if (result.timedOut) {
    throw new HelmError({ ...where, code: 'HELM_TIMEOUT', message: `helm ${call.action} did not finish within ${Math.round(timeoutMs / 1000)}s and was stopped` });
  }
  if (result.isCanceled) throw new HelmError({ ...where, code: 'HELM_ABORTED', message: `helm ${call.action} was aborted` });
  const spawnCode = (result.cause as NodeJS.ErrnoException | undefined)?.code;
  if (spawnCode === 'ENOENT' || spawnCode === 'EACCES') {
    throw new HelmError({ ...where, code: 'HELM_NOT_FOUND', message: `cannot run helm at ${ctx.helmPath} (${spawnCode})` });
  }
  if (call.tolerate?.test(stderr)) return { stdout: result.stdout, tolerated: true };
  throw new HelmError({
    ...where,
    code: classifyStderr(stderr),
    message: stderrSummary(stderr, call.hide),
    exitCode: result.exitCode,
  });
}
