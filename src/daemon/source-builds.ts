// kustomizationRefs and Flux policyRefs sources, built in the background: fetching a Git source
// and running `kubectl kustomize` take seconds (a hung Git server up to its timeout), so a cycle
// never waits for them. A cycle hands over the requests its plan needs and reads the builds made
// so far; a build that ends with something new wakes a cycle. The builder caches per source
// revision and polls each source once per its interval, so asking every cycle costs nothing.
import type { Logger } from 'pino';
import type { KustomizeBuilds, KustomizeOutput, KustomizeRequest } from '../model/ports.ts';

export interface SourceBuilds {
  /** The builds made so far for `requests`; starts building them unless a build runs. */
  current(requests: readonly KustomizeRequest[]): ReadonlyMap<string, KustomizeOutput>;
  /** Resolves when no build runs. */
  idle(): Promise<void>;
  /** Shutdown: starts nothing more and aborts what runs. */
  close(): void;
  readonly running: boolean;
}

export function createSourceBuilds(opts: { builder: KustomizeBuilds; credentialsDir: string; logger: Logger; onFinished?: () => void }): SourceBuilds {
  let latest = new Map<string, KustomizeOutput>();
  let running: Promise<void> | undefined;
  let closed = false;
  const stop = new AbortController();
  const start = (requests: readonly KustomizeRequest[]): void => {
    running = opts.builder
      .build(requests, { credentialsDir: opts.credentialsDir, signal: stop.signal })
      .then((built) => {
        const changed = [...built].some(([key, out]) => fingerprint(latest.get(key)) !== fingerprint(out));
        // Keys no longer asked for are dropped: the map stays the size of what profiles want.
        latest = new Map(built);
        if (changed) opts.onFinished?.();
      })
      .catch((err: unknown) => void opts.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'kustomize sources not built; the last builds stay in use'))
      .finally(() => (running = undefined));
  };
  return {
    current(requests) {
      if (!running && !closed && requests.length > 0) start(requests);
      return latest;
    },
    idle: () => running ?? Promise.resolve(),
    close() {
      closed = true;
      stop.abort(new Error('shutting down'));
    },
    get running() {
      return running !== undefined;
    },
  };
}

function fingerprint(out: KustomizeOutput | undefined): string {
  if (!out) return '';
  return out.ok ? `${out.revision}\u0000${out.documents.join('\u0000')}` : `!${out.error}`;
}
