// Registers the daemon's options (the OPTIONS table) on a commander command, with the default
// and the environment variable in each description, so `gitset run --help` documents them all.
import { Option, type Command } from 'commander';
import { envName, OPTIONS } from '../daemon/options.ts';
import { resolveConfig, type DaemonConfig } from '../daemon/config.ts';
import type { CliIO } from './io.ts';

export function addDaemonOptions(command: Command): Command {
  command.addOption(new Option('--config <FILE>', 'YAML file of options (keys as the flags, e.g. probe-interval: 10s) [env: GITSET_CONFIG]'));
  for (const spec of OPTIONS) {
    const dflt = spec.default !== undefined ? ` (default: ${spec.default})` : '';
    command.addOption(new Option(`--${spec.flag} <${spec.arg}>`, `${spec.description}${dflt} [env: ${envName(spec)}]`));
  }
  command.addHelpText(
    'after',
    '\nPrecedence: flags, then GITSET_* environment variables, then the --config file, then defaults.\n' +
      'Secrets are read from files or the environment only: GITSET_GIT_TOKEN, GITSET_GIT_PASSWORD, GITSET_WEBHOOK_SECRET.\n' +
      'Durations: 500ms, 10s, 1m, 1h30m.\n',
  );
  return command;
}

export function configFromCommand(command: Command, io: CliIO): DaemonConfig {
  return resolveConfig({ flags: command.opts(), env: io.env, cwd: io.cwd });
}
