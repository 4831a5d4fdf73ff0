// Cluster-metadata templating of Helm values, the subset of Sveltos' Go templates that needs no
// management cluster. Supported actions (with optional `{{-` / `-}}` whitespace trimming):
//   {{ .Cluster.metadata.name }}            {{ .Cluster.metadata.namespace }}
//   {{ .Cluster.metadata.labels.KEY }}      {{ .Cluster.metadata.annotations.KEY }}
//   {{ index .Cluster.metadata.labels "KEY" }}  (also annotations; "..." or `...` quotes)
//   {{ .Cluster.kind }}  {{ .Cluster.apiVersion }}  {{/* a comment */}}
// A dotted path to a missing label is an error (Sveltos renders with missingkey=error); `index`
// of a missing key gives "". Anything else (if, range, pipes, functions, getResource) is
// rejected with a TemplateError rather than passed to helm half-rendered.
import type { ObjectMeta } from '../model/objects.ts';

export type TemplateErrorCode = 'template-syntax' | 'template-unsupported' | 'template-missing-key';

export class TemplateError extends Error {
  constructor(
    readonly code: TemplateErrorCode,
    message: string,
    /** 0-based offset of the action in the template text. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** What a template can see of a cluster: its identity and metadata, never its credentials. */
export interface TemplateCluster {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

export interface CompiledTemplate {
  /** False when the text has no action that reads the cluster: render once for every cluster. */
  readonly usesCluster: boolean;
  render(cluster: TemplateCluster): string;
}

type Lookup =
  | { kind: 'field'; field: 'name' | 'namespace' | 'kind' | 'apiVersion' }
  | { kind: 'map'; map: 'labels' | 'annotations'; key: string; strict: boolean };

type Part = string | { lookup: Lookup; offset: number; source: string };

const SUPPORTED =
  'supported: {{ .Cluster.metadata.name }}, {{ .Cluster.metadata.namespace }}, {{ .Cluster.metadata.labels.KEY }}, ' +
  '{{ .Cluster.metadata.annotations.KEY }}, {{ index .Cluster.metadata.labels "KEY" }}';

export function compileTemplate(text: string): CompiledTemplate {
  const parts: Part[] = [];
  let pos = 0;
  let trimNext = false;
  for (;;) {
    const open = text.indexOf('{{', pos);
    let literal = text.slice(pos, open < 0 ? text.length : open);
    if (trimNext) literal = literal.replace(/^\s+/, '');
    if (open < 0) {
      parts.push(literal);
      break;
    }
    const close = text.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError('template-syntax', `unclosed action "{{" at offset ${open}`, open);
    let inner = text.slice(open + 2, close);
    if (/^-\s/.test(inner)) {
      literal = literal.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    trimNext = /\s-$/.test(inner);
    if (trimNext) inner = inner.slice(0, -1);
    parts.push(literal);
    const lookup = parseAction(inner.trim(), open, text.slice(open, close + 2));
    if (lookup) parts.push({ lookup, offset: open, source: text.slice(open, close + 2) });
    pos = close + 2;
  }
  const dynamic = parts.filter((p): p is Exclude<Part, string> => typeof p !== 'string');
  return {
    usesCluster: dynamic.length > 0,
    render(cluster) {
      let out = '';
      for (const p of parts) out += typeof p === 'string' ? p : resolve(p.lookup, cluster, p.offset, p.source);
      return out;
    },
  };
}

/** Renders once; for callers that do not reuse the compiled form. */
export function renderTemplate(text: string, cluster: TemplateCluster): string {
  return compileTemplate(text).render(cluster);
}

function parseAction(inner: string, offset: number, source: string): Lookup | undefined {
  if (inner.startsWith('/*') && inner.endsWith('*/')) return undefined;
  const words = splitWords(inner, offset);
  const unsupported = (): never => {
    throw new TemplateError('template-unsupported', `unsupported template action ${source}; ${SUPPORTED}`, offset);
  };
  if (words.length === 1 && words[0]!.kind === 'word') {
    const path = words[0]!.text.split('.');
    // ".Cluster.metadata.labels.region" splits into ['', 'Cluster', 'metadata', 'labels', 'region']
    if (path[0] !== '' || path[1] !== 'Cluster') return unsupported();
    if (path.length === 3 && (path[2] === 'kind' || path[2] === 'apiVersion')) return { kind: 'field', field: path[2] };
    if (path[2] !== 'metadata') return unsupported();
    if (path.length === 4 && (path[3] === 'name' || path[3] === 'namespace')) return { kind: 'field', field: path[3] };
    if (path.length === 5 && (path[3] === 'labels' || path[3] === 'annotations') && path[4] !== '') {
      return { kind: 'map', map: path[3], key: path[4]!, strict: true };
    }
    return unsupported();
  }
  if (words.length === 3 && words[0]!.text === 'index' && words[0]!.kind === 'word' && words[2]!.kind === 'string') {
    const m = /^\.Cluster\.metadata\.(labels|annotations)$/.exec(words[1]!.text);
    if (m && words[1]!.kind === 'word') return { kind: 'map', map: m[1] as 'labels' | 'annotations', key: words[2]!.text, strict: false };
  }
  return unsupported();
}

interface Word {
  kind: 'word' | 'string';
  text: string;
}

function splitWords(inner: string, offset: number): Word[] {
  const words: Word[] = [];
  let i = 0;
  while (i < inner.length) {
    const c = inner[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === '`') {
      let j = i + 1;
      let value = '';
      while (j < inner.length && inner[j] !== c) {
        if (c === '"' && inner[j] === '\\' && j + 1 < inner.length) {
          const e = inner[j + 1]!;
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          j += 2;
        } else {
          value += inner[j];
          j++;
        }
      }
      if (j >= inner.length) throw new TemplateError('template-syntax', `unterminated string in {{${inner}}}`, offset);
      words.push({ kind: 'string', text: value });
      i = j + 1;
    } else {
      let j = i;
      while (j < inner.length && !/\s/.test(inner[j]!)) j++;
      words.push({ kind: 'word', text: inner.slice(i, j) });
      i = j;
    }
  }
  return words;
}

function resolve(lookup: Lookup, cluster: TemplateCluster, offset: number, source: string): string {
  switch (lookup.kind) {
    case 'field':
      return lookup.field === 'kind' || lookup.field === 'apiVersion'
        ? cluster[lookup.field]
        : (cluster.metadata[lookup.field] ?? '');
    case 'map': {
      const map = cluster.metadata[lookup.map] ?? {};
      if (Object.hasOwn(map, lookup.key)) return String(map[lookup.key]);
      if (!lookup.strict) return '';
      const where = `${cluster.metadata.namespace ?? ''}/${cluster.metadata.name}`;
      throw new TemplateError(
        'template-missing-key',
        `${source}: cluster ${where} has no ${lookup.map === 'labels' ? 'label' : 'annotation'} "${lookup.key}" ` +
          `(use {{ index .Cluster.metadata.${lookup.map} "${lookup.key}" }} for an empty default)`,
        offset,
      );
    }
  }
}
