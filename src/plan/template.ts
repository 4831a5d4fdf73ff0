// Templating of helm chart fields for one cluster, as Sveltos renders them: Go's text/template
// with sprig and Sveltos' functions and missingkey=error (the engine is src/template). The data
// is what Sveltos gives a template: `.Cluster` is the whole SveltosCluster (apiVersion, kind,
// metadata, spec, and status when given) and getResource/copy/getField read the objects named
// by templateResourceRefs. This file only adapts the engine to the planner: compile once, say
// whether the text reads the cluster at all, render per cluster, and map errors to codes.
import type { ObjectMeta } from '../model/objects.ts';
import { compile, type Template } from '../template/compile.ts';
import { lineCol, TemplateError as EngineError } from '../template/errors.ts';
import { GoStruct } from '../template/value.ts';

export type TemplateErrorCode = 'template-syntax' | 'template-unsupported' | 'template-missing-key' | 'template-render';

export class TemplateError extends Error {
  constructor(
    readonly code: TemplateErrorCode,
    message: string,
    /** 0-based offset in the template text of the failing token or action. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** What a template can see of a cluster: the object as the repository holds it, never its credentials. */
export interface TemplateCluster {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: unknown;
}

/** Objects named by a profile's templateResourceRefs, by identifier: what getResource returns. */
export type TemplateResources = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export interface CompiledTemplate {
  /** False when nothing in the text can read the cluster or its resources: render once for every cluster. */
  readonly usesCluster: boolean;
  render(cluster: TemplateCluster, resources?: TemplateResources): string;
}

export function compileTemplate(text: string): CompiledTemplate {
  let template: Template;
  try {
    template = compile(text);
  } catch (err) {
    throw adapted(err, text);
  }
  if (!template.readsData) {
    // Rendered here, once: its one output serves every cluster, and a failure (`{{ fail "x" }}`,
    // `{{ now }}`) is a compile error that the caller already turns into the release's error.
    let output: string;
    try {
      output = template.execute(templateData(NO_CLUSTER, undefined));
    } catch (err) {
      throw adapted(err, text);
    }
    return { usesCluster: false, render: () => output };
  }
  return {
    usesCluster: true,
    render(cluster, resources) {
      try {
        return template.execute(templateData(cluster, resources));
      } catch (err) {
        throw adapted(err, text, cluster);
      }
    },
  };
}

/** Compiled templates (or why one does not compile) by text, kept by a revision: profiles often share a template's text. */
export type CompiledTemplates = Map<string, CompiledTemplate | TemplateError>;

/** compileTemplate, each text compiled once per `cache`; throws the same TemplateError for a text that does not compile. */
export function compileTemplateOnce(cache: CompiledTemplates, text: string): CompiledTemplate {
  let t = cache.get(text);
  if (t === undefined) {
    try {
      t = compileTemplate(text);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      t = err;
    }
    cache.set(text, t);
  }
  if (t instanceof TemplateError) throw t;
  return t;
}

/** Renders once; for callers that do not reuse the compiled form. */
export function renderTemplate(text: string, cluster: TemplateCluster, resources?: TemplateResources): string {
  return compileTemplate(text).render(cluster, resources);
}

const NO_CLUSTER: TemplateCluster = { apiVersion: '', kind: '', metadata: { name: '' } };

const CODES: Record<EngineError['kind'], TemplateErrorCode> = {
  parse: 'template-syntax',
  unsupported: 'template-unsupported',
  'missing-key': 'template-missing-key',
  exec: 'template-render',
};

function adapted(err: unknown, text: string, cluster?: TemplateCluster): unknown {
  const where = cluster ? ` (cluster ${cluster.metadata.namespace ?? ''}/${cluster.metadata.name})` : '';
  // Data nested deeper than the stack allows is the template's failure, not the cycle's.
  if (err instanceof RangeError) return new TemplateError('template-render', `template: ${err.message}${where}`, 0);
  if (!(err instanceof EngineError)) return err;
  const { line, col } = lineCol(text, err.offset);
  return new TemplateError(CODES[err.kind], `template line ${line}, column ${col}: ${err.message}${where}`, err.offset);
}

/** Sveltos' currentClusterObjects; a SveltosCluster has no control plane or infrastructure objects. */
function templateData(cluster: TemplateCluster, resources: TemplateResources | undefined): GoStruct {
  const object: Record<string, unknown> = { apiVersion: cluster.apiVersion, kind: cluster.kind, metadata: cluster.metadata, spec: cluster.spec ?? {} };
  if (cluster.status !== undefined) object['status'] = cluster.status;
  const mgmt: Record<string, unknown> = {};
  for (const [id, r] of Object.entries(resources ?? {})) mgmt[id] = withoutServerFields(r);
  return new GoStruct('*controllers.currentClusterObjects', { Cluster: object, KubeadmControlPlane: {}, InfrastructureProvider: {}, MgmtResources: mgmt });
}

/** Sveltos' resetFields: what the API server adds is not shown to templates. */
function withoutServerFields(r: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const meta = r['metadata'];
  if (typeof meta !== 'object' || meta === null) return { ...r };
  const { managedFields: _m, resourceVersion: _v, uid: _u, ...rest } = meta as Record<string, unknown>;
  return { ...r, metadata: rest };
}
