// One YAML document → at most one object of the five kinds, plus what is wrong with it.
// Order of checks: dispatch on apiVersion/kind, schema, selector syntax, then warnings and infos.
import type { Diagnostic, DiagnosticCode, Severity } from '../model/diagnostics.ts';
import {
  CONFIG_GROUP,
  LIB_GROUP,
  isNamespacedKind,
  objectId,
  type GitsetObject,
  type Kind,
  type SourcePos,
} from '../model/objects.ts';
import { compileSelector, SelectorSyntaxError } from '../select/selector.ts';
import { annotationProblems, GITSET_ANNOTATION_PREFIX } from './annotations.ts';
import { credentialsWithoutOci, unfetchableCharts } from './helm-fields.ts';
import type { FieldPath, Locator } from './positions.ts';
import { dottedPath, schemaViolations } from './schemas.ts';
import { refusedField, unsupportedFields } from './unsupported.ts';

const GROUP_OF: Readonly<Record<Kind, string>> = {
  SveltosCluster: LIB_GROUP,
  ClusterSet: LIB_GROUP,
  Set: LIB_GROUP,
  ClusterProfile: CONFIG_GROUP,
  Profile: CONFIG_GROUP,
};

function isOurKind(kind: unknown): kind is Kind {
  return typeof kind === 'string' && Object.hasOwn(GROUP_OF, kind);
}

export interface DocumentResult {
  object?: GitsetObject;
  diagnostics: Diagnostic[];
}

/**
 * Kubernetes prunes `null` from fields that are not nullable before validating a custom resource
 * (`spec: null` is an absent spec), so the schemas see what the API server would see.
 */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNulls(v);
    return out;
  }
  return value;
}

/** Whether the document claims to be ours: one of our kinds, in a Sveltos group (or no group at all). */
function claimsOurKind(apiVersion: unknown, kind: unknown): kind is Kind {
  if (!isOurKind(kind)) return false;
  if (typeof apiVersion !== 'string') return true;
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
  // `projectsveltos.io/v1beta1` (a typo of the group) is ours, wrongly spelled; `example.com/v1` Profile is not.
  return group === '' || group.endsWith('projectsveltos.io');
}

type Report = (s: Severity, c: DiagnosticCode, m: string, p: SourcePos, f?: string, o?: string) => void;

export function checkDocument(raw: unknown, loc: Locator): DocumentResult {
  const diagnostics: Diagnostic[] = [];
  const report: Report = (severity, code, message, pos, field, object) => {
    diagnostics.push({ ...pos, severity, code, message, ...(field ? { field } : {}), ...(object ? { object } : {}) });
  };
  const doc = ourDocument(raw, loc, report);
  if (!doc) return { diagnostics };
  const { kind, apiVersion } = doc;
  const { meta, namespace, id } = identity(doc);
  for (const v of schemaViolations(kind, doc)) {
    report('error', 'schema', `${id ? `${id}: ` : `${kind}: `}${v.message}`, loc.at(v.path, v.pointAt), dottedPath(v.path), id);
  }
  if (diagnostics.length > 0) return { diagnostics };

  const spec = (doc.spec ?? {}) as Record<string, unknown>;
  if (kind !== 'SveltosCluster') {
    const selectorError = checkSelector(spec.clusterSelector, loc);
    if (selectorError) {
      report('error', 'selector-syntax', `${id}: spec.clusterSelector: ${selectorError.message}`, selectorError.pos, selectorError.field, id);
      return { diagnostics };
    }
    warnSelectsNothing(kind, spec, id!, loc, report);
  }

  const metadata = {
    name: meta.name as string,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(meta.labels ? { labels: meta.labels as Record<string, string> } : {}),
    ...(meta.annotations ? { annotations: meta.annotations as Record<string, string> } : {}),
  };
  for (const p of annotationProblems(metadata.annotations, undefined, { kind, ...(namespace !== undefined ? { namespace } : {}) })) {
    report(p.warning ? 'warning' : 'error', 'bad-annotation', `${id}: ${p.message}`, loc.at(['metadata', 'annotations', p.key]), `metadata.annotations.${p.key}`, id);
  }
  if (kind === 'ClusterProfile' || kind === 'Profile') profileNotes(spec, id!, loc, report);
  const object = {
    apiVersion: apiVersion as string,
    kind,
    metadata,
    spec,
    source: loc.at(['kind'], 'key'),
    fieldSources: { ...fieldSources(spec, loc), ...annotationSources(metadata.annotations, loc) },
  } as GitsetObject;
  return { object, diagnostics };
}

/** The document as a mapping of one of our kinds, or undefined (with an info saying why it is ignored). */
function ourDocument(raw: unknown, loc: Locator, report: Report): (Record<string, unknown> & { kind: Kind }) | undefined {
  if (raw === null || raw === undefined) return undefined; // empty document (`---` at the end)
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    report('info', 'unknown-kind', 'document is not a Kubernetes object (not a mapping): ignored', loc.at([]));
    return undefined;
  }
  const doc = withoutNulls(raw) as Record<string, unknown>;
  const { apiVersion, kind } = doc;
  if (claimsOurKind(apiVersion, kind)) return doc as Record<string, unknown> & { kind: Kind };
  const what =
    typeof kind === 'string'
      ? `kind ${kind}${typeof apiVersion === 'string' ? ` (${apiVersion})` : ''} is not one gitset reads`
      : 'document has no kind';
  // Kept as a repository object (src/load/repository-objects.ts) when it has a name: templates can read it.
  const readable = typeof kind === 'string' && typeof apiVersion === 'string' && typeof (doc.metadata as { name?: unknown } | undefined)?.name === 'string';
  report('info', 'unknown-kind', `${what}: ${readable ? 'not deployed; templateResourceRefs can name it' : 'ignored'}`, loc.at(['kind'], 'key'), 'kind');
  return undefined;
}

/** Metadata as written, the namespace it lives in (`default` when absent) and its id when it has a name. */
function identity(doc: Record<string, unknown> & { kind: Kind }): { meta: Record<string, unknown>; namespace?: string; id?: string } {
  const meta = (doc.metadata ?? {}) as Record<string, unknown>;
  const name = typeof meta.name === 'string' ? meta.name : undefined;
  const namespace = isNamespacedKind(doc.kind) ? (typeof meta.namespace === 'string' ? meta.namespace : 'default') : undefined;
  const id = name ? objectId({ kind: doc.kind, metadata: { name, namespace } }) : undefined;
  return { meta, ...(namespace !== undefined ? { namespace } : {}), ...(id !== undefined ? { id } : {}) };
}

/** A profile's fields gitset does not act on, and charts it cannot fetch. */
function profileNotes(spec: Record<string, unknown>, id: string, loc: Locator, report: Report): void {
  for (const field of unsupportedFields({ spec })) {
    const path = field.split('=')[0]!;
    const refused = refusedField(field);
    if (refused) report('warning', 'unsupported-field', `${id}: ${field}: ${refused}`, loc.at(parseDotted(path), 'key'), field, id);
    else report('info', 'unsupported-field', `${id}: ${field} is not supported by gitset yet: validated, not acted on`, loc.at(parseDotted(path), 'key'), field, id);
  }
  for (const { path, url } of unfetchableCharts(spec.helmCharts)) {
    const field = dottedPath(path);
    const message = `${id}: ${field} ${JSON.stringify(url)} is not an https://, http:// or oci:// URL: gitset cannot install this chart`;
    report('warning', 'schema', message, loc.at(path), field, id);
  }
  for (const path of credentialsWithoutOci(spec.helmCharts)) {
    const field = dottedPath(path);
    report('warning', 'unsupported-field', `${id}: ${field}: helm reads registry credentials for oci:// charts only (an http(s) repository's password would go on its command line): the release fails`, loc.at(path, 'key'), field, id);
  }
}

function warnSelectsNothing(
  kind: Exclude<Kind, 'SveltosCluster'>,
  spec: Record<string, unknown>,
  id: string,
  loc: Locator,
  report: Report,
): void {
  const selectorEmpty = compileSelector(spec.clusterSelector as never).empty;
  const refs = (spec.clusterRefs as unknown[] | undefined)?.length ?? 0;
  const setRefs = (spec.setRefs as unknown[] | undefined)?.length ?? 0;
  if (selectorEmpty && refs === 0 && setRefs === 0) {
    const what = kind === 'ClusterSet' || kind === 'Set' ? 'clusterSelector or clusterRefs' : 'clusterSelector, clusterRefs or setRefs';
    report('warning', 'empty-selector', `${id}: no ${what}: it matches no cluster (an empty selector matches nothing)`, loc.at(['spec'], 'key'), 'spec.clusterSelector', id);
  }
  if (kind === 'ClusterSet' || kind === 'Set') {
    const max = spec.maxReplicas as number | undefined;
    if (max === undefined || max <= 0) {
      const msg = max === undefined ? 'spec.maxReplicas is absent' : `spec.maxReplicas is ${max}`;
      report('warning', 'max-replicas-zero', `${id}: ${msg}: the set selects no cluster (as in Sveltos); set maxReplicas to at least 1`, loc.at(max === undefined ? ['spec'] : ['spec', 'maxReplicas'], max === undefined ? 'key' : 'value'), 'spec.maxReplicas', id);
    }
  }
}

interface SelectorProblem {
  message: string;
  pos: SourcePos;
  field: string;
}

function checkSelector(selector: unknown, loc: Locator): SelectorProblem | undefined {
  try {
    compileSelector(selector as never);
    return undefined;
  } catch (err) {
    if (!(err instanceof SelectorSyntaxError)) throw err;
    if (typeof selector === 'string') {
      return { message: `${err.message} (in "${selector}")`, pos: loc.inString(['spec', 'clusterSelector'], err.index), field: 'spec.clusterSelector' };
    }
    const inner = err.field ? parseSelectorField(err.field) : [];
    const path = ['spec', 'clusterSelector', ...inner];
    const pointAt = inner[0] === 'matchLabels' && inner.length === 2 && err.message.startsWith('label key') ? 'key' : 'value';
    return { message: err.message, pos: loc.at(path, pointAt), field: dottedPath(path) };
  }
}

/** `matchLabels.<key>` (keys may hold dots and slashes) or `matchExpressions[1].values[0]`. */
function parseSelectorField(field: string): Array<string | number> {
  if (field.startsWith('matchLabels.')) return ['matchLabels', field.slice('matchLabels.'.length)];
  return parseDotted(field);
}

export function parseDotted(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** Positions of the fields cross-reference checks point at. */
function fieldSources(spec: Record<string, unknown>, loc: Locator): Record<string, SourcePos> {
  const out: Record<string, SourcePos> = { 'metadata.name': loc.at(['metadata', 'name']) };
  const at = (path: FieldPath): void => {
    out[dottedPath(path)] = loc.at(path);
  };
  if (spec.clusterSelector !== undefined) at(['spec', 'clusterSelector']);
  if (spec.maxReplicas !== undefined) at(['spec', 'maxReplicas']);
  for (const list of ['setRefs', 'clusterRefs', 'helmCharts', 'policyRefs', 'kustomizationRefs', 'patches', 'patchesFrom', 'templateResourceRefs', 'dependsOn', 'validateHealths'] as const) {
    const items = spec[list];
    if (Array.isArray(items)) items.forEach((_, i) => at(['spec', list, i]));
  }
  // Where a kustomizationRefs field gitset cannot use is reported (src/load/kustomization-refs.ts).
  if (Array.isArray(spec.kustomizationRefs)) {
    spec.kustomizationRefs.forEach((entry: unknown, i) => {
      if (entry && typeof entry === 'object') for (const field of Object.keys(entry)) at(['spec', 'kustomizationRefs', i, field]);
    });
  }
  // Where an allow-list of chart sources points (src/load/chart-repos.ts).
  if (Array.isArray(spec.helmCharts)) {
    spec.helmCharts.forEach((chart: unknown, i) => {
      for (const field of ['repositoryURL', 'chartName']) if (chart && typeof chart === 'object' && field in chart) at(['spec', 'helmCharts', i, field]);
      // Where a template that fails is reported (src/plan/template-check.ts).
      for (const field of ['values', 'chartVersion', 'releaseName', 'releaseNamespace', 'chartName', 'repositoryURL', 'repositoryName']) {
        const value = chart && typeof chart === 'object' ? (chart as Record<string, unknown>)[field] : undefined;
        if (typeof value === 'string' && value.includes('{{')) at(['spec', 'helmCharts', i, field]);
      }
      // Where a dangling valuesFrom entry is reported (src/load/values-from-refs.ts).
      const valuesFrom = chart && typeof chart === 'object' ? (chart as Record<string, unknown>).valuesFrom : undefined;
      if (Array.isArray(valuesFrom)) valuesFrom.forEach((_, j) => at(['spec', 'helmCharts', i, 'valuesFrom', j]));
    });
  }
  return out;
}

/** Positions of gitset's annotation values (`metadata.annotations.gitset.dev/pin`), for checks that need the whole repository. */
function annotationSources(annotations: Record<string, string> | undefined, loc: Locator): Record<string, SourcePos> {
  const out: Record<string, SourcePos> = {};
  for (const key of Object.keys(annotations ?? {})) {
    if (key.startsWith(GITSET_ANNOTATION_PREFIX)) out[`metadata.annotations.${key}`] = loc.at(['metadata', 'annotations', key]);
  }
  return out;
}
