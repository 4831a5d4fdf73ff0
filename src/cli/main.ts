// Entry point of the `gitset` command: one file per subcommand, each registering itself.
// Only the module of the command being run is loaded: `gitset --help` and `gitset validate`
// must not pay for loading the daemon, helm, Git and the simulator (hundreds of milliseconds).
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { processIO, type CliIO } from './io.ts';

type Registrar = (program: Command, io: CliIO) => void;

export interface CommandEntry {
  name: string;
  /** Arguments as `gitset --help` lists them, e.g. `[dir]`. */
  args?: string;
  /** The line `gitset --help` shows; the same text as the module's description (a test checks it). */
  summary: string;
  load: () => Promise<{ register: Registrar }>;
}

/** Every subcommand, in the order `gitset --help` lists them (commands are added here, one entry each). */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'validate', args: '[dir]', summary: 'check the manifests of a repository (schemas, references, selectors); exit 1 on any error', load: () => import('./validate.ts') },
  { name: 'plan', args: '[dir]', summary: 'show what a reconcile would change (selections, installs, upgrades, uninstalls) against the committed status', load: () => import('./plan.ts') },
  { name: 'show', summary: 'tables read from the status files (what gitset observed and did)', load: () => import('./show.ts') },
  { name: 'probe', args: '[dir]', summary: 'probe the API server of every cluster once and print what each answered', load: () => import('./probe.ts') },
  { name: 'simulate', summary: 'run simulated Kubernetes clusters on 127.0.0.1 and write their kubeconfigs, until SIGTERM/SIGINT', load: () => import('./simulate.ts') },
  { name: 'run', summary: 'run the daemon: pull, probe, select, install with helm, commit status; again on every trigger', load: () => import('./run.ts') },
  { name: 'reconcile', summary: 'run one reconcile cycle (pull, probe, select, helm, commit status) and exit; non-zero if anything failed', load: () => import('./reconcile.ts') },
  { name: 'demo', summary: 'show selection and failover on two simulated clusters, in about a minute, with nothing of yours', load: () => import('./demo.ts') },
];

/** Exit codes: 0 success, 1 a failure (invalid repository, unreachable server, helm error), 2 a usage error. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const program = new Command('gitset')
    .description('GitOps reconciler for fleets of Kubernetes clusters (Sveltos ClusterSet/ClusterProfile semantics)')
    .version(packageVersion(), '-V, --version', 'print the version of gitset')
    // Program options only before the command: `gitset simulate --version v1.29.2` is simulate's.
    .enablePositionalOptions()
    .addHelpText('after', '\nExit codes: 0 success, 1 a failure, 2 a usage error (unknown command or flag, bad or missing value).\n')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  const wanted = commandToRun(argv);
  for (const entry of COMMANDS) {
    if (entry === wanted) (await entry.load()).register(program, io);
    else program.command(entry.args ? `${entry.name} ${entry.args}` : entry.name).description(entry.summary);
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    return exitCodeOf(err, io);
  }
  return io.exitCode;
}

/** The command argv names: its first word (program options are flags without values), or the word after `help`. */
function commandToRun(argv: readonly string[]): CommandEntry | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return COMMANDS.find((c) => c.name === name);
}

function exitCodeOf(err: unknown, io: CliIO): number {
  // Commander has printed its message (unknown option or command, missing argument or value).
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
  io.stderr.write(`gitset: ${err instanceof Error ? err.message : String(err)}\n`);
  // An invalid option value (daemon options are checked when the command runs) is a usage error.
  return USAGE_ERROR_CODES.has(String((err as { code?: unknown }).code)) ? EXIT_USAGE : EXIT_FAILURE;
}

/** Codes of errors that mean "fix the command line": ConfigError, GitError for an SSH --repo. */
const USAGE_ERROR_CODES: ReadonlySet<string> = new Set(['CONFIG_INVALID', 'unsupported-transport']);

/** package.json is two levels up from src/cli/ and from the compiled dist/cli/ alike. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
