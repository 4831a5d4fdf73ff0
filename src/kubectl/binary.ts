// Which kubectl binary gitset runs: $KUBECTL_BINARY, then the copy unpacked from the npm
// package beside helm (extracted on first use if postinstall did not run), then PATH.
// Mirrors src/helm/binary.ts; kubectl has no command-line flag of its own yet.
import { resolve } from 'node:path';
import { execa } from 'execa';
import { bundledToolPath, extractBundledTool, findLayerZip } from '../helm/extract.ts';
import { findOnPath, whyNotExecutable } from '../helm/binary.ts';

export type KubectlSource = 'env' | 'bundled' | 'path';

export interface ResolvedKubectl {
  path: string;
  source: KubectlSource;
}

export class KubectlNotFoundError extends Error {
  override readonly name = 'KubectlNotFoundError';
  readonly code = 'KUBECTL_NOT_FOUND';
  /** One line per place looked at, in order, with why it did not do. */
  readonly tried: readonly string[];
  constructor(tried: string[]) {
    super(`no usable kubectl binary; tried:\n  ${tried.join('\n  ')}\nset KUBECTL_BINARY to a kubectl binary`);
    this.tried = tried;
  }
}

export interface ResolveKubectlOptions {
  env: NodeJS.ProcessEnv;
  /** Checkout root: where `.tools/kubectl` and node_modules are. */
  projectRoot: string;
}

/** Finds the kubectl to run. A $KUBECTL_BINARY that is not executable is an error, never a fallthrough. */
export async function resolveKubectl(opts: ResolveKubectlOptions): Promise<ResolvedKubectl> {
  const tried: string[] = [];
  const named = opts.env.KUBECTL_BINARY;
  if (named !== undefined && named !== '') {
    const path = resolve(opts.projectRoot, named);
    const why = whyNotExecutable(path);
    if (why === undefined) return { path, source: 'env' };
    throw new KubectlNotFoundError([`$KUBECTL_BINARY=${path}: ${why}`]);
  }
  tried.push('$KUBECTL_BINARY: not set');

  const bundled = bundledToolPath(opts.projectRoot, 'kubectl');
  try {
    await ensureKubectl(opts.projectRoot);
  } catch (err) {
    tried.push(`${bundled}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const whyBundled = whyNotExecutable(bundled);
  if (whyBundled === undefined) return { path: bundled, source: 'bundled' };
  if (!tried.some((t) => t.startsWith(bundled))) tried.push(`${bundled}: ${whyBundled}`);

  const onPath = findOnPath('kubectl', opts.env.PATH ?? '');
  if (onPath !== undefined) return { path: onPath, source: 'path' };
  tried.push(`PATH: no executable kubectl in ${opts.env.PATH ? 'any PATH entry' : 'an empty PATH'}`);
  throw new KubectlNotFoundError(tried);
}

/**
 * The bundled kubectl's path, extracted now if postinstall did not run. An existing copy is
 * kept when the npm package is gone (the container image drops it after extracting).
 */
export async function ensureKubectl(projectRoot: string): Promise<string> {
  const bundled = bundledToolPath(projectRoot, 'kubectl');
  if (findLayerZip(projectRoot) === undefined && whyNotExecutable(bundled) === undefined) return bundled;
  return (await extractBundledTool({ projectRoot, tool: 'kubectl' })).path;
}

/** kubectl's client gitVersion (e.g. `v1.33.1`), for the start-up log line. */
export async function kubectlVersion(kubectlPath: string, signal?: AbortSignal): Promise<string> {
  const { stdout } = await execa(kubectlPath, ['version', '--client', '-o', 'json'], {
    env: {},
    extendEnv: false,
    timeout: 15_000,
    cancelSignal: signal,
    stdin: 'ignore',
  });
  return (JSON.parse(stdout) as { clientVersion: { gitVersion: string } }).clientVersion.gitVersion;
}
