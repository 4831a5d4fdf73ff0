// Sveltos' ClusterPromotion → one ClusterProfile per stage, as Sveltos' own controller creates
// them: `<promotion>-<stage>`, the shared profileSpec with the stage's clusterSelector. The stage
// checks are here (names, selectors, triggers, delays); the profileSpec is checked as the first
// stage's ClusterProfile, with every position and message pointed back into the promotion's file.
import type { Diagnostic } from '../model/diagnostics.ts';
import { CONFIG_GROUP, PROMOTION_LABEL, objectId, type ClusterPromotion, type ProfileObject, type PromotionStage, type SourcePos, type SveltosCluster } from '../model/objects.ts';
import { parseDuration } from '../model/duration.ts';
import { compileSelector, SelectorSyntaxError } from '../select/selector.ts';
import { checkDocument, withoutNulls } from './document.ts';
import type { FieldPath, Locator } from './positions.ts';

export const PROMOTION_KIND = 'ClusterPromotion';
/** A stage name becomes part of a ClusterProfile name: a DNS label. */
const STAGE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** profileSpec fields that choose clusters: a promotion's stages do that. */
const STAGE_FIELDS = ['clusterSelector', 'clusterRefs', 'setRefs'] as const;
/** Trigger fields gitset does not act on (Sveltos Enterprise's checks and windows). */
const UNSUPPORTED_TRIGGER_FIELDS = ['preHealthCheckDeployment', 'postDelayHealthChecks', 'promotionWindow'] as const;

export function isPromotionDoc(raw: unknown): boolean {
  const { apiVersion, kind } = (raw ?? {}) as Record<string, unknown>;
  return kind === PROMOTION_KIND && typeof apiVersion === 'string' && apiVersion.includes('projectsveltos.io/');
}

export interface PromotionResult {
  promotion?: ClusterPromotion;
  /** The stages' ClusterProfiles, in stage order; none when anything is wrong with the promotion. */
  profiles: ProfileObject[];
  diagnostics: Diagnostic[];
}

export function checkPromotion(raw: unknown, loc: Locator): PromotionResult {
  const doc = withoutNulls(raw) as Record<string, unknown>;
  const meta = (doc.metadata ?? {}) as Record<string, unknown>;
  const name = typeof meta.name === 'string' && meta.name !== '' ? meta.name : undefined;
  const id = `${PROMOTION_KIND}/${name ?? '?'}`;
  const diagnostics: Diagnostic[] = [];
  const error = (path: FieldPath, message: string, code: Diagnostic['code'] = 'schema', severity: Diagnostic['severity'] = 'error'): void => {
    diagnostics.push({ ...loc.at(path), severity, code, message: `${id}: ${fieldOf(path)}: ${message}`, field: fieldOf(path), object: id });
  };
  if (!name) error(['metadata', 'name'], 'a ClusterPromotion needs a name');
  if (doc.apiVersion !== `${CONFIG_GROUP}/v1beta1`) error(['apiVersion'], `must be ${CONFIG_GROUP}/v1beta1`);
  const spec = (doc.spec ?? {}) as Record<string, unknown>;
  const profileSpec = spec.profileSpec;
  if (!isRecord(profileSpec)) error(['spec', 'profileSpec'], 'must be a mapping: the ClusterProfile spec every stage deploys');
  else for (const f of STAGE_FIELDS) if (f in profileSpec) error(['spec', 'profileSpec', f], 'not part of a profileSpec: each stage\'s clusterSelector chooses the clusters');
  const stages = checkStages(spec.stages, error);
  if (spec.preserveClusterProfilesOnDelete === true) error(['spec', 'preserveClusterProfilesOnDelete'], 'not supported by gitset: deleting the promotion withdraws what its stages deployed', 'unsupported-field', 'warning');
  if (diagnostics.some((d) => d.severity === 'error') || !name || !isRecord(profileSpec)) return { profiles: [], diagnostics };

  const profiles: ProfileObject[] = [];
  for (const [i, stage] of stages.entries()) {
    const derived = derivedDocument(name, meta, profileSpec, stage);
    const r = checkDocument(derived, stageLocator(loc, i));
    const derivedId = `ClusterProfile/${derived.metadata.name}`;
    // The profileSpec is the same in every stage: its findings are said once; selectors were checked above.
    if (i === 0) diagnostics.push(...r.diagnostics.filter((d) => d.code !== 'selector-syntax' && d.code !== 'empty-selector').map((d) => pointedBack(d, derivedId, id, i)));
    else if (r.diagnostics.some((d) => d.severity === 'error' && d.code !== 'schema')) diagnostics.push(...r.diagnostics.filter((d) => d.severity === 'error').map((d) => pointedBack(d, derivedId, id, i)));
    if (r.object) profiles.push(r.object as ProfileObject);
  }
  if (profiles.length !== stages.length) return { profiles: [], diagnostics };
  const promotion: ClusterPromotion = {
    apiVersion: doc.apiVersion as string,
    kind: 'ClusterPromotion',
    metadata: { name, ...(isRecord(meta.labels) ? { labels: meta.labels as Record<string, string> } : {}), ...(isRecord(meta.annotations) ? { annotations: meta.annotations as Record<string, string> } : {}) },
    spec: spec as ClusterPromotion['spec'],
    source: loc.at(['kind'], 'key'),
    profiles: profiles.map((p) => objectId(p)),
  };
  return { promotion, profiles, diagnostics };
}

type Report = (path: FieldPath, message: string, code?: Diagnostic['code'], severity?: Diagnostic['severity']) => void;

function checkStages(value: unknown, error: Report): PromotionStage[] {
  if (!Array.isArray(value) || value.length === 0) {
    error(['spec', 'stages'], 'must list at least one stage (name, clusterSelector, trigger)');
    return [];
  }
  const seen = new Map<string, number>();
  value.forEach((stage: unknown, i) => {
    const at = (...rest: FieldPath): FieldPath => ['spec', 'stages', i, ...rest];
    if (!isRecord(stage)) return error(at(), 'must be a mapping with name, clusterSelector and trigger');
    if (typeof stage.name !== 'string' || !STAGE_NAME.test(stage.name)) error(at('name'), 'must be a lowercase DNS label (a-z, 0-9, -): it names the stage\'s ClusterProfile');
    else if (seen.has(stage.name)) error(at('name'), `duplicate stage name ${JSON.stringify(stage.name)} (also spec.stages[${seen.get(stage.name)}])`);
    else seen.set(stage.name, i);
    checkStageSelector(stage.clusterSelector, at('clusterSelector'), error);
    checkTrigger(stage.trigger, at('trigger'), i === value.length - 1, error);
  });
  return value as PromotionStage[];
}

function checkStageSelector(selector: unknown, path: FieldPath, error: Report): void {
  if (selector !== undefined && !isRecord(selector)) return error(path, 'must be a label selector (matchLabels, matchExpressions)', 'selector-syntax');
  try {
    if (compileSelector(selector as never).empty) error(path, 'empty stage: an empty selector matches no cluster', 'empty-selector');
  } catch (err) {
    if (!(err instanceof SelectorSyntaxError)) throw err;
    error(err.field ? [...path, ...err.field.split('.')] : path, err.message, 'selector-syntax');
  }
}

function checkTrigger(trigger: unknown, path: FieldPath, last: boolean, error: Report): void {
  if (trigger === undefined) return;
  if (!isRecord(trigger) || ('auto' in trigger) === ('manual' in trigger)) return error(path, 'a trigger has exactly one of auto or manual');
  if (last) error(path, 'the last stage promotes to nothing: its trigger is not used', 'unsupported-field', 'info');
  const kind = 'auto' in trigger ? 'auto' : 'manual';
  const body = trigger[kind];
  if (body === undefined) return;
  if (!isRecord(body)) return error([...path, kind], 'must be a mapping');
  if (body.delay !== undefined && (typeof body.delay !== 'string' || parseDuration(body.delay) === undefined)) error([...path, kind, 'delay'], `${JSON.stringify(body.delay)} is not a duration (such as 30s, 5m, 1h30m)`);
  for (const f of ['approved', 'automaticReset']) {
    if (kind === 'manual' && body[f] !== undefined && typeof body[f] !== 'boolean') error([...path, kind, f], 'must be true or false');
  }
  for (const f of UNSUPPORTED_TRIGGER_FIELDS) {
    if (body[f] !== undefined) error([...path, kind, f], 'not supported by gitset yet: validated, not acted on (the promotion does not wait for it)', 'unsupported-field', 'warning');
  }
}

/** The stage's ClusterProfile as Sveltos would create it. */
function derivedDocument(name: string, meta: Record<string, unknown>, profileSpec: Record<string, unknown>, stage: PromotionStage) {
  const annotations = isRecord(meta.annotations) ? { annotations: meta.annotations } : {};
  return {
    apiVersion: `${CONFIG_GROUP}/v1beta1`,
    kind: 'ClusterProfile',
    metadata: { name: `${name}-${stage.name}`, labels: { [PROMOTION_LABEL]: name }, ...annotations },
    spec: { ...profileSpec, clusterSelector: stage.clusterSelector },
  };
}

/** Positions of the derived ClusterProfile's fields, found where they are written in the promotion. */
function stageLocator(loc: Locator, stage: number): Locator {
  const map = (path: FieldPath): FieldPath => {
    if (path[0] === 'metadata' && path[1] === 'name') return ['spec', 'stages', stage, 'name'];
    if (path[0] === 'metadata' && path[1] === 'labels') return ['metadata', 'name'];
    if (path[0] !== 'spec') return path;
    if (path[1] === 'clusterSelector') return ['spec', 'stages', stage, ...path.slice(1)];
    return ['spec', 'profileSpec', ...path.slice(1)];
  };
  return { file: loc.file, at: (p, pointAt) => loc.at(map(p), pointAt), inString: (p, i) => loc.inString(map(p), i), fromOffset: (o) => loc.fromOffset(o) };
}

/** A finding about the derived ClusterProfile, said of the promotion's own fields. */
function pointedBack(d: Diagnostic, derivedId: string, id: string, stage: number): Diagnostic {
  const field = (f: string): string => f.startsWith('spec.clusterSelector') ? `spec.stages[${stage}]${f.slice(4)}` : f.startsWith('spec.') ? `spec.profileSpec.${f.slice(5)}` : f;
  const message = d.message.split(`${derivedId}: `).join(`${id}: `).replace(/(^|\s)(spec\.[\w.[\]]+)/g, (_m, pre: string, f: string) => `${pre}${field(f)}`);
  return { ...d, message, ...(d.field ? { field: field(d.field) } : {}), object: id };
}

/**
 * Stages that overlap: a cluster matched by two stages of one promotion belongs to the first of
 * them (the plan drops it from the later ones); said once per cluster and promotion, as a warning.
 */
export function checkStageOverlaps(promotions: readonly ClusterPromotion[], clusters: readonly SveltosCluster[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const p of promotions) {
    const selectors = p.spec.stages.map((s) => compileSelector(s.clusterSelector));
    for (const c of clusters) {
      const stages = p.spec.stages.filter((_, i) => selectors[i]!.matches(c.metadata.labels));
      if (stages.length < 2) continue;
      const id = `${PROMOTION_KIND}/${p.metadata.name}`;
      const key = `${c.metadata.namespace ?? ''}/${c.metadata.name}`;
      const at: SourcePos = p.source;
      out.push({ ...at, severity: 'warning', code: 'stage-overlap', field: 'spec.stages', object: id, message: `${id}: cluster ${key} matches stages ${stages.map((s) => s.name).join(', ')}: it belongs to the first (${stages[0]!.name}) only` });
    }
  }
  return out;
}

function fieldOf(path: FieldPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
