// Resolves the daemon's configuration from flags, GITSET_* environment variables and an optional
// YAML config file, in that order of precedence. Secrets are read from files or the environment
// only (never flags: they show in `ps`), and kept out of anything printable.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isScpLike } from '../git/location.ts';
import { parseChartRepoPatterns, type ChartRepoAllowList } from '../load/chart-repos.ts';
import { envName, OPTIONS, SECRET_ENV, type OptionKey } from './options.ts';
import { ConfigError, duration, integer, nonEmpty, oneOf, secretFrom, share, str, type OptionValues } from './config-values.ts';
import { resolveShard, type Shard } from '../select/shard.ts';
import { MIN_SHARD_KEY_LENGTH } from '../status/shard-seal.ts';
import { parsePeers } from './webhook-peers.ts';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export type LogFormat = 'auto' | 'json' | 'pretty';

export interface ListenAddress {
  host: string;
  port: number;
}

export interface DaemonConfig {
  repo: string;
  branch: string;
  path: string;
  statusDir: string;
  statusBranch: string;
  workDir: string;
  credentials: string;
  helmBinary?: string;
  probeIntervalMs: number;
  probeTimeoutMs: number;
  pollIntervalMs: number;
  failureThreshold: number;
  /** Mass-failure breaker: open when more than `share` of the probed clusters (and at least `minFailures`) fail. */
  breaker: { share: number; minFailures: number };
  helmParallelism: number;
  /** Periodic closer look at each release (drift, health once healthy); 0: none. */
  driftIntervalMs: number;
  /** Clusters observed at the same time. */
  observeParallelism: number;
  helmTimeoutMs: number;
  listen: ListenAddress;
  logLevel: LogLevel;
  logFormat: LogFormat;
  shutdownGraceMs: number;
  unreadyAfterMs: number;
  author: { name: string; email: string };
  /** Where helm charts may come from; anywhere when absent. */
  allowedChartRepos?: ChartRepoAllowList;
  /** This replica's part of the fleet (`--shard N --shards M`); 0 of 1 owns everything. */
  shard: Shard;
  shardHeartbeatMs: number;
  /**
   * With `--shard-lease-namespace`: the shard is taken at start by holding a Lease
   * (daemon/shard-lease.ts); until then `shard.index` is -1, which owns nothing.
   */
  shardLease?: { namespace: string; durationMs: number; kubeconfig?: string; identity: string };
  /** Replicas an accepted push webhook is passed on to (daemon/webhook-peers.ts), as origins. */
  webhookPeers?: readonly string[];
  /** Never logged: the logger redacts these paths, and `describeConfig` leaves them out. */
  secrets: {
    gitUsername?: string;
    gitToken?: string;
    gitPassword?: string;
    /** Absolute; read again whenever it changes (a GitHub App token lives an hour). */
    gitTokenFile?: string;
    gitPasswordFile?: string;
    webhookSecret?: string;
    /** With several shards: the key replicas seal their status with. */
    shardKey?: string;
  };
}

export { ConfigError };

export interface ConfigSources {
  /** Values given on the command line, keyed by OptionKey (commander's camelCase). */
  flags: Partial<Record<OptionKey | 'config', unknown>>;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Reads a file (config file, secret files); injectable for tests. */
  readFile?: (path: string) => string;
}

const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const LOG_FORMATS: readonly LogFormat[] = ['auto', 'json', 'pretty'];

export function resolveConfig(sources: ConfigSources): DaemonConfig {
  const readFile = sources.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const v: OptionValues = { raw: rawValues(sources, readFile), cwd: sources.cwd, env: sources.env, readFile };
  const get = (key: OptionKey): string | undefined => v.raw.get(key);
  const pathOf = (key: OptionKey): string => resolve(sources.cwd, str(v, key));
  const repo = str(v, 'repo');
  const branch = str(v, 'branch');
  const lease = shardLeaseOf(v);
  const shard = shardOf(v, repo, lease !== undefined);
  return {
    repo: looksLikeUrl(repo) ? repo : resolve(sources.cwd, repo),
    branch,
    path: str(v, 'path'),
    statusDir: relativeDir(str(v, 'statusDir'), '--status-dir'),
    statusBranch: get('statusBranch') || branch,
    workDir: pathOf('workDir'),
    credentials: pathOf('credentials'),
    helmBinary: get('helmBinary') ? pathOf('helmBinary') : undefined,
    probeIntervalMs: duration(v, 'probeInterval'),
    probeTimeoutMs: duration(v, 'probeTimeout'),
    pollIntervalMs: duration(v, 'pollInterval'),
    failureThreshold: integer(v, 'failureThreshold', 1),
    breaker: { share: share(v, 'breakerShare'), minFailures: integer(v, 'breakerMinFailures', 1) },
    helmParallelism: integer(v, 'helmParallelism', 1),
    helmTimeoutMs: duration(v, 'helmTimeout'),
    driftIntervalMs: duration(v, 'driftInterval', { zero: true }),
    observeParallelism: integer(v, 'observeParallelism', 1),
    listen: parseListen(str(v, 'listen')),
    logLevel: oneOf(v, 'logLevel', LOG_LEVELS),
    logFormat: oneOf(v, 'logFormat', LOG_FORMATS),
    shutdownGraceMs: duration(v, 'shutdownGrace'),
    unreadyAfterMs: duration(v, 'unreadyAfter'),
    author: { name: str(v, 'authorName'), email: str(v, 'authorEmail') },
    ...chartRepos(get('allowedChartRepos')),
    shard,
    shardHeartbeatMs: duration(v, 'shardHeartbeat'),
    ...(lease ? { shardLease: lease } : {}),
    ...webhookPeersOf(get('webhookPeers')),
    secrets: {
      gitUsername: get('gitUsername'),
      gitToken: secretFrom(v, 'gitTokenFile', SECRET_ENV.gitToken),
      gitPassword: secretFrom(v, 'gitPasswordFile', SECRET_ENV.gitPassword),
      ...secretFiles(v),
      webhookSecret: secretFrom(v, 'webhookSecretFile', SECRET_ENV.webhookSecret),
      ...shardKeyOf(v, shard),
    },
  };
}

/** Each option's text by precedence: flag, GITSET_* variable, config file, default. */
function rawValues(sources: ConfigSources, readFile: (path: string) => string): Map<OptionKey, string> {
  const configPath = stringOrUndefined(sources.flags.config) ?? sources.env.GITSET_CONFIG;
  const fileValues = configPath ? readConfigFile(resolve(sources.cwd, configPath), readFile) : {};
  const raw = new Map<OptionKey, string>();
  for (const spec of OPTIONS) {
    const value =
      stringOrUndefined(sources.flags[spec.key]) ?? nonEmpty(sources.env[envName(spec)]) ?? fileValues[spec.key] ?? spec.default;
    if (value !== undefined) raw.set(spec.key, value);
  }
  return raw;
}

function chartRepos(text: string | undefined): { allowedChartRepos?: ChartRepoAllowList } {
  if (text === undefined || text.trim() === '') return {};
  try {
    return { allowedChartRepos: parseChartRepoPatterns(text) };
  } catch (err) {
    throw new ConfigError('--allowed-chart-repos', (err as Error).message);
  }
}

/**
 * `--shard`/`--shards`, the shard from the host name (a StatefulSet pod's) when only `--shards` is
 * given; with `leased`, only the count (the shard is taken by Lease at start: index -1 until then).
 */
function shardOf(v: OptionValues, repo: string, leased: boolean): Shard {
  const shards = v.raw.get('shards');
  const shard = v.raw.get('shard');
  if (leased && shard !== undefined) throw new ConfigError('--shard', 'not with --shard-lease-namespace: a replica takes its shard by holding a Lease');
  // Leased, shard 0 stands in for the one to be taken, so that only the count is checked.
  const given = leased ? { shard: '0' } : shard !== undefined ? { shard } : { hostname: nonEmpty(v.env.HOSTNAME) ?? hostname() };
  const got = resolveShard({ ...(shards !== undefined ? { shards } : {}), ...given });
  if ('option' in got) throw new ConfigError(got.option, got.message);
  if (leased && got.count < 2) throw new ConfigError('--shard-lease-namespace', 'needs --shards of 2 or more');
  // Replicas meet in the remote repository's status commits; a local folder has one writer.
  if (got.count > 1 && !looksLikeUrl(repo)) throw new ConfigError('--shards', `more than one shard needs a remote --repo (an http(s) URL), not the local path ${repo}`);
  return leased ? { index: -1, count: got.count } : got;
}

function webhookPeersOf(text: string | undefined): { webhookPeers?: string[] } {
  if (text === undefined || text.trim() === '') return {};
  try {
    return { webhookPeers: parsePeers(text) };
  } catch (err) {
    throw new ConfigError('--webhook-peers', (err as Error).message);
  }
}

/** `--shard-lease-namespace` and its companions; the holder's identity is the pod's name (HOSTNAME). */
function shardLeaseOf(v: OptionValues): DaemonConfig['shardLease'] {
  const namespace = v.raw.get('shardLeaseNamespace');
  if (namespace === undefined) return undefined;
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) throw new ConfigError('--shard-lease-namespace', `"${namespace}" is not a namespace name (lower-case letters, digits and -, at most 63)`);
  const durationMs = duration(v, 'shardLeaseDuration');
  if (durationMs < 3000) throw new ConfigError('--shard-lease-duration', 'must be 3s or more: the lease is renewed every third of it');
  const kubeconfig = v.raw.get('shardLeaseKubeconfig');
  return { namespace, durationMs, identity: nonEmpty(v.env.HOSTNAME) ?? hostname(), ...(kubeconfig ? { kubeconfig: resolve(v.cwd, kubeconfig) } : {}) };
}

/** With several shards, the key every replica seals its status with: required, and long enough to be a secret. */
function shardKeyOf(v: OptionValues, shard: Shard): { shardKey?: string } {
  if (shard.count <= 1) return {};
  const key = secretFrom(v, 'shardKeyFile', SECRET_ENV.shardKey);
  if (!key) throw new ConfigError('--shard-key-file', `--shards ${shard.count} needs a key shared by every replica (a file, or GITSET_SHARD_KEY): each replica seals its status with it, so that a file pushed to the status folder by anyone else cannot drive another replica's failovers`);
  if (key.length < MIN_SHARD_KEY_LENGTH) throw new ConfigError('--shard-key-file', `the shard key has ${key.length} characters; it needs at least ${MIN_SHARD_KEY_LENGTH} (for example: openssl rand -hex 32)`);
  return { shardKey: key };
}

/** The token and password files, for the Git client to read again when they change. */
function secretFiles(v: OptionValues): { gitTokenFile?: string; gitPasswordFile?: string } {
  const token = v.raw.get('gitTokenFile');
  const password = v.raw.get('gitPasswordFile');
  return { ...(token ? { gitTokenFile: resolve(v.cwd, token) } : {}), ...(password ? { gitPasswordFile: resolve(v.cwd, password) } : {}) };
}

/** The configuration as it is safe to log: everything but the secrets, which show as present or not. */
export function describeConfig(config: DaemonConfig): Record<string, unknown> {
  const { secrets, ...rest } = config;
  return {
    ...rest,
    // A URL may carry user:token@; only the host and path are printable.
    repo: config.repo.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/i, '$1'),
    gitAuth: secrets.gitToken ? 'token' : secrets.gitPassword ? 'password' : 'none',
    webhookSecret: secrets.webhookSecret ? 'set' : 'unset',
    ...(config.allowedChartRepos ? { allowedChartRepos: config.allowedChartRepos.patterns } : {}),
  };
}

function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError('--listen', `"${text}" is not HOST:PORT (e.g. 127.0.0.1:9090)`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

/** A URL, or git's scp-like `[user@]host:path`, which is SSH and never a folder to resolve. */
function looksLikeUrl(repo: string): boolean {
  return /^(https?|git|ssh|git\+ssh|file):\/\//.test(repo) || isScpLike(repo);
}

function readConfigFile(path: string, readFile: (p: string) => string): Partial<Record<OptionKey, string>> {
  let doc: unknown;
  try {
    doc = parseYaml(readFile(path));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new ConfigError('--config', `${path}: ${reason}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError('--config', `${path}: expected a mapping of options`);
  const out: Partial<Record<OptionKey, string>> = {};
  for (const [name, value] of Object.entries(doc as Record<string, unknown>)) {
    const spec = OPTIONS.find((o) => o.key === name || o.flag === name);
    if (!spec) throw new ConfigError('--config', `${path}: unknown option "${name}"`);
    if (spec.list && Array.isArray(value) && value.every((x) => typeof x === 'string')) {
      out[spec.key] = value.join(',');
      continue;
    }
    if (value === null || typeof value === 'object') throw new ConfigError(`--${spec.flag}`, `${path}: expected a single value`);
    out[spec.key] = String(value);
  }
  return out;
}

function relativeDir(dir: string, option: string): string {
  const clean = dir.replace(/^\.\/+/, '').replace(/\/+$/, '');
  if (clean === '' || clean === '.' || isAbsolute(clean) || clean.split('/').includes('..')) {
    throw new ConfigError(option, `"${dir}" must be a folder inside the repository`);
  }
  return clean;
}

function stringOrUndefined(v: unknown): string | undefined {
  if (v === undefined || v === null || v === false) return undefined;
  return String(v);
}
