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
  // helm runs in a process group of its own (detached), so that a deadline or an abort ends it
  // and whatever it started (credential plugins, a post-renderer), not only the helm process.
  const subprocess = execa(ctx.helmPath, call.args, {
    env: ctx.env,
    extendEnv: false,
    detached: true,
    stdin: 'ignore',
    reject: false,
    stripFinalNewline: true,
    maxBuffer: 64 * 1024 * 1024,
  });
  const stop = stopGroupOn(subprocess.pid, timeoutMs, call.signal);
  const result = await subprocess.finally(() => stop.clear());
  if (!result.failed) return { stdout: result.stdout, tolerated: false };

  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  if (stop.why === 'timeout') {
    throw new HelmError({ ...where, code: 'HELM_TIMEOUT', message: `helm ${call.action} did not finish within ${Math.round(timeoutMs / 1000)}s and was stopped` });
  }
  if (stop.why === 'abort') throw new HelmError({ ...where, code: 'HELM_ABORTED', message: `helm ${call.action} was aborted` });
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

/** How long helm has between SIGTERM and SIGKILL once stopped. */
const KILL_AFTER_MS = 5000;

/**
 * Ends helm's whole process group at the deadline or on abort: SIGTERM, then SIGKILL after
 * KILL_AFTER_MS. `why` says which ended it; `clear` disarms both once helm has exited.
 */
export function stopGroupOn(pid: number | undefined, timeoutMs: number, signal: AbortSignal | undefined): { readonly why: 'timeout' | 'abort' | undefined; clear(): void } {
  let why: 'timeout' | 'abort' | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const kill = (reason: 'timeout' | 'abort'): void => {
    if (why) return;
    why = reason;
    signalGroup(pid, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), KILL_AFTER_MS);
  };
  const deadline = setTimeout(() => kill('timeout'), timeoutMs);
  const onAbort = (): void => kill('abort');
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    get why() {
      return why;
    },
    clear() {
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      // The group may outlive helm itself (a child it left behind): give it the same end.
      if (why && killTimer) {
        clearTimeout(killTimer);
        signalGroup(pid, 'SIGKILL');
      }
    },
  };
}

function signalGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, sig);
  } catch {
    // the group is gone already
  }
}
