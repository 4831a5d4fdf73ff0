// A real exec credential plugin for the tests: a node script that prints the ExecCredential its
// state file describes and appends every run (arguments, environment, KUBERNETES_EXEC_INFO) to a log.
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export interface PluginState {
  token?: string;
  /** RFC 3339. */
  expirationTimestamp?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  /** Answer another apiVersion than asked. */
  apiVersion?: string;
  /** Exit with this code after printing `stderr`. */
  exitCode?: number;
  stderr?: string;
  /** Print this instead of an ExecCredential. */
  raw?: string;
  hang?: boolean;
  /** Answer only after this many ms. */
  delayMs?: number;
}

export interface PluginRun {
  args: string[];
  env: Record<string, string | undefined>;
  info: { apiVersion: string; kind: string; spec: { interactive: boolean; cluster?: Record<string, unknown> } };
}

const SCRIPT = `#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const state = JSON.parse(fs.readFileSync(path.join(__dirname, 'state.json'), 'utf8'));
const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO || 'null');
const env = { FOO: process.env.FOO, GITSET_GIT_TOKEN: process.env.GITSET_GIT_TOKEN, AWS_ROLE_ARN: process.env.AWS_ROLE_ARN, AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY, AWS_WEB_IDENTITY_TOKEN_FILE: process.env.AWS_WEB_IDENTITY_TOKEN_FILE };
fs.appendFileSync(path.join(__dirname, 'runs.log'), JSON.stringify({ args: process.argv.slice(2), env, info }) + '\\n');
if (state.hang) setInterval(() => {}, 1000);
else if (state.delayMs) setTimeout(answer, state.delayMs);
else answer();
function answer() {
if (state.exitCode) { process.stderr.write(state.stderr || ''); process.exit(state.exitCode); }
else if (state.raw !== undefined) process.stdout.write(state.raw);
else {
  const status = {};
  for (const k of ['token', 'expirationTimestamp', 'clientCertificateData', 'clientKeyData']) if (state[k]) status[k] = state[k];
  process.stdout.write(JSON.stringify({ apiVersion: state.apiVersion || info.apiVersion, kind: 'ExecCredential', status }));
}
}
`;

export class FakePlugin {
  readonly script: string;
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.script = join(dir, 'plugin.cjs');
    writeFileSync(this.script, SCRIPT);
    chmodSync(this.script, 0o755);
    this.set({});
  }

  set(state: PluginState): void {
    writeFileSync(join(this.dir, 'state.json'), JSON.stringify(state));
  }

  runs(): PluginRun[] {
    const log = join(this.dir, 'runs.log');
    if (!existsSync(log)) return [];
    return readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as PluginRun);
  }
}
