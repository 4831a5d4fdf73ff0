// Builds the daemon's pino logger. Called once by the command and passed down: no module owns
// a logger of its own. JSON lines by default; readable lines when a person is watching.
import { pino, type Logger, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat, LogLevel } from './config.ts';

/** Field paths that could carry a secret; pino replaces their values before anything is written. */
const REDACT_PATHS = [
  'token',
  'password',
  'secret',
  'authorization',
  'kubeconfig',
  '*.token',
  '*.password',
  '*.secret',
  '*.authorization',
  '*.kubeconfig',
  'headers.authorization',
  'headers["x-gitlab-token"]',
  'headers["x-hub-signature-256"]',
  'req.headers.authorization',
  'config.secrets',
  'secrets',
];

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where lines go; stdout when absent. */
  destination?: DestinationStream | NodeJS.WritableStream;
  /** Whether the destination is a terminal, for `format: auto`. */
  isTTY?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const out = options.destination ?? process.stdout;
  const tty = options.isTTY ?? Boolean((out as NodeJS.WriteStream).isTTY);
  const usePretty = options.format === 'pretty' || (options.format === 'auto' && tty);
  const base = {
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (usePretty) {
    // In-process stream rather than a transport worker: works the same under tsx and in the image.
    const stream = pretty({ destination: out as NodeJS.WritableStream, colorize: tty, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true });
    return pino(base, stream);
  }
  return pino(base, out as DestinationStream);
}

/** A logger that writes nothing, for callers that were given none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
