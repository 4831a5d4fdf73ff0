// Runs one benchmark step in a fresh Node process, so the peak RSS it reports
// (`process.resourceUsage().maxRSS`) belongs to that step and size alone, and a heavy size
// cannot slow the next one with a bloated heap. The step is a named export of a bench module
// taking a JSON-serialisable argument and returning a JSON-serialisable result.
import { fork } from 'node:child_process';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface ChildOutcome<R> {
  result: R;
  /** Peak resident set of the child, MiB. */
  maxRssMB: number;
}

export class ChildStepError extends Error {
  override readonly name = 'ChildStepError';
  constructor(
    readonly code: 'CHILD_TIMEOUT' | 'CHILD_FAILED' | 'CHILD_NO_RESULT',
    message: string,
    /** The last partial result the step reported before it stopped, if any. */
    readonly partial?: unknown,
  ) {
    super(message);
  }
}

const ENTRY = fileURLToPath(new URL('./child-entry.ts', import.meta.url));
/** Where compiled steps go (git-ignored, inside the project so that their packages resolve). */
const COMPILED_DIR = fileURLToPath(new URL('../.bench-out/child/', import.meta.url));

/**
 * The child entry and the step's module bundled to JavaScript by esbuild (packages left to
 * node_modules), so that the child runs without tsx: tsx's loader hooks see every module the
 * step imports, dist/ included, and cost the daemon's modules about 0.5 s more to load than
 * `node bin/gitset.js run` pays.
 */
async function compiled(moduleUrl: string): Promise<{ entry: string; moduleUrl: string }> {
  const { build } = await import('esbuild');
  const out = (file: string): string => join(COMPILED_DIR, basename(file).replace(/\.ts$/, '.mjs'));
  const bundle = async (file: string): Promise<string> => {
    await build({ entryPoints: [file], outfile: out(file), bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'error' });
    return out(file);
  };
  const [entry, step] = await Promise.all([bundle(ENTRY), bundle(fileURLToPath(moduleUrl))]);
  return { entry, moduleUrl: pathToFileURL(step).href };
}

/**
 * Imports `moduleUrl` in a child, calls `exportName(arg, progress)` and returns what it returned.
 * A step may call `progress(partial)` as it goes; on failure or timeout the last partial comes
 * back on the error, so figures measured before a slow phase are not lost. `compiled`: the child
 * runs the step bundled to JavaScript, without tsx (for steps that time their own imports).
 */
export function runInChild<A, R>(
  moduleUrl: string,
  exportName: string,
  arg: A,
  opts: { timeoutMs: number; maxOldSpaceMB?: number; compiled?: boolean },
): Promise<ChildOutcome<R>> {
  if (opts.compiled) return compiled(moduleUrl).then((c) => forkStep<A, R>(c.entry, [], c.moduleUrl, exportName, arg, opts));
  return forkStep(ENTRY, ['--import', 'tsx'], moduleUrl, exportName, arg, opts);
}

function forkStep<A, R>(entry: string, loader: string[], moduleUrl: string, exportName: string, arg: A, opts: { timeoutMs: number; maxOldSpaceMB?: number }): Promise<ChildOutcome<R>> {
  return new Promise((resolve, reject) => {
    // --expose-gc: steps collect garbage between phases, so one phase's garbage is not billed to the next.
    const execArgv = [...loader, '--expose-gc', `--max-old-space-size=${opts.maxOldSpaceMB ?? 8192}`];
    const child = fork(entry, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    let partial: unknown;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(() => reject(new ChildStepError('CHILD_TIMEOUT', `${exportName} took longer than ${opts.timeoutMs} ms`, partial)));
    }, opts.timeoutMs);
    child.on('message', (msg: { ok?: boolean; result?: R; error?: string; maxRssKB?: number; partial?: unknown }) => {
      if ('partial' in msg) {
        partial = msg.partial;
        return;
      }
      if (msg.ok) finish(() => resolve({ result: msg.result as R, maxRssMB: (msg.maxRssKB ?? 0) / 1024 }));
      else finish(() => reject(new ChildStepError('CHILD_FAILED', `${exportName}: ${msg.error}`, partial)));
    });
    child.on('exit', (code, signal) => {
      finish(() => reject(new ChildStepError('CHILD_NO_RESULT', `${exportName} exited (${code ?? signal}) without a result`, partial)));
    });
    child.send({ moduleUrl, exportName, arg });
  });
}
