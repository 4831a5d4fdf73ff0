// A full checkout written on a worker thread: a fresh clone's 12,000 files at 10k clusters cost
// 0.5-1.8 s of the kernel creating files, which the first pull's caller spends reading the
// status from Git objects instead (see clone.ts, `writeBehind`). What to write is decided on the
// calling thread (worktree.ts checks every path); the worker only carries it out, in an order
// that never writes through a link: folders, then files, then the repository's symbolic links.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** A work tree to write under `root`, every path checked and relative to it. */
export interface PlannedTree {
  /** Folders, each after its parent. */
  dirs: string[];
  /** Files: path, where its bytes are in `bytes`, and its mode. */
  files: Array<[path: string, start: number, end: number, mode: number]>;
  /** Symbolic links committed in the repository: path and target. */
  links: Array<[path: string, target: string]>;
  bytes: Uint8Array;
}

/**
 * Empties `root` but for `.git` and writes `tree` into it. It runs on the worker as its source
 * (the CLI's bundle, dist/ and the tests through tsx start it alike, with no file beside the
 * module), so it uses nothing but its arguments.
 */
function writeTree(fs: typeof import('node:fs'), join: (...paths: string[]) => string, root: string, tree: Omit<PlannedTree, 'bytes'>, bytes: Uint8Array): void {
  for (const name of fs.readdirSync(root)) if (name !== '.git') fs.rmSync(join(root, name), { recursive: true, force: true });
  for (const dir of tree.dirs) fs.mkdirSync(join(root, dir), { recursive: true });
  for (const [path, start, end, mode] of tree.files) fs.writeFileSync(join(root, path), bytes.subarray(start, end), { mode });
  for (const [path, target] of tree.links) fs.symlinkSync(target, join(root, path));
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const writeTree = ${writeTree.toString()};
writeTree(require('node:fs'), require('node:path').join, workerData.root, workerData, new Uint8Array(workerData.buffer));
parentPort.postMessage('written');
`;

/** writeTree on this thread. */
export function writePlanned(root: string, tree: PlannedTree): void {
  writeTree(fs, join, root, tree, tree.bytes);
}

/** writeTree on a worker thread. Rejects with what failed, the worker's start included. */
export function writePlannedOnWorker(root: string, tree: PlannedTree): Promise<void> {
  // The bytes are copied to the worker (about 10 ms at 10k clusters): the loader reads them here meanwhile.
  const buffer = tree.bytes.buffer as ArrayBuffer;
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { root, dirs: tree.dirs, files: tree.files, links: tree.links, buffer } });
  } catch (err) {
    return Promise.reject(new Error(`writing the work tree: no worker started: ${err instanceof Error ? err.message : String(err)}`));
  }
  return new Promise((resolve, reject) => {
    let written = false;
    worker.once('message', () => (written = true));
    worker.once('error', (err) => reject(new Error(`writing the work tree: ${err instanceof Error ? err.message : String(err)}`)));
    worker.once('exit', (code) => (written ? resolve() : reject(new Error(`writing the work tree: the worker stopped (exit ${code})`))));
  });
}
