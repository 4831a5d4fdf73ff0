// The `exec` section of a kubeconfig user: which credential plugin to run and how, checked the
// way client-go checks it, with every refusal naming the field (`users[0].user.exec.apiVersion`).
// Pure: what running the plugin needs is in the result; exec-plugin.ts runs it.
import { isAbsolute, join, sep } from 'node:path';
import { KubeconfigError } from './errors.ts';
import { isMap, stringField, type YamlMap } from './kubeconfig-select.ts';

export const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const;
export type ExecApiVersion = (typeof EXEC_API_VERSIONS)[number];

export type InteractiveMode = 'Never' | 'IfAvailable' | 'Always';
const INTERACTIVE_MODES: readonly InteractiveMode[] = ['Never', 'IfAvailable', 'Always'];

/** `spec.cluster` of KUBERNETES_EXEC_INFO, as client-go writes it (`provideClusterInfo: true`). */
export interface ExecClusterInfo {
  server: string;
  'tls-server-name'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'certificate-authority-data'?: string;
  'proxy-url'?: string;
  'disable-compression'?: boolean;
  config?: unknown;
}

export interface ExecPluginConfig {
  /** Where the section is, for messages: `users[0].user.exec`. */
  field: string;
  apiVersion: ExecApiVersion;
  /** A bare name is looked up on PATH; a relative path with a separator is the kubeconfig folder's. */
  command: string;
  args: string[];
  env: Array<{ name: string; value: string }>;
  interactiveMode: InteractiveMode;
  installHint?: string;
  provideClusterInfo: boolean;
}

/** Reads `user.exec`. Throws `KubeconfigError` (`unsupported-auth`, `exec-config-invalid`). */
export function parseExecConfig(exec: unknown, field: string, baseDir: string): ExecPluginConfig {
  const invalid = (sub: string, why: string) => new KubeconfigError('exec-config-invalid', `${field}${sub}: ${why}`);
  if (!isMap(exec)) throw invalid('', 'must be a mapping');
  const apiVersion = stringField(exec, 'apiVersion') ?? '';
  if (!(EXEC_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    const got = apiVersion === '' ? 'is missing' : `${apiVersion} is not supported`;
    throw new KubeconfigError('unsupported-auth', `${field}.apiVersion: ${got} (gitset speaks ${EXEC_API_VERSIONS.join(' and ')})`);
  }
  const command = stringField(exec, 'command') ?? '';
  if (command.trim() === '') throw invalid('.command', 'is missing');
  if (command.includes('\0')) throw invalid('.command', 'is not a valid path');
  const config: ExecPluginConfig = {
    field,
    apiVersion: apiVersion as ExecApiVersion,
    command: command.includes(sep) && !isAbsolute(command) ? join(baseDir, command) : command,
    args: stringList(exec, 'args', invalid),
    env: envList(exec, invalid),
    interactiveMode: interactiveModeOf(exec, apiVersion as ExecApiVersion, invalid),
    provideClusterInfo: exec['provideClusterInfo'] === true,
  };
  const hint = stringField(exec, 'installHint');
  if (hint) config.installHint = hint;
  return config;
}

type Invalid = (sub: string, why: string) => KubeconfigError;

function stringList(exec: YamlMap, name: string, invalid: Invalid): string[] {
  const value = exec[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((a) => typeof a !== 'string' && typeof a !== 'number' && typeof a !== 'boolean')) {
    throw invalid(`.${name}`, 'must be a list of strings');
  }
  return value.map(String);
}

function envList(exec: YamlMap, invalid: Invalid): Array<{ name: string; value: string }> {
  const value = exec['env'];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid('.env', 'must be a list of {name, value}');
  return value.map((item: unknown, i) => {
    const name = isMap(item) ? stringField(item, 'name') : undefined;
    if (!isMap(item) || !name || /[=\0]/.test(name)) throw invalid(`.env[${i}]`, 'must have a name (without "=") and a value');
    const raw = item['value'];
    return { name, value: raw === undefined || raw === null ? '' : String(raw) };
  });
}

/** v1 requires the field (client-go refuses the kubeconfig without it); v1beta1 defaults to IfAvailable. */
function interactiveModeOf(exec: YamlMap, apiVersion: ExecApiVersion, invalid: Invalid): InteractiveMode {
  const mode = exec['interactiveMode'];
  if (mode === undefined || mode === null || mode === '') {
    if (apiVersion === 'client.authentication.k8s.io/v1') throw invalid('.interactiveMode', `is required by ${apiVersion} (use Never)`);
    return 'IfAvailable';
  }
  if (!(INTERACTIVE_MODES as readonly unknown[]).includes(mode)) {
    throw invalid('.interactiveMode', `must be one of ${INTERACTIVE_MODES.join(', ')}`);
  }
  return mode as InteractiveMode;
}

/** What `provideClusterInfo` hands the plugin: the cluster entry, CA as base64 bytes, the exec extension. */
export function execClusterInfo(cluster: YamlMap, server: URL, ca: string | undefined): ExecClusterInfo {
  const info: ExecClusterInfo = { server: stringField(cluster, 'server') ?? server.href };
  const tlsServerName = stringField(cluster, 'tls-server-name');
  if (tlsServerName) info['tls-server-name'] = tlsServerName;
  if (cluster['insecure-skip-tls-verify'] === true) info['insecure-skip-tls-verify'] = true;
  if (ca !== undefined) info['certificate-authority-data'] = Buffer.from(ca).toString('base64');
  const proxy = stringField(cluster, 'proxy-url');
  if (proxy) info['proxy-url'] = proxy;
  if (cluster['disable-compression'] === true) info['disable-compression'] = true;
  const extensions = cluster['extensions'];
  if (Array.isArray(extensions)) {
    const ours = extensions.find((e: unknown) => isMap(e) && e['name'] === 'client.authentication.k8s.io/exec');
    if (isMap(ours) && ours['extension'] !== undefined) info.config = ours['extension'];
  }
  return info;
}
