// Plain-language narration for `gitset demo`: numbered steps, and a progress indicator while
// waiting (a spinner on a terminal, a line with dots otherwise). Every wait is bounded and fails
// with a message that says what did not happen.

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  readonly code = 'WAIT_TIMEOUT';
}

export interface Narrator {
  step(text: string): void;
  say(text: string): void;
  /** Polls `check` until it returns a value (not undefined), showing `label` with progress. */
  waitFor<T>(label: string, check: () => Promise<T | undefined> | T | undefined, options: { timeoutMs: number; intervalMs?: number; failure: string }): Promise<T>;
}

export function createNarrator(out: NodeJS.WritableStream, isTTY: boolean): Narrator {
  let steps = 0;
  const write = (s: string): void => void out.write(s);
  return {
    step(text) {
      steps++;
      write(`\n${steps}. ${text}\n`);
    },
    say(text) {
      write(text.endsWith('\n') ? text : `${text}\n`);
    },
    async waitFor(label, check, options) {
      const started = Date.now();
      const interval = options.intervalMs ?? 100;
      let frame = 0;
      let lastDot = started;
      if (!isTTY) write(`   ${label} `);
      try {
        for (;;) {
          const value = await check();
          const elapsed = Date.now() - started;
          if (value !== undefined) {
            if (isTTY) write(`\r\x1b[2K   ✔ ${label} (${(elapsed / 1000).toFixed(1)}s)\n`);
            else write(` done (${(elapsed / 1000).toFixed(1)}s)\n`);
            return value;
          }
          if (elapsed > options.timeoutMs) {
            throw new WaitTimeoutError(`${options.failure} (waited ${Math.round(elapsed / 1000)}s)`);
          }
          if (isTTY) write(`\r\x1b[2K   ${FRAMES[frame++ % FRAMES.length]} ${label} ${(elapsed / 1000).toFixed(1)}s`);
          else if (Date.now() - lastDot >= 1000) {
            write('.');
            lastDot = Date.now();
          }
          await new Promise((r) => setTimeout(r, interval));
        }
      } catch (err) {
        if (isTTY) write(`\r\x1b[2K   ✘ ${label}\n`);
        else write(' failed\n');
        throw err;
      }
    },
  };
}
