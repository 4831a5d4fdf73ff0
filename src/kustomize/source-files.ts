// The files of one folder of a source, for a policyRefs entry naming a Flux source: as Sveltos
// reads them (every file under the folder, recursively, each one a data key of manifests), in
// path order. Nothing is followed out of the source: the folder is resolved inside it, and a
// link whose target leaves it is refused (a checkout holding one was refused already).
import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { whyNotInside } from '../load/kustomization-refs.ts';
import { BuildError } from './build.ts';

/** What a folder may hold in all: far above any set of manifests. */
export const MAX_FOLDER_BYTES = 16 * 1024 * 1024;

/** The text of every file under `<root>/<path>`, sorted by path; throws BuildError. */
export async function readSourceFiles(root: string, path: string): Promise<string[]> {
  const why = whyNotInside(path);
  if (why) throw new BuildError('bad-path', `path ${JSON.stringify(path)} ${why}`);
  const realRoot = await realpath(root);
  const dir = await realpath(join(realRoot, path)).catch(() => undefined);
  if (!dir || (dir !== realRoot && !dir.startsWith(realRoot + sep)) || !(await lstat(dir)).isDirectory()) {
    throw new BuildError('bad-path', `path ${JSON.stringify(path)} not found in the source`);
  }
  const files: Array<{ rel: string; text: string }> = [];
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isDirectory() || entry.parentPath.split(sep).includes('.git')) continue;
    const full = join(entry.parentPath, entry.name);
    const real = await realpath(full);
    if (real !== realRoot && !real.startsWith(realRoot + sep)) throw new BuildError('bad-path', `${relative(realRoot, full)} leads out of the source`);
    if (!(await lstat(real)).isFile()) continue;
    const text = await readFile(real, 'utf8');
    total += Buffer.byteLength(text);
    if (total > MAX_FOLDER_BYTES) throw new BuildError('bad-path', `path ${JSON.stringify(path)} holds more than ${MAX_FOLDER_BYTES / (1024 * 1024)} MiB`);
    files.push({ rel: relative(dir, full), text });
  }
  return files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0)).map((f) => f.text);
}
