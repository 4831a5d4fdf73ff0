// What a command gets from the outside world: streams, environment, working directory.
// Passed in rather than read from `process` so tests can run commands in-process.
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
