// `gitset demo` (what `npm start` runs): simulated clusters, a chart repository and a Git
// server on loopback, the daemon in-process, and a narrated failover. Exits 0 with a summary.
import type { Command } from 'commander';
import { isInterrupted, runDemo } from '../demo/demo.ts';
import { WaitTimeoutError } from '../demo/narrator.ts';
import type { CliIO } from './io.ts';

export function register(program: Command, io: CliIO): void {
  program
    .command('demo')
    .description('show selection and failover on two simulated clusters, in about a minute, with nothing of yours')
    .option('--keep-running', 'leave everything up after the failover and print how to look at it, until Ctrl-C')
    .action(async (options: { keepRunning?: boolean }) => {
      let onSignal!: () => void;
      const interrupted = new Promise<void>((resolve) => (onSignal = resolve));
      // SIGHUP too: closing the terminal must not leave servers and temp files behind.
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal).once('SIGHUP', onSignal);
      try {
        await runDemo({
          out: io.stdout,
          isTTY: Boolean((io.stdout as NodeJS.WriteStream).isTTY),
          env: io.env,
          keepRunning: options.keepRunning === true,
          interrupted,
        });
        io.exitCode = 0;
      } catch (err) {
        if (isInterrupted(err)) {
          io.stderr.write('\ndemo interrupted; everything it started is stopped and removed.\n');
          io.exitCode = 130;
        } else {
          const why = err instanceof WaitTimeoutError ? err.message : `${err instanceof Error ? err.message : String(err)}`;
          io.stderr.write(`\ngitset demo failed: ${why}\n`);
          io.exitCode = 1;
        }
      } finally {
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal).off('SIGHUP', onSignal);
      }
    });
}
