// Maps a request path onto what it addresses: a discovery document, or a resource type with
// an optional namespace, name and subresource, the way the real API server lays out URLs.
import type { ResourceRegistry, ResourceType } from './apiserver-discovery.ts';

export interface ResourceRoute {
  rt: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** Legacy `/watch/` path prefix (the modern form is `?watch=true`). */
  watchPath: boolean;
}

export type Route =
  | { kind: 'health'; check: 'readyz' | 'livez' | 'healthz' }
  | { kind: 'version' }
  | { kind: 'coreVersions' }
  | { kind: 'groupList' }
  | { kind: 'group'; group: string }
  | { kind: 'resourceList'; group: string; version: string }
  | { kind: 'openapi'; path: string }
  | { kind: 'resource'; route: ResourceRoute }
  | { kind: 'unknown' };

export function routeOf(pathname: string, registry: ResourceRegistry): Route {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const [first, ...rest] = parts;
  switch (first) {
    case 'readyz':
    case 'livez':
    case 'healthz':
      return { kind: 'health', check: first };
    case 'version':
      return rest.length === 0 ? { kind: 'version' } : { kind: 'unknown' };
    case 'openapi':
      return { kind: 'openapi', path: rest.join('/') };
    case 'api':
      if (rest.length === 0) return { kind: 'coreVersions' };
      if (rest[0] !== 'v1') return { kind: 'unknown' };
      if (rest.length === 1) return { kind: 'resourceList', group: '', version: 'v1' };
      return resourceRoute('', 'v1', rest.slice(1), registry);
    case 'apis':
      if (rest.length === 0) return { kind: 'groupList' };
      if (rest.length === 1) return { kind: 'group', group: rest[0]! };
      if (rest.length === 2) return { kind: 'resourceList', group: rest[0]!, version: rest[1]! };
      return resourceRoute(rest[0]!, rest[1]!, rest.slice(2), registry);
    default:
      return { kind: 'unknown' };
  }
}

function resourceRoute(group: string, version: string, segments: string[], registry: ResourceRegistry): Route {
  let watchPath = false;
  let segs = segments;
  if (segs[0] === 'watch') {
    watchPath = true;
    segs = segs.slice(1);
  }
  // /namespaces/<ns>/<resource>/... addresses a namespaced type, unless <resource> is not one
  // (then it is a subresource of the Namespace object itself, e.g. /namespaces/x/status).
  if (segs[0] === 'namespaces' && segs.length >= 3) {
    const rt = registry.find(group, version, segs[2]!);
    if (rt?.namespaced) {
      return { kind: 'resource', route: { rt, namespace: segs[1], name: segs[3], subresource: segs[4], watchPath } };
    }
  }
  const rt = registry.find(group, version, segs[0] ?? '');
  if (!rt || segs.length > 3) return { kind: 'unknown' };
  // A namespaced type addressed without a namespace is a cluster-wide list (or watch).
  if (rt.namespaced && segs.length > 1) return { kind: 'unknown' };
  return { kind: 'resource', route: { rt, name: segs[1], subresource: segs[2], watchPath } };
}
