// What every benchmark module exports and receives from the runner.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Measure } from './report.ts';

export interface BenchContext {
  /** Smaller sizes and fewer repetitions (`--quick`). */
  quick: boolean;
  /** Project root (where package.json is). */
  root: string;
  /** A fresh scratch folder under `.bench-out/work/`, removed after the benchmark. */
  workDir: string;
  /** Progress to stderr, so stdout stays the table. */
  log(message: string): void;
  /** Repetitions: `full` normally, `quick` with --quick. */
  reps(full: number, quick: number): number;
  /** Records a part of the benchmark that could not run (a size timed out, a part missing). */
  skip(what: string, reason: string): void;
}

export interface Benchmark {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<Measure[]>;
}

/** Thrown when a part a benchmark measures has not landed yet: reported as skipped, not failed. */
export class PartMissingError extends Error {
  override readonly name = 'PartMissingError';
  readonly code = 'PART_MISSING';
}

/** Imports a project module, turning "not there yet" into PartMissingError. */
export async function importPart<T>(root: string, path: string): Promise<T> {
  try {
    return (await import(join(root, path))) as T;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new PartMissingError(`${path} not available yet (${(err as Error).message.split('\n')[0]})`);
    }
    throw err;
  }
}

export function scratchDir(root: string, name: string): string {
  const base = join(root, '.bench-out', 'work');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `${name}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
