// Answers of the informational endpoints: /version and the discovery documents, with the
// content negotiation client-go uses to ask for aggregated discovery first.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceRegistry } from './apiserver-discovery.ts';
import { ApiError, sendJson } from './apiserver-http.ts';
import type { Route } from './apiserver-routes.ts';

export function versionInfo(gitVersion: string): object {
  const m = /^v?(\d+)\.(\d+)/.exec(gitVersion);
  return {
    major: m?.[1] ?? '1',
    minor: m?.[2] ?? '0',
    gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2024-01-01T00:00:00Z',
    goVersion: 'go1.22.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

/** Which aggregated discovery version the Accept header asks for, if any (v2 preferred). */
function aggregatedVersion(accept: string): 'v2' | 'v2beta1' | undefined {
  const offers = accept.split(',').map((s) => s.trim());
  for (const offer of offers) {
    if (!offer.includes('as=APIGroupDiscoveryList') || !offer.includes('g=apidiscovery.k8s.io')) continue;
    if (offer.includes('v=v2beta1')) return 'v2beta1';
    if (offer.includes('v=v2')) return 'v2';
  }
  return undefined;
}

type DiscoveryRoute = Extract<Route, { kind: 'coreVersions' | 'groupList' | 'group' | 'resourceList' }>;

export function serveDiscovery(req: IncomingMessage, res: ServerResponse, route: DiscoveryRoute, registry: ResourceRegistry): void {
  const notFound = new ApiError('NotFound', 'the server could not find the requested resource');
  switch (route.kind) {
    case 'coreVersions':
    case 'groupList': {
      const aggregated = aggregatedVersion(req.headers.accept ?? '');
      if (aggregated) {
        const type = `application/json;g=apidiscovery.k8s.io;v=${aggregated};as=APIGroupDiscoveryList`;
        return sendJson(res, 200, registry.aggregated(route.kind === 'coreVersions', aggregated), type);
      }
      return sendJson(res, 200, route.kind === 'coreVersions' ? registry.coreVersions() : registry.groupList());
    }
    case 'group': {
      const doc = registry.group(route.group);
      if (!doc) throw notFound;
      return sendJson(res, 200, doc);
    }
    case 'resourceList': {
      const doc = registry.resourceList(route.group, route.version);
      if (!doc) throw notFound;
      return sendJson(res, 200, doc);
    }
    default: {
      const never: never = route;
      return never;
    }
  }
}

/**
 * OpenAPI documents without schemas: clients that validate manifests (helm, kubectl) must be
 * able to download them, and a schema-less type is one they skip. v2 is protobuf-encoded
 * (an empty body is an empty openapi_v2.Document); v3 is a JSON index of group versions.
 */
export function serveOpenApi(res: ServerResponse, path: string): void {
  if (path === 'v2') {
    res.writeHead(200, { 'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'Content-Length': 0 });
    res.end();
    return;
  }
  if (path === 'v3') return sendJson(res, 200, { paths: {} });
  throw new ApiError('NotFound', 'the server could not find the requested resource');
}
