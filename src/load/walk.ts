// Finding and reading the manifests of a repository folder. The only I/O of the loader.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Diagnostic } from '../model/diagnostics.ts';
import type { ManifestFile } from './index.ts';

export const DEFAULT_STATUS_DIR = 'status';

function normalizeDir(dir: string | undefined): string {
  return (dir ?? DEFAULT_STATUS_DIR).replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
}

/**
 * Whether a repo-relative path is a manifest gitset reads: `*.yaml`/`*.yml`, not under the status
 * folder, a hidden folder (`.git`, `.github`) or `node_modules`.
 */
export function isManifestPath(path: string, statusDir?: string): boolean {
  const p = path.replace(/\\/g, '/');
  if (!/\.ya?ml$/i.test(p)) return false;
  const status = normalizeDir(statusDir);
  if (status !== '' && (p === status || p.startsWith(`${status}/`))) return false;
  const dirs = p.split('/').slice(0, -1);
  return !dirs.some((d) => d.startsWith('.') || d === 'node_modules');
}

/** Reads every manifest under `dir` (paths relative to it, sorted); unreadable files become diagnostics. */
export async function readManifests(
  dir: string,
  opts: { statusDir?: string } = {},
): Promise<{ files: ManifestFile[]; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  let entries: string[];
  try {
    // A single file (`gitset validate profile.yaml`) is a repository of one manifest.
    if ((await stat(dir)).isFile()) return { files: [{ path: basename(dir), text: await readFile(dir, 'utf8') }], diagnostics };
    entries = await listFiles(dir, '', normalizeDir(opts.statusDir));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { files: [], diagnostics: [{ file: '.', line: 1, col: 1, severity: 'error', code: 'read-error', message: `cannot read folder ${dir}: ${code}` }] };
  }
  const paths = entries.filter((p) => isManifestPath(p, opts.statusDir)).sort();
  const files: ManifestFile[] = [];
  // Bounded batches: thousands of files without thousands of open descriptors at once.
  for (let i = 0; i < paths.length; i += 64) {
    const batch = paths.slice(i, i + 64);
    const texts = await Promise.all(
      batch.map((p) =>
        readFile(join(dir, p), 'utf8').catch((err: NodeJS.ErrnoException) => {
          diagnostics.push({ file: p, line: 1, col: 1, severity: 'error', code: 'read-error', message: `cannot read ${p}: ${err.code ?? 'error'}` });
          return undefined;
        }),
      ),
    );
    batch.forEach((p, j) => {
      const text = texts[j];
      if (text !== undefined) files.push({ path: p, text });
    });
  }
  return { files, diagnostics };
}

/** Repo-relative paths of the files under `dir`, not descending into skipped folders. */
async function listFiles(root: string, rel: string, statusDir: string): Promise<string[]> {
  const entries = await readdir(rel === '' ? root : join(root, rel), { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    const p = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) {
      if (e.name.startsWith('.') || e.name === 'node_modules' || p === statusDir) continue;
      out.push(...(await listFiles(root, p, statusDir)));
    } else if (e.isFile()) {
      out.push(p);
    }
  }
  return out;
}
