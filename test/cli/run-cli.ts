// Runs a gitset command in-process through main() with captured streams, as the CLI tests do.
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/io.ts';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function runCli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const io: CliIO = { stdout, stderr, env: opts.env ?? {}, cwd: opts.cwd, exitCode: 0 };
  const code = await main(args, io);
  return { code, out, err };
}
