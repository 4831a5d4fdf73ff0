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
  ) {
    super(message);
  }
}

const ENTRY = fileURLToPath(new URL('./child-entry.ts', import.meta.url));

/** Imports `moduleUrl` in a child, calls `exportName(arg)` and returns what it returned. */
export function runInChild<A, R>(
  moduleUrl: string,
  exportName: string,
  arg: A,
  opts: { timeoutMs: number; maxOldSpaceMB?: number },
): Promise<ChildOutcome<R>> {
  return new Promise((resolve, reject) => {
    const execArgv = ['--import', 'tsx', `--max-old-space-size=${opts.maxOldSpaceMB ?? 8192}`];
    const child = fork(ENTRY, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(() => reject(new ChildStepError('CHILD_TIMEOUT', `${exportName} took longer than ${opts.timeoutMs} ms`)));
    }, opts.timeoutMs);
    child.on('message', (msg: { ok: boolean; result?: R; error?: string; maxRssKB: number }) => {
      if (msg.ok) finish(() => resolve({ result: msg.result as R, maxRssMB: msg.maxRssKB / 1024 }));
      else finish(() => reject(new ChildStepError('CHILD_FAILED', `${exportName}: ${msg.error}`)));
    });
    child.on('exit', (code, signal) => {
      finish(() => reject(new ChildStepError('CHILD_NO_RESULT', `${exportName} exited (${code ?? signal}) without a result`)));
    });
    child.send({ moduleUrl, exportName, arg });
  });
}
