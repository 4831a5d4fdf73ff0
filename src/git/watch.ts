// Watches a local repository folder and calls back (debounced) when an input file changes.
// The status folder and .git are ignored so gitset's own writes never trigger a reconcile.
import { resolve, sep } from 'node:path';
import { watch } from 'chokidar';

export interface WatchOptions {
  /** Quiet time after the last change before onChange fires. Default 300 ms. */
  debounceMs?: number;
  /** Absolute folders to ignore besides every `.git` (typically the status folder). */
  ignore?: string[];
  onError?: (err: unknown) => void;
}

export interface RepoWatcher {
  /** Resolves once the initial scan is done and changes are being reported. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export function watchRepo(dir: string, onChange: (paths: string[]) => void, opts: WatchOptions = {}): RepoWatcher {
  const ignored = (opts.ignore ?? []).map((p) => resolve(p));
  const isIgnored = (path: string): boolean => {
    const abs = resolve(path);
    if (abs.split(sep).includes('.git')) return true;
    return ignored.some((p) => abs === p || abs.startsWith(p + sep));
  };
  const watcher = watch(resolve(dir), { ignoreInitial: true, ignored: isIgnored, persistent: true });
  let timer: NodeJS.Timeout | undefined;
  let pending = new Set<string>();
  const fire = (): void => {
    timer = undefined;
    const paths = [...pending].sort();
    pending = new Set();
    onChange(paths);
  };
  watcher.on('all', (_event, path) => {
    pending.add(path);
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, opts.debounceMs ?? 300);
  });
  watcher.on('error', (err) => opts.onError?.(err));
  const ready = new Promise<void>((resolveReady) => watcher.once('ready', () => resolveReady()));
  return {
    ready,
    close: async () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await watcher.close();
    },
  };
}
