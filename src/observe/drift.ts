// Drift: what a person changed or deleted by hand among the objects a release applied. Every
// field the chart sets is compared with the live object; fields the chart leaves out (defaults,
// what controllers write, status) are not gitset's business. Pure: observed objects in, findings out.
import type { DriftExclusion } from '../model/objects.ts';
import type { ManifestObject } from './release-record.ts';

export type { DriftExclusion };

/**
 * A profile's drift exclusions: its `driftExclusions` when it detects drift, none otherwise (Sveltos
 * applies them with ContinuousWithDriftDetection only). Malformed entries are passed over: the
 * schema reports them.
 */
export function profileDriftExclusions(spec: { syncMode?: string; driftExclusions?: unknown }): DriftExclusion[] {
  return spec.syncMode === 'ContinuousWithDriftDetection' ? parseDriftExclusions(spec.driftExclusions) : [];
}

/** Sveltos' `driftExclusions` as the repository writes them; malformed entries are passed over. */
export function parseDriftExclusions(raw: unknown): DriftExclusion[] {
  if (!Array.isArray(raw)) return [];
  const out: DriftExclusion[] = [];
  for (const e of raw as Array<{ paths?: unknown; target?: unknown }>) {
    if (!e || !Array.isArray(e.paths)) continue;
    const paths = e.paths.filter((p): p is string => typeof p === 'string');
    const target = e.target && typeof e.target === 'object' ? pickTarget(e.target as Record<string, unknown>) : undefined;
    out.push(target ? { paths, target } : { paths });
  }
  return out;
}

function pickTarget(o: Record<string, unknown>): NonNullable<DriftExclusion['target']> {
  const out: Record<string, string> = {};
  for (const k of ['group', 'version', 'kind', 'name', 'namespace'] as const) if (typeof o[k] === 'string') out[k] = o[k];
  return out;
}

/** One difference, with the evidence a person reads in status, log and commit message. */
export interface DriftFinding {
  object: string;
  /** `spec.replicas`, `spec.template.spec.containers[0].image`; empty when the object is gone. */
  path: string;
  /** `Deployment hello/hello spec.replicas 5 → 1`, `Deployment hello/hello deleted`. */
  evidence: string;
}

/** A live object as read from the cluster, or null when it does not exist. */
export type LiveObjects = ReadonlyMap<string, Record<string, unknown> | null>;

/** How objects are keyed between the manifest and the live reads: `apps/Deployment hello/hello`. */
export function objectKey(o: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }, defaultNamespace?: string): string {
  const ns = o.metadata.namespace ?? defaultNamespace;
  return `${o.apiVersion} ${o.kind} ${ns ? `${ns}/` : ''}${o.metadata.name}`;
}

/** Readable name of an object in evidence: `Deployment hello/hello`. */
export function objectName(o: ManifestObject, defaultNamespace?: string): string {
  const ns = o.metadata.namespace ?? defaultNamespace;
  return `${o.kind} ${ns ? `${ns}/` : ''}${o.metadata.name}`;
}

/**
 * Compares each desired object with its live copy. `live` holds an entry for every desired object
 * that was read (null: not found); an object with no entry was not read and is not judged.
 */
export function findDrift(
  desired: readonly ManifestObject[],
  live: LiveObjects,
  exclusions: readonly DriftExclusion[],
  defaultNamespace?: string,
): DriftFinding[] {
  const out: DriftFinding[] = [];
  for (const want of desired) {
    const key = objectKey(want, defaultNamespace);
    if (!live.has(key)) continue;
    const name = objectName(want, defaultNamespace);
    const have = live.get(key);
    if (ignoresDrift(want) || ignoresDrift(have)) continue;
    if (have === null || have === undefined) {
      out.push({ object: name, path: '', evidence: `${name} deleted` });
      continue;
    }
    const skip = excludedPaths(want, exclusions, defaultNamespace);
    for (const d of compareFields(specOf(want), have, [], skip)) {
      out.push({ object: name, path: d.path, evidence: `${name} ${d.path} ${d.live} → ${d.want}` });
    }
  }
  return out;
}

/** Sveltos' annotation taking an object out of drift detection (often set by a profile's patches). */
export const DRIFT_IGNORE_ANNOTATION = 'projectsveltos.io/driftDetectionIgnore';

function ignoresDrift(o: { metadata?: unknown } | null | undefined): boolean {
  const annotations = (o?.metadata as { annotations?: unknown } | undefined)?.annotations;
  return typeof annotations === 'object' && annotations !== null && Object.hasOwn(annotations, DRIFT_IGNORE_ANNOTATION);
}

/** What the chart sets: all but status, and of metadata only labels and annotations. */
function specOf(o: ManifestObject): Record<string, unknown> {
  const { status: _s, metadata, apiVersion: _a, kind: _k, ...rest } = o;
  const meta: Record<string, unknown> = {};
  if (metadata.labels !== undefined) meta['labels'] = metadata.labels;
  if (metadata.annotations !== undefined) meta['annotations'] = metadata.annotations;
  return Object.keys(meta).length > 0 ? { metadata: meta, ...rest } : rest;
}

interface Difference {
  path: string;
  live: string;
  want: string;
}

function compareFields(want: unknown, have: unknown, path: string[], skip: readonly string[][]): Difference[] {
  if (skip.some((s) => isPrefix(s, path))) return [];
  if (isEmpty(want) && (have === undefined || have === null || isEmpty(have))) return []; // the API server drops `{}` and `[]`
  if (isObject(want)) {
    if (!isObject(have)) return [difference(path, have, want)];
    return Object.keys(want).flatMap((k) => compareFields(want[k], have[k], [...path, k], skip));
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(have) || have.length !== want.length) return [difference(path, have, want)];
    return want.flatMap((w, i) => compareFields(w, have[i], [...path, String(i)], skip));
  }
  if (want === null || want === undefined) return [];
  return sameScalar(want, have) ? [] : [difference(path, have, want)];
}

/** The API server keeps `80` and `"80"` apart, but YAML quoting in a chart is not drift. */
function sameScalar(want: unknown, have: unknown): boolean {
  return want === have || (have !== undefined && have !== null && typeof have !== 'object' && String(want) === String(have));
}

function difference(path: string[], have: unknown, want: unknown): Difference {
  return { path: formatPath(path), live: show(have), want: show(want) };
}

function show(v: unknown): string {
  if (v === undefined) return '(absent)';
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `spec.template.spec.containers[0].image`. */
export function formatPath(path: readonly string[]): string {
  let out = '';
  for (const p of path) out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/**
 * The paths `exclusions` take out of object `o` (Sveltos' matching: every target field given must
 * match; an empty group is the core group's wildcard). Shared by drift detection and the
 * post-renderer that keeps these paths out of what helm applies.
 */
export function excludedPaths(o: Pick<ManifestObject, 'apiVersion' | 'kind' | 'metadata'>, exclusions: readonly DriftExclusion[], defaultNamespace?: string): string[][] {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/', 2) : ['', o.apiVersion];
  const ns = o.metadata.namespace ?? defaultNamespace ?? '';
  const out: string[][] = [];
  for (const e of exclusions) {
    const t = e.target ?? {};
    if (t.kind && t.kind !== o.kind) continue;
    if (t.name && t.name !== o.metadata.name) continue;
    if (t.namespace && t.namespace !== ns) continue;
    if (t.group !== undefined && t.group !== '' && t.group !== group) continue;
    if (t.version && t.version !== version) continue;
    for (const p of e.paths) out.push(parsePointer(p));
  }
  return out;
}

/** `/spec/replicas` (JSON pointer, `~1` for `/`, `~0` for `~`); `spec.replicas` is accepted too. */
export function parsePointer(p: string): string[] {
  const parts = p.startsWith('/') ? p.slice(1).split('/') : p.split('.');
  return parts.filter((s) => s !== '').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => p === path[i]);
}

function isEmpty(v: unknown): boolean {
  return (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
