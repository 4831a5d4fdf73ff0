// WATCH: a chunked JSON stream of `{"type":…,"object":…}` lines, as informers and kstatus
// watchers (helm --wait) consume it. Supports resuming from a resourceVersion, the initial
// list of a watch from "0"/"", and the watch-list protocol (sendInitialEvents + bookmark).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceType } from './apiserver-discovery.ts';
import { ApiError } from './apiserver-http.ts';
import { selectorFilter } from './apiserver-select.ts';
import { typeKey, type KubeObject, type ObjectStore, type WatchEvent } from './apiserver-store.ts';

export interface WatchRequest {
  rt: ResourceType;
  namespace?: string;
  name?: string;
  query: URLSearchParams;
  store: ObjectStore;
  typed: (o: KubeObject) => KubeObject;
}

/** Longest a single watch stays open; clients re-watch from the last version they saw. */
const MAX_WATCH_SECONDS = 1800;

export function serveWatch(req: IncomingMessage, res: ServerResponse, w: WatchRequest): void {
  const keepSelected = selectorFilter(w.query);
  const key = typeKey(w.rt);
  const wanted = (o: KubeObject): boolean =>
    (w.namespace === undefined || o.metadata.namespace === w.namespace) && (w.name === undefined || o.metadata.name === w.name) && keepSelected(o);
  const rvParam = w.query.get('resourceVersion') ?? '';
  const initialEvents = w.query.get('sendInitialEvents') === 'true';
  const since = rvParam === '' || rvParam === '0' ? undefined : Number(rvParam);
  if (since !== undefined && !Number.isFinite(since)) throw new ApiError('BadRequest', `invalid resource version: ${rvParam}`);

  const lines: string[] = [];
  let live = false;
  const send = (type: string, object: object): void => {
    const line = JSON.stringify({ type, object }) + '\n';
    if (live) res.write(line);
    else lines.push(line);
  };
  const onEvent = (e: WatchEvent): void => {
    if (e.typeKey === key && wanted(e.object)) send(e.type, w.typed(e.object));
  };

  // Subscribe first so that nothing written between the initial list and the live stream is lost.
  let unsubscribe: () => void;
  if (since === undefined || initialEvents) {
    const current = w.store.list(w.rt, w.namespace).filter(wanted);
    for (const o of current) send('ADDED', w.typed(o));
    unsubscribe = w.store.watch(undefined, onEvent);
    if (initialEvents) {
      send('BOOKMARK', {
        kind: w.rt.kind,
        apiVersion: w.rt.group ? `${w.rt.group}/${w.rt.version}` : w.rt.version,
        metadata: { resourceVersion: w.store.resourceVersion(), annotations: { 'k8s.io/initial-events-end': 'true' } },
      });
    }
  } else {
    unsubscribe = w.store.watch(since, onEvent); // throws Expired when `since` is too old
  }

  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  for (const line of lines) res.write(line);
  live = true;

  const requested = Number(w.query.get('timeoutSeconds') ?? MAX_WATCH_SECONDS);
  const seconds = Number.isFinite(requested) && requested > 0 ? Math.min(requested, MAX_WATCH_SECONDS) : MAX_WATCH_SECONDS;
  const timer = setTimeout(() => res.end(), seconds * 1000);
  timer.unref();
  const finish = (): void => {
    clearTimeout(timer);
    unsubscribe();
  };
  res.on('close', finish);
  req.on('close', finish);
}
