// `kubectl kustomize` of one folder of a source, as Sveltos builds a kustomizationRefs entry:
// the entry's components appended to the folder's kustomization (in a private copy), then the
// build's output split into one YAML document per object. The source is hostile: before kubectl
// reads it, every kustomization in it is checked to name no remote resource (kustomize would
// fetch it) and no folder outside the source; argv holds our flags and an absolute path only.
import { cp, lstat, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { execa } from 'execa';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { whyNotInside } from '../load/kustomization-refs.ts';

export interface BuildOptions {
  kubectlPath: string;
  /** Private copies (for components) and kubectl's HOME live here. */
  workDir: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

export class BuildError extends Error {
  override readonly name = 'BuildError';
  constructor(
    readonly code: 'bad-path' | 'remote-resource' | 'kustomize-failed',
    message: string,
  ) {
    super(message);
  }
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
/** Fields of a kustomization whose entries name other files or folders. */
const REFERENCING_FIELDS = ['resources', 'bases', 'components', 'crds', 'configurations', 'generators', 'transformers', 'validators'];

/** The objects `kubectl kustomize <root>/<path>` outputs with `components` added, one YAML text each. */
export async function kustomizeBuild(root: string, path: string, components: readonly string[], opts: BuildOptions): Promise<string[]> {
  const why = whyNotInside(path) ?? components.map((c) => whyNotInside(c, path)).find((w) => w !== undefined);
  if (why) throw new BuildError('bad-path', `path ${JSON.stringify(path)}${components.length ? ` or its components` : ''} ${why}`);
  const realRoot = await realpath(root);
  const dir = await realpath(join(realRoot, path)).catch(() => undefined);
  if (!dir || (dir !== realRoot && !dir.startsWith(realRoot + sep)) || !(await lstat(dir)).isDirectory()) {
    throw new BuildError('bad-path', `kustomization path ${JSON.stringify(path)} not found in the source`);
  }
  await refuseOutsideReferences(realRoot);
  if (components.length === 0) return run(dir, opts);
  const copy = await mkdtemp(join(opts.workDir, 'build-'));
  try {
    await cp(realRoot, copy, { recursive: true, verbatimSymlinks: true });
    const target = join(copy, relative(realRoot, dir));
    await appendComponents(target, components, path);
    return await run(target, opts);
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

async function run(dir: string, opts: BuildOptions): Promise<string[]> {
  const home = join(opts.workDir, 'home');
  // `dir` is absolute, so it can never be read as a flag.
  const r = await execa(opts.kubectlPath, ['kustomize', '--load-restrictor=LoadRestrictionsRootOnly', dir], {
    env: { HOME: home, NO_COLOR: '1' },
    extendEnv: false,
    stdin: 'ignore',
    timeout: opts.timeoutMs,
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
    reject: false,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.failed) {
    const stderr = String(r.stderr ?? '').replaceAll(dir, '<path>').split('\n').filter((l) => l.trim() !== '').slice(0, 3).join('; ');
    const reason = r.timedOut ? `did not finish within ${Math.round(opts.timeoutMs / 1000)}s` : stderr || `exited with ${r.exitCode}`;
    throw new BuildError('kustomize-failed', `kubectl kustomize failed: ${reason.length > 400 ? `${reason.slice(0, 400)}…` : reason}`);
  }
  return parseAllDocuments(String(r.stdout))
    .filter((d) => d.contents !== null)
    .map((d) => d.toString({ lineWidth: 0 }));
}

/** Sveltos' rule: the entry's components are added to those the kustomization lists. */
async function appendComponents(dir: string, components: readonly string[], shownPath: string): Promise<void> {
  for (const name of KUSTOMIZATION_FILES) {
    const file = join(dir, name);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const doc = (parse(text) ?? {}) as Record<string, unknown>;
    const existing = Array.isArray(doc.components) ? doc.components : [];
    await writeFile(file, stringify({ ...doc, components: [...existing, ...components] }));
    return;
  }
  throw new BuildError('bad-path', `${shownPath} holds no kustomization.yaml to add components to`);
}

/** Every kustomization in the source names only local files and folders inside it. */
async function refuseOutsideReferences(root: string): Promise<void> {
  for (const file of await kustomizationFiles(root)) {
    let doc: unknown;
    try {
      doc = parse(await readFile(file, 'utf8'));
    } catch {
      continue; // kustomize reports its own syntax errors
    }
    if (!doc || typeof doc !== 'object') continue;
    const shown = relative(root, file);
    for (const field of REFERENCING_FIELDS) {
      const entries = (doc as Record<string, unknown>)[field];
      if (!Array.isArray(entries)) continue;
      for (const entry of entries) {
        if (typeof entry !== 'string') continue; // inline generator/transformer configs
        if (isRemote(entry)) throw new BuildError('remote-resource', `${shown}: ${field} entry ${JSON.stringify(entry)} is remote: gitset builds only what the source holds (vendor it into the source)`);
        const target = resolve(dirname(file), entry);
        if (target !== root && !target.startsWith(root + sep)) throw new BuildError('bad-path', `${shown}: ${field} entry ${JSON.stringify(entry)} leads out of the source`);
      }
    }
  }
}

function isRemote(entry: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || /^(git@|github\.com\/|gitlab\.com\/|bitbucket\.org\/)/i.test(entry) || /\?(ref|version|submodules|timeout)=/.test(entry);
}

async function kustomizationFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && KUSTOMIZATION_FILES.includes(entry.name) && !entry.parentPath.split(sep).includes('.git')) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}
