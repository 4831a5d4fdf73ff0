// Entry point of the `gitset` command: one file per subcommand, each registering itself.
import { Command, CommanderError } from 'commander';
import { processIO, type CliIO } from './io.ts';

type Registrar = (program: Command, io: CliIO) => void;

/** Subcommand modules, each exporting `register`. Loaded on start-up so `--help` lists them all. */
const commands: Array<() => Promise<{ register: Registrar }>> = [
  // (commands are added here, one line each)
  () => import('./validate.ts'),
  () => import('./plan.ts'),
  () => import('./show.ts'),
  () => import('./probe.ts'),
  () => import('./simulate.ts'),
  () => import('./run.ts'),
  () => import('./reconcile.ts'),
  () => import('./demo.ts'),
];

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const program = new Command('gitset')
    .description('GitOps reconciler for fleets of Kubernetes clusters (Sveltos ClusterSet/ClusterProfile semantics)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  for (const load of commands) (await load()).register(program, io);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    io.stderr.write(`gitset: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  return io.exitCode;
}
