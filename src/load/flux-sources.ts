// Flux source objects of the repository (source.toolkit.fluxcd.io GitRepository, OCIRepository),
// in Flux's own YAML, that `kustomizationRefs` name. gitset fetches a GitRepository itself with
// isomorphic-git, so only what it can honour passes: an HTTP(S) URL without credentials in it
// (they come from the credentials folder through `secretRef`), one ref, a duration as interval.
import type { Diagnostic } from '../model/diagnostics.ts';
import { parseDuration } from '../model/duration.ts';
import type { FluxGitRef, FluxSource, FluxSourceKind } from '../model/sources.ts';
import { isScpLike } from '../git/location.ts';
import { TEMPLATE_ANNOTATION } from './content-sources.ts';
import type { Locator } from './positions.ts';

export const FLUX_SOURCE_GROUP = 'source.toolkit.fluxcd.io';
const VERSIONS = new Set(['v1', 'v1beta2', 'v1beta1']);
const REF_FIELDS = ['branch', 'tag', 'semver', 'name', 'commit'] as const;
/** Fields of GitRepository.spec that change what is fetched and that gitset does not honour. */
const UNHONOURED = ['include', 'recurseSubmodules', 'verify', 'sparseCheckout', 'proxySecretRef', 'provider'];
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export interface FluxSourceResult {
  source?: FluxSource;
  diagnostics: Diagnostic[];
}

/** Whether a parsed document is a Flux GitRepository or OCIRepository (any served version). */
export function isFluxSourceDoc(raw: unknown): raw is Record<string, unknown> & { kind: FluxSourceKind } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return false;
  const { apiVersion, kind } = raw as Record<string, unknown>;
  return typeof apiVersion === 'string' && apiVersion.startsWith(`${FLUX_SOURCE_GROUP}/`) && (kind === 'GitRepository' || kind === 'OCIRepository');
}

/** `GitRepository/ns/name`: the key sources are found by. */
export function fluxSourceId(ref: { kind: string; namespace: string; name: string }): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}

export function checkFluxSource(doc: Record<string, unknown> & { kind: FluxSourceKind }, loc: Locator): FluxSourceResult {
  const diagnostics: Diagnostic[] = [];
  const meta = isObject(doc.metadata) ? doc.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
  const id = fluxSourceId({ kind: doc.kind, namespace, name: name || '?' });
  const report = (path: Array<string | number>, message: string, severity: Diagnostic['severity'] = 'error'): void => {
    // A warning is about a field that is there (point at its name); an error about its value, or the mapping that lacks it.
    diagnostics.push({ ...loc.at(path, severity === 'warning' ? 'key' : 'value'), severity, code: 'bad-flux-source', message: `${id}: ${path.join('.')}: ${message}`, field: path.join('.'), object: id });
  };
  const version = String(doc.apiVersion).slice(FLUX_SOURCE_GROUP.length + 1);
  if (!VERSIONS.has(version)) report(['apiVersion'], `version ${JSON.stringify(version)} is not one Flux serves (v1, v1beta2, v1beta1)`);
  if (!NAME.test(name) || name.length > 253) report(['metadata', 'name'], 'must be a DNS-1123 subdomain (lower-case letters, digits, "-", ".")');
  if (typeof meta.namespace === 'string' && !NAME.test(meta.namespace)) report(['metadata', 'namespace'], 'must be a DNS-1123 label');
  const spec = isObject(doc.spec) ? doc.spec : undefined;
  if (!spec) {
    report(['spec'], 'is required (a mapping with url)');
    return { diagnostics };
  }
  const url = typeof spec.url === 'string' ? spec.url.trim() : '';
  if (url === '') report(['spec', 'url'], 'is required (a string)');
  else if (doc.kind === 'GitRepository') {
    const why = whyNotFetchable(url);
    if (why) report(['spec', 'url'], why);
  }
  const ref = doc.kind === 'GitRepository' ? checkRef(spec.ref, report) : undefined;
  const secretRef = checkSecretRef(spec.secretRef, report);
  for (const field of ['interval', 'timeout'] as const) {
    const v = spec[field];
    if (v !== undefined && (typeof v !== 'string' || parseDuration(v) === undefined)) report(['spec', field], `must be a duration such as 1m0s, not ${JSON.stringify(v)}`);
  }
  if (doc.kind === 'GitRepository') {
    for (const field of UNHONOURED) if (spec[field] !== undefined) report(['spec', field], 'is not honoured by gitset: the repository is fetched without it', 'warning');
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  const source: FluxSource = {
    kind: doc.kind,
    apiVersion: String(doc.apiVersion),
    metadata: { name, namespace },
    ...(isObject(meta.annotations) && Object.hasOwn(meta.annotations, TEMPLATE_ANNOTATION) ? { templated: true } : {}),
    spec: {
      url,
      ...(ref ? { ref } : {}),
      ...(secretRef ? { secretRef } : {}),
      ...(typeof spec.interval === 'string' ? { interval: spec.interval } : {}),
      ...(typeof spec.timeout === 'string' ? { timeout: spec.timeout } : {}),
    },
    source: loc.at(['kind'], 'key'),
    urlSource: loc.at(['spec', 'url'], 'value'),
  };
  return { source, diagnostics };
}

type Report = (path: Array<string | number>, message: string, severity?: Diagnostic['severity']) => void;

/** Why gitset cannot fetch `url` (isomorphic-git speaks HTTP(S) only), or undefined. */
export function whyNotFetchable(url: string): string | undefined {
  if (/^(git\+)?ssh:\/\//i.test(url) || isScpLike(url)) {
    return 'SSH URLs are not supported (gitset fetches with isomorphic-git, which speaks HTTP(S) only): use the https:// URL, with secretRef for credentials';
  }
  if (!/^https?:\/\//i.test(url)) return 'must be an http:// or https:// URL';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a valid URL';
  }
  if (parsed.username || parsed.password) return 'must not hold credentials (user:password@): name a Secret in secretRef, whose keys gitset reads from its credentials folder';
  return undefined;
}

function checkRef(ref: unknown, report: Report): FluxGitRef | undefined {
  if (ref === undefined) return undefined;
  if (!isObject(ref)) {
    report(['spec', 'ref'], 'must be a mapping (branch, tag, semver, name or commit)');
    return undefined;
  }
  const out: FluxGitRef = {};
  for (const field of REF_FIELDS) {
    const v = ref[field];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.trim() === '') report(['spec', 'ref', field], 'must be a non-empty string');
    else out[field] = v.trim();
  }
  if (out.commit !== undefined && !/^[0-9a-f]{40}$/.test(out.commit)) report(['spec', 'ref', 'commit'], 'must be a full 40-character commit SHA');
  if (out.name !== undefined && !/^refs\/(heads|tags)\/./.test(out.name)) report(['spec', 'ref', 'name'], 'must be refs/heads/<branch> or refs/tags/<tag>');
  return out;
}

function checkSecretRef(ref: unknown, report: Report): { name: string } | undefined {
  if (ref === undefined) return undefined;
  if (!isObject(ref) || typeof ref.name !== 'string' || !NAME.test(ref.name)) {
    report(['spec', 'secretRef', 'name'], 'must name a Secret (a DNS-1123 name)');
    return undefined;
  }
  return { name: ref.name };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
