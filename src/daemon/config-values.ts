// Reading one option's text as its kind (required text, duration, integer, share, one of a list,
// a secret from a file or the environment), with errors that name the option's flag.
import { resolve } from 'node:path';
import { parseDuration } from '../model/duration.ts';
import { OPTIONS, type OptionKey } from './options.ts';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  constructor(
    /** The option concerned, as its flag: `--probe-interval`. */
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`);
  }
}

/** The options' texts and what reading them as their kind needs. */
export interface OptionValues {
  raw: Map<OptionKey, string>;
  cwd: string;
  env: NodeJS.ProcessEnv;
  readFile: (path: string) => string;
}

export function flagOf(key: OptionKey): string {
  return `--${OPTIONS.find((o) => o.key === key)!.flag}`;
}

export function str(v: OptionValues, key: OptionKey): string {
  const text = v.raw.get(key);
  if (text === undefined || text === '') throw new ConfigError(flagOf(key), 'is required');
  return text;
}

export function duration(v: OptionValues, key: OptionKey, allow: { zero?: boolean } = {}): number {
  const text = str(v, key);
  const ms = parseDuration(text);
  if (ms === undefined || ms < 0 || (ms === 0 && !allow.zero)) throw new ConfigError(flagOf(key), `"${text}" is not a duration (use e.g. 500ms, 10s, 1m)`);
  return ms;
}

export function integer(v: OptionValues, key: OptionKey, min: number): number {
  const text = str(v, key);
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(flagOf(key), `"${text}" is not an integer >= ${min}`);
  return n;
}

export function share(v: OptionValues, key: OptionKey): number {
  const text = str(v, key).trim();
  const n = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
  if (text === '' || !Number.isFinite(n) || n < 0 || n >= 1) throw new ConfigError(flagOf(key), `"${text}" is not a share in [0, 1) such as 0.5 or 50%`);
  return n;
}

export function oneOf<T extends string>(v: OptionValues, key: OptionKey, allowed: readonly T[]): T {
  const text = str(v, key);
  if (!(allowed as readonly string[]).includes(text)) throw new ConfigError(flagOf(key), `"${text}" is not one of ${allowed.join(', ')}`);
  return text as T;
}

/** A secret from the file an option names, else from its environment variable; never from a flag's value. */
export function secretFrom(v: OptionValues, fileKey: OptionKey, envVar: string): string | undefined {
  const file = v.raw.get(fileKey);
  if (file) {
    try {
      return v.readFile(resolve(v.cwd, file)).trim();
    } catch (err) {
      throw new ConfigError(flagOf(fileKey), `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return nonEmpty(v.env[envVar]);
}

export function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
