// Kubeconfig exec credential plugins (`aws eks get-token`, `gke-gcloud-auth-plugin`, `kubelogin`):
// run as client-go runs them (argv, never a shell; KUBERNETES_EXEC_INFO in the environment) but
// bounded in time and output, without a terminal, and with what they print kept out of status
// and logs. The credential is held until its expirationTimestamp or until the server refuses it.
import { basename, isAbsolute } from 'node:path';
import { execa } from 'execa';
import { ExecPluginError } from './errors.ts';
import type { ExecClusterInfo, ExecPluginConfig } from './kubeconfig-exec.ts';

export interface ExecRuntime {
  /** The plugin's environment before the kubeconfig's `env` (see pluginEnvironment). */
  env: Readonly<Record<string, string>>;
  /** A plugin still running after this is stopped. */
  timeoutMs: number;
  /** Wall clock (epoch ms), compared with expirationTimestamp. */
  now(): number;
  /** A failing plugin's stderr, for the operator's log only: it may say anything. */
  onFailure?(fields: { field: string; command: string; exitCode?: number; stderr: string }): void;
}

export const DEFAULT_EXEC_TIMEOUT_MS = 60_000;
/** An ExecCredential is a few KB; a plugin printing more is broken. */
const MAX_OUTPUT_BYTES = 1024 * 1024;

export interface ExecCredential {
  token?: string;
  clientCertificate?: { cert: string; key: string };
  /** Epoch ms; absent: good until the server refuses it. */
  expiresAt?: number;
}

export interface CredentialSource {
  /** The credential to present; runs the plugin when none is held or it expired. One run at a time. */
  current(): Promise<ExecCredential>;
  /** The server answered 401 to `used`: the next `current()` runs the plugin again. */
  refused(used: ExecCredential): void;
}

export function execCredentialSource(config: ExecPluginConfig, cluster: ExecClusterInfo | undefined, runtime: ExecRuntime): CredentialSource {
  let held: ExecCredential | undefined;
  let running: Promise<ExecCredential> | undefined;
  return {
    current() {
      if (held && (held.expiresAt === undefined || runtime.now() < held.expiresAt)) return Promise.resolve(held);
      running ??= runExecPlugin(config, cluster, runtime)
        .then((credential) => (held = credential))
        .finally(() => (running = undefined));
      return running;
    },
    refused(used) {
      if (held === used) held = undefined;
    },
  };
}

/** The command as messages show it: its name, never the host's layout. */
function shownCommand(command: string): string {
  return isAbsolute(command) || command.includes('/') ? basename(command) : command;
}

export async function runExecPlugin(config: ExecPluginConfig, cluster: ExecClusterInfo | undefined, runtime: ExecRuntime): Promise<ExecCredential> {
  const name = shownCommand(config.command);
  const fail = (code: ExecPluginError['code'], why: string) => new ExecPluginError(code, `${config.field}: plugin "${name}" ${why}`);
  // gitset has no terminal: the plugin is told so, and reads end-of-file if it asks anyway.
  const info = { apiVersion: config.apiVersion, kind: 'ExecCredential', spec: { interactive: false, ...(config.provideClusterInfo && cluster ? { cluster } : {}) } };
  const env: Record<string, string> = { ...runtime.env };
  for (const { name: key, value } of config.env) env[key] = value;
  env['KUBERNETES_EXEC_INFO'] = JSON.stringify(info);
  const result = await execa(config.command, config.args, {
    env, extendEnv: false, shell: false, stdin: 'ignore', reject: false, timeout: runtime.timeoutMs,
    forceKillAfterDelay: 2000, maxBuffer: MAX_OUTPUT_BYTES, stripFinalNewline: false, encoding: 'utf8',
  });
  if (!result.failed) return parseExecCredential(result.stdout, config, fail);

  const spawnCode = (result.cause as NodeJS.ErrnoException | undefined)?.code;
  if (spawnCode === 'ENOENT') {
    const hint = config.installHint ? `; ${config.installHint.trim().split('\n')[0]!.slice(0, 200)}` : '';
    throw fail('exec-not-found', `not found (${config.field}.command)${hint}`);
  }
  if (spawnCode === 'EACCES') throw fail('exec-not-found', `is not executable (${config.field}.command)`);
  if (result.timedOut) throw fail('exec-timeout', `did not answer within ${runtime.timeoutMs < 1000 ? `${runtime.timeoutMs}ms` : `${Math.round(runtime.timeoutMs / 1000)}s`} and was stopped`);
  if (result.isMaxBuffer) throw fail('exec-output-invalid', `printed more than ${MAX_OUTPUT_BYTES} bytes`);
  runtime.onFailure?.({ field: config.field, command: name, ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}), stderr: String(result.stderr).slice(0, 2000) });
  const how = result.exitCode !== undefined ? `exited with code ${result.exitCode}` : `was killed (${result.signal ?? 'signal'})`;
  const interactive = config.interactiveMode !== 'Never' ? '; if it needs a person to log in, give it a credential that works unattended (gitset runs plugins without a terminal)' : '';
  throw fail('exec-failed', `${how}${interactive}`);
}

type Fail = (code: ExecPluginError['code'], why: string) => ExecPluginError;

/** The plugin's stdout: an ExecCredential of the kubeconfig's apiVersion with a token or a client certificate. */
export function parseExecCredential(stdout: string, config: ExecPluginConfig, fail: Fail): ExecCredential {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw fail('exec-output-invalid', 'did not print an ExecCredential (not JSON)');
  }
  const o = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
  if (o['kind'] !== 'ExecCredential') throw fail('exec-output-invalid', 'did not print an ExecCredential (kind)');
  if (o['apiVersion'] !== config.apiVersion) {
    const got = typeof o['apiVersion'] === 'string' ? o['apiVersion'].slice(0, 80) : 'no apiVersion';
    throw fail('exec-output-invalid', `answered ${got}, but ${config.field}.apiVersion asks for ${config.apiVersion}`);
  }
  const status = (typeof o['status'] === 'object' && o['status'] !== null ? o['status'] : undefined) as Record<string, unknown> | undefined;
  if (!status) throw fail('exec-output-invalid', 'answered an ExecCredential without status');
  const credential: ExecCredential = {};
  if (typeof status['token'] === 'string' && status['token'] !== '') credential.token = status['token'];
  const cert = status['clientCertificateData'];
  const key = status['clientKeyData'];
  if (typeof cert === 'string' && cert !== '' && typeof key === 'string' && key !== '') credential.clientCertificate = { cert, key };
  else if (cert || key) throw fail('exec-output-invalid', 'answered a client certificate without its key, or a key without its certificate');
  if (!credential.token && !credential.clientCertificate) throw fail('exec-output-invalid', 'answered neither a token nor a client certificate');
  const expiry = status['expirationTimestamp'];
  if (expiry !== undefined && expiry !== null && expiry !== '') {
    const at = typeof expiry === 'string' ? Date.parse(expiry) : NaN;
    if (Number.isNaN(at)) throw fail('exec-output-invalid', 'answered an expirationTimestamp that is not an RFC 3339 time');
    credential.expiresAt = at;
  }
  return credential;
}
