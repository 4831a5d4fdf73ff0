// Reading a large repository's manifests on a worker thread, so that the loader parses the files
// already read while the next ones are opened and read: the 12k opens, reads and closes of a 10k
// fleet (a third of its load) leave the thread that parses.
//
// The worker only reads bytes, as walk.ts's readRaw does (no link followed, one read of up to a
// byte past the limit, a stat only for a file read to the limit); deciding what the bytes are
// stays in walk.ts, so both ways judge a file alike. Batches come back in order with their bytes
// transferred, not copied, and the worker waits while WINDOW batches are unparsed, which bounds
// the memory of a worker that reads faster than the loader parses.
import { Worker } from 'node:worker_threads';

/** Files per batch. */
const BATCH = 128;
/** Batches the worker may send ahead of the loader. */
const WINDOW = 16;

/** What reading one file gave: its bytes (at most one past the limit), or why there are none. */
export type RawRead = { bytes: Uint8Array } | { error: string } | { notFile: true } | { size: number };

/** One file of a batch: where its bytes are in the batch's buffer, or why there are none. */
type Entry = [start: number, end: number] | { error: string } | { notFile: true } | { size: number };

interface Batch {
  first: number;
  entries: Entry[];
  buffer: ArrayBuffer;
}

/**
 * The worker's code: CommonJS run with `eval`, so it needs no file beside the module (the CLI's
 * bundle, dist/ and the tests through tsx start it alike).
 */
const WORKER_SOURCE = `
const { closeSync, constants, fstatSync, openSync, readSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const { paths, max, batch, window, consumed } = workerData;
const flags = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;
const done = new Int32Array(consumed);
let buf = Buffer.allocUnsafe(4 * (max + 1));
for (let first = 0, sent = 0; first < paths.length; first += batch, sent++) {
  for (let seen; sent - (seen = Atomics.load(done, 0)) >= window; ) Atomics.wait(done, 0, seen, 1000);
  const entries = [];
  let used = 0;
  for (let i = first; i < Math.min(paths.length, first + batch); i++) {
    let fd;
    try {
      fd = openSync(paths[i], flags);
      if (buf.length - used < max + 1) {
        const grown = Buffer.allocUnsafe(Math.max(buf.length * 2, used + max + 1));
        buf.copy(grown, 0, 0, used);
        buf = grown;
      }
      const n = readSync(fd, buf, used, max + 1, null);
      if (n > max) entries.push({ size: Math.max(n, fstatSync(fd).size) });
      else {
        entries.push([used, used + n]);
        used += n;
      }
    } catch (err) {
      const code = (err && err.code) || 'error';
      entries.push(code === 'EISDIR' ? { notFile: true } : { error: code });
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
  const out = new ArrayBuffer(used);
  new Uint8Array(out).set(buf.subarray(0, used));
  parentPort.postMessage({ first, entries, buffer: out }, [out]);
}
`;

/**
 * Reads the files at `abs` on a worker, handing each outcome to `each` in order. Resolves with the
 * number of files handed; fewer than all when the worker could not start or died, and the caller
 * reads the rest itself.
 */
export function readOnWorker(abs: readonly string[], maxBytes: number, each: (index: number, raw: RawRead) => void): Promise<number> {
  const consumed = new SharedArrayBuffer(4);
  const done = new Int32Array(consumed);
  let next = 0;
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { paths: abs, max: maxBytes, batch: BATCH, window: WINDOW, consumed } });
  } catch {
    return Promise.resolve(0); // no thread could be started (a pids limit, say): the caller reads them all
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      if (err === undefined) resolve(next);
      else reject(err);
    };
    worker.on('message', (b: Batch) => {
      if (settled) return;
      try {
        const bytes = new Uint8Array(b.buffer);
        for (let k = 0; k < b.entries.length; k++) {
          const e = b.entries[k]!;
          each(b.first + k, Array.isArray(e) ? { bytes: bytes.subarray(e[0], e[1]) } : e);
        }
      } catch (err) {
        return settle(err); // the loader's own failure, not the worker's
      }
      next = b.first + b.entries.length;
      Atomics.add(done, 0, 1);
      Atomics.notify(done, 0);
      if (next >= abs.length) settle();
    });
    // A worker that fails leaves the files it did not hand over to the caller.
    worker.on('error', () => settle());
    worker.on('exit', () => settle());
  });
}
