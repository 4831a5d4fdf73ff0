// What a command gets from the outside world: streams, environment, working directory.
// Passed in rather than read from `process` so tests can run commands in-process.
import { parseChartRepoPatterns, type ChartRepoAllowList } from '../load/chart-repos.ts';

export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Set by a command; `main` returns it. */
  exitCode: number;
}

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), exitCode: 0 };
}

export type OutputFormat = 'text' | 'json' | 'markdown';

export function parseFormat(value: string, allowed: readonly OutputFormat[]): OutputFormat {
  if ((allowed as readonly string[]).includes(value)) return value as OutputFormat;
  throw new Error(`--format must be one of ${allowed.join(', ')} (got "${value}")`);
}

/** The variable the daemon reads `--allowed-chart-repos` from; validate and plan read it too. */
export const ALLOWED_CHART_REPOS_ENV = 'GITSET_ALLOWED_CHART_REPOS';

/** `--allowed-chart-repos`, else its environment variable: undefined (any source) when neither is set. Throws on a bad pattern. */
export function allowedChartRepos(flag: string | undefined, io: Pick<CliIO, 'env'>): ChartRepoAllowList | undefined {
  const text = flag ?? io.env[ALLOWED_CHART_REPOS_ENV];
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return parseChartRepoPatterns(text);
  } catch (err) {
    throw new Error(`--allowed-chart-repos: ${(err as Error).message}`);
  }
}
