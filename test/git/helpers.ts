// Shared fixtures for the git tests: a real smart-HTTP server over temporary bare repositories,
// git CLI clones acting as "the user", and a logger that keeps what was logged.
import { after, before } from 'node:test';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { createBareRepo, gitCliEnv, startGitServer, type GitServer } from '../../src/sim/git-server.ts';
import type { GitLogger } from '../../src/git/repo.ts';

export const USER = { username: 'alice', password: 's3cret-pa55word' };

export interface Fixture {
  tmp: string;
  root: string;
  server: GitServer;
  /** Seeds `<name>` from the given files and returns its URL (no credentials in it). */
  seed(name: string, files: Record<string, string>, branch?: string): Promise<string>;
  close(): Promise<void>;
}

export async function fixture(opts: { auth?: boolean } = {}): Promise<Fixture> {
  const tmp = await mkdtemp(join(tmpdir(), 'gitset-git-test-'));
  const root = join(tmp, 'repos');
  const server = await startGitServer({ root, ...(opts.auth === false ? {} : { auth: USER }) });
  return {
    tmp,
    root,
    server,
    seed: async (name, files, branch = 'main') => {
      const src = join(tmp, `seed-${name}`);
      await writeFiles(src, files);
      await createBareRepo(root, `${name}.git`, src, { branch });
      return server.url(`${name}.git`);
    },
    close: async () => {
      await server.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/** A fixture for the enclosing describe: made before its tests, closed after them. */
export function fixtureForSuite(opts: { auth?: boolean } = {}): () => Fixture {
  let fx: Fixture | undefined;
  before(async () => {
    fx = await fixture(opts);
  });
  after(async () => {
    await fx?.close();
  });
  return () => {
    if (!fx) throw new Error('the fixture is made before the suite\'s tests');
    return fx;
  };
}

export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

/** Runs the git CLI as the user (fixed identity, no global config, credentials via the URL). */
export async function gitCli(cwd: string, args: string[]): Promise<string> {
  const res = await execa('git', args, { cwd, env: gitCliEnv({ GIT_TERMINAL_PROMPT: '0' }) });
  return res.stdout;
}

export function withCreds(url: string): string {
  return url.replace('http://', `http://${USER.username}:${USER.password}@`);
}

export async function cliClone(url: string, dir: string, branch = 'main'): Promise<string> {
  await mkdir(dirname(dir), { recursive: true });
  await execa('git', ['clone', '-q', '-b', branch, withCreds(url), dir], { env: gitCliEnv({ GIT_TERMINAL_PROMPT: '0' }) });
  return dir;
}

/** The user commits files and pushes, rebasing on rejection like a person would (bounded). */
export async function userPush(dir: string, files: Record<string, string>, subject: string): Promise<void> {
  await writeFiles(dir, files);
  await gitCli(dir, ['add', '-A']);
  await gitCli(dir, ['commit', '-q', '-m', subject]);
  let last = '';
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await gitCli(dir, ['push', '-q', 'origin', 'HEAD']);
      return;
    } catch (err) {
      last = (err as { stderr?: string }).stderr ?? String(err);
    }
    try {
      await gitCli(dir, ['pull', '-q', '--rebase']);
    } catch (err) {
      last = (err as { stderr?: string }).stderr ?? String(err);
    }
  }
  throw new Error(`user push of "${subject}" kept failing; last error: ${last}`);
}

export interface CapturedLogger extends GitLogger {
  lines: Array<{ level: string; msg?: string; obj: object }>;
  text(): string;
}

export function captureLogger(): CapturedLogger {
  const lines: CapturedLogger['lines'] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, ...(msg !== undefined ? { msg } : {}) });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), text: () => JSON.stringify(lines) };
}

/** `git log` of a fresh CLI clone: one entry per commit with its parents and touched paths. */
export async function history(url: string, dir: string, branch = 'main'): Promise<Array<{ oid: string; parents: string[]; author: string; subject: string; paths: string[] }>> {
  await cliClone(url, dir, branch);
  const out = await gitCli(dir, ['log', '--format=@@%H|%P|%an|%s', '--name-only', branch]);
  return out
    .split('@@')
    .filter((c) => c.trim())
    .map((chunk) => {
      const [head, ...rest] = chunk.trim().split('\n');
      const [oid, parents, author, subject] = head!.split('|') as [string, string, string, string];
      return { oid, parents: parents ? parents.split(' ') : [], author, subject, paths: rest.filter((l) => l.trim()) };
    });
}
