// Runs one benchmark step in a fresh Node process, so the peak RSS it reports
// (`process.resourceUsage().maxRSS`) belongs to that step and size alone, and a heavy size
// cannot slow the next one with a bloated heap. The step is a named export of a bench module
// taking a JSON-serialisable argument and returning a JSON-serialisable result.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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

/**
 * Imports `moduleUrl` in a child, calls `exportName(arg, progress)` and returns what it returned.
 * A step may call `progress(partial)` as it goes; on failure or timeout the last partial comes
 * back on the error, so figures measured before a slow phase are not lost.
 */
export function runInChild<A, R>(
  moduleUrl: string,
  exportName: string,
  arg: A,
  opts: { timeoutMs: number; maxOldSpaceMB?: number },
): Promise<ChildOutcome<R>> {
  return new Promise((resolve, reject) => {
    // --expose-gc: steps collect garbage between phases, so one phase's garbage is not billed to the next.
    const execArgv = ['--import', 'tsx', '--expose-gc', `--max-old-space-size=${opts.maxOldSpaceMB ?? 8192}`];
    const child = fork(ENTRY, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
