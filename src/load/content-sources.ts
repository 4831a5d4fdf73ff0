// ConfigMaps and Secrets of the repository that `policyRefs` name, in Sveltos' format: every
// data key holds one or more YAML or JSON manifests. Secret data is decoded here and never
// quoted in a diagnostic: a Secret's content is the user's business (sealed, sops, …).
import { parseAllDocuments } from 'yaml';
import type { Diagnostic } from '../model/diagnostics.ts';
import type { ContentSource, ContentSourceKind } from '../model/sources.ts';
import type { Locator } from './positions.ts';

/** The Secret type Sveltos reads policyRefs content from. */
export const POLICY_SECRET_TYPE = 'addons.projectsveltos.io/cluster-profile';
/** Sveltos' annotation marking content to be rendered per cluster. */
export const TEMPLATE_ANNOTATION = 'projectsveltos.io/template';

export interface ContentSourceResult {
  source?: ContentSource;
  diagnostics: Diagnostic[];
}

/** Whether a parsed document is a core/v1 ConfigMap or Secret. */
export function isContentSourceDoc(raw: unknown): raw is Record<string, unknown> & { kind: ContentSourceKind } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return false;
  const { apiVersion, kind } = raw as Record<string, unknown>;
  return apiVersion === 'v1' && (kind === 'ConfigMap' || kind === 'Secret');
}

export function checkContentSource(doc: Record<string, unknown> & { kind: ContentSourceKind }, loc: Locator): ContentSourceResult {
  const diagnostics: Diagnostic[] = [];
  const meta = (doc.metadata ?? {}) as Record<string, unknown>;
  const name = typeof meta.name === 'string' && meta.name !== '' ? meta.name : undefined;
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
  const id = `${doc.kind}/${namespace}/${name ?? '?'}`;
  const report = (path: Array<string | number>, message: string, severity: Diagnostic['severity'] = 'error'): void => {
    diagnostics.push({ ...loc.at(path), severity, code: 'bad-policy-content', message: `${id}: ${message}`, field: path.join('.'), object: id });
  };
  if (!name) {
    report(['metadata', 'name'], 'metadata.name is required');
    return { diagnostics };
  }
  if (doc.kind === 'Secret' && doc.type !== POLICY_SECRET_TYPE) {
    const type = typeof doc.type === 'string' ? doc.type : 'Opaque';
    report(['type'], `type is ${JSON.stringify(type)}: policyRefs read only Secrets of type ${POLICY_SECRET_TYPE} (as Sveltos does); ignored`, 'warning');
    return { diagnostics };
  }
  const data = decodedData(doc, report);
  if (!data) return { diagnostics };
  const annotations = stringMap(meta.annotations);
  const templated = annotations !== undefined && Object.hasOwn(annotations, TEMPLATE_ANNOTATION);
  const binaryData = doc.kind === 'ConfigMap' ? base64Map(doc.binaryData, report) : undefined;
  const source: ContentSource = {
    kind: doc.kind,
    metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
    data,
    ...(binaryData ? { binaryData } : {}),
    templated,
    source: loc.at(['kind'], 'key'),
    keySources: Object.fromEntries(Object.keys(data).map((k) => [k, loc.at([doc.kind === 'Secret' && !hasKey(doc.data, k) ? 'stringData' : 'data', k], 'key')])),
  };
  return { source, diagnostics };
}

type Report = (path: Array<string | number>, message: string) => void;

/** A ConfigMap's `binaryData`: base64 text per key, kept as written (decoded where it is used). */
function base64Map(v: unknown, report: Report): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    report(['binaryData'], 'binaryData must be a mapping of keys to base64 strings');
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(v)) {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(value)) report(['binaryData', key], `binaryData key ${JSON.stringify(key)} must be base64`);
    else out[key] = value.replace(/\s+/g, '');
  }
  return out;
}

/** ConfigMap `data`; Secret `data` (base64) overlaid by `stringData`, as the API server merges them. */
function decodedData(doc: Record<string, unknown>, report: Report): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  const data = doc.data ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    report(['data'], 'data must be a mapping of keys to strings');
    return undefined;
  }
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (typeof value !== 'string') {
      report(['data', key], `data key ${JSON.stringify(key)} must be a string`);
      return undefined;
    }
    if (doc.kind === 'ConfigMap') out[key] = value;
    else if (/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(value)) out[key] = Buffer.from(value, 'base64').toString('utf8');
    else {
      report(['data', key], `data key ${JSON.stringify(key)} is not base64 (use stringData for plain text)`);
      return undefined;
    }
  }
  if (doc.kind === 'Secret' && doc.stringData !== undefined) {
    const sd = stringMap(doc.stringData);
    if (!sd) {
      report(['stringData'], 'stringData must be a mapping of keys to strings');
      return undefined;
    }
    Object.assign(out, sd);
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Parses one data key's text into the manifests it holds. Throws with a message free of content. */
export function parseManifestText(text: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const doc of parseAllDocuments(text, { prettyErrors: false })) {
    const err = doc.errors[0];
    if (err) throw new Error(`YAML syntax error: ${err.message.split('\n')[0]!.replace(/:$/, '')}`);
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    for (const item of isList(value) ? (value as { items: unknown[] }).items : [value]) {
      const why = whyNotManifest(item);
      if (why) throw new Error(why);
      out.push(item as Record<string, unknown>);
    }
  }
  return out;
}

function isList(v: unknown): boolean {
  const o = v as Record<string, unknown>;
  return typeof o === 'object' && o !== null && o.kind === 'List' && Array.isArray(o.items);
}

function whyNotManifest(item: unknown): string | undefined {
  if (!item || typeof item !== 'object' || Array.isArray(item)) return 'a document is not a Kubernetes object (not a mapping)';
  const o = item as Record<string, unknown>;
  const meta = o.metadata as Record<string, unknown> | undefined;
  if (typeof o.apiVersion !== 'string' || o.apiVersion === '') return 'a manifest has no apiVersion';
  if (typeof o.kind !== 'string' || o.kind === '') return 'a manifest has no kind';
  if (!meta || typeof meta.name !== 'string' || meta.name === '') return `a ${o.kind} has no metadata.name`;
  if (meta.namespace !== undefined && typeof meta.namespace !== 'string') return `${o.kind} ${meta.name}: metadata.namespace must be a string`;
  return undefined;
}

/** What is wrong with one data key's manifests (none when it parses), without quoting them. */
export function manifestProblem(text: string): string | undefined {
  try {
    parseManifestText(text);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function hasKey(v: unknown, key: string): boolean {
  return !!v && typeof v === 'object' && Object.hasOwn(v, key);
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}
