// One file's text → the objects it defines and what is wrong with it. Pure and keyed by the
// text alone, so a caller can keep results for unchanged files (see ManifestCache).
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { Diagnostic } from '../model/diagnostics.ts';
import type { ClusterPromotion, GitsetObject } from '../model/objects.ts';
import type { ContentSource, FluxSource } from '../model/sources.ts';
import { checkContentSource, isContentSourceDoc } from './content-sources.ts';
import { checkDocument } from './document.ts';
import { checkFluxSource, isFluxSourceDoc } from './flux-sources.ts';
import { readBlockYaml, unpack, type Shape } from './block-yaml.ts';
import { createLocator, createShapeLocator, type Locator } from './positions.ts';
import { checkPromotion, isPromotionDoc } from './promotion.ts';
import { repositoryObjectOf, type RepositoryObject } from './repository-objects.ts';

/**
 * The largest manifest file read (1 MiB): far above any real one, and a bound on what a pull
 * request can make every validate run and daemon cycle parse.
 */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

export interface FileParse {
  objects: GitsetObject[];
  /** ConfigMaps and Secrets (policyRefs content). */
  sources?: ContentSource[];
  /** Flux GitRepository/OCIRepository objects (kustomizationRefs sources). */
  fluxSources?: FluxSource[];
  /** Every other Kubernetes object (ConfigMaps and Secrets included): what templateResourceRefs can name. */
  resources?: RepositoryObject[];
  /** ClusterPromotions; their stages' ClusterProfiles are among `objects`. */
  promotions?: ClusterPromotion[];
  diagnostics: Diagnostic[];
}

export function parseFile(path: string, text: string): FileParse {
  const out: FileParse = { objects: [], diagnostics: [] };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_MANIFEST_BYTES) {
    out.diagnostics.push(tooLarge(path, bytes));
    return out;
  }
  // The common case: the block-style reader's values and places; the full parser for anything else.
  const block = readBlockYaml(text);
  if (block) {
    let full: Locator[] | undefined;
    // Only a place inside a string (a selector's syntax error) needs the full parse of the file.
    const fullLocator = (shape: Shape): Locator => {
      if (!full) {
        const locators: Locator[] = [];
        fullParse(path, text, [], (_, loc) => locators.push(loc));
        full = locators;
      }
      const { line, col } = unpack(shape.at);
      return full.find((l) => { const p = l.at([]); return p.line === line && p.col === col; }) ?? full[0]!;
    };
    for (const doc of block) readDocument(out, doc.value, createShapeLocator(path, doc.shape, () => fullLocator(doc.shape)));
    return compact(out);
  }
  fullParse(path, text, out.diagnostics, (raw, loc) => readDocument(out, raw, loc));
  return compact(out);
}

/** The `yaml` package's reading: each document's value and locator to `onDoc`, syntax errors to `diagnostics`, in order. */
function fullParse(path: string, text: string, diagnostics: Diagnostic[], onDoc: (raw: unknown, loc: Locator) => void): void {
  const lc = new LineCounter();
  let docs;
  try {
    // The parser's own duplicate-key check compares each key with every earlier one of its
    // mapping (quadratic: 1.3 MB of flat keys took seconds); duplicateKeys does it with a Set.
    docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  } catch (err) {
    // The parser reports problems as document errors; this is for the unforeseen, still without a stack.
    diagnostics.push({ file: path, line: 1, col: 1, severity: 'error', code: 'yaml-syntax', message: `cannot parse YAML: ${String(err)}` });
    return;
  }
  // A stream holding nothing but an error comes back as an EmptyStream with the errors attached.
  const list = Array.isArray(docs) ? docs : [];
  const streamErrors = Array.isArray(docs) ? [] : ((docs as { errors?: Array<{ message: string; pos: [number, number] }> }).errors ?? []);
  for (const e of streamErrors) diagnostics.push(yamlError(path, lc, e));
  for (const doc of list) {
    const errors = [...doc.errors, ...duplicateKeys(doc)];
    if (errors.length > 0) {
      for (const e of errors) diagnostics.push(yamlError(path, lc, e));
      continue;
    }
    let raw: unknown;
    try {
      raw = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      const pos = lc.linePos(doc.range?.[0] ?? 0);
      diagnostics.push({ file: path, ...pos, severity: 'error', code: 'yaml-syntax', message: err instanceof Error ? err.message : String(err) });
      continue;
    }
    onDoc(raw, createLocator(path, doc, lc));
  }
}

/** One document's value: one of gitset's kinds, a policy or Flux source, or another repository object. */
function readDocument(out: FileParse, raw: unknown, loc: Locator): void {
  const resource = isGitsetKind(raw) ? undefined : repositoryObjectOf(raw);
  if (resource) (out.resources ??= []).push(resource);
  if (isContentSourceDoc(raw)) {
    const r = checkContentSource(raw, loc);
    if (r.source) (out.sources ??= []).push(r.source);
    out.diagnostics.push(...r.diagnostics);
    return;
  }
  if (isFluxSourceDoc(raw)) {
    const r = checkFluxSource(raw, loc);
    if (r.source) (out.fluxSources ??= []).push(r.source);
    out.diagnostics.push(...r.diagnostics);
    return;
  }
  if (isPromotionDoc(raw)) {
    const r = checkPromotion(raw, loc);
    if (r.promotion) (out.promotions ??= []).push(r.promotion);
    out.objects.push(...r.profiles);
    out.diagnostics.push(...r.diagnostics);
    return;
  }
  const result = checkDocument(raw, loc);
  if (result.object) out.objects.push(result.object);
  out.diagnostics.push(...result.diagnostics);
}

/** Without the optional lists no document filled. */
function compact(r: FileParse): FileParse {
  return { objects: r.objects, ...(r.sources ? { sources: r.sources } : {}), ...(r.fluxSources ? { fluxSources: r.fluxSources } : {}), ...(r.resources ? { resources: r.resources } : {}), ...(r.promotions ? { promotions: r.promotions } : {}), diagnostics: r.diagnostics };
}

/** gitset's own five kinds are read as such (src/load/document.ts), not kept as repository objects. */
function isGitsetKind(raw: unknown): boolean {
  const { apiVersion, kind } = (raw ?? {}) as Record<string, unknown>;
  return typeof apiVersion === 'string' && apiVersion.includes('projectsveltos.io/') && ['SveltosCluster', 'ClusterSet', 'Set', 'ClusterProfile', 'Profile', 'ClusterPromotion'].includes(kind as string);
}

function yamlError(path: string, lc: LineCounter, e: { message: string; pos: [number, number] }): Diagnostic {
  const { line, col } = lc.linePos(e.pos[0]);
  // The parser's message can carry a code excerpt on later lines; keep the sentence.
  const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return { file: path, line, col, severity: 'error', code: 'yaml-syntax', message: `YAML syntax error: ${message}` };
}

/** What the parser's `uniqueKeys` reports (scalar keys of equal value in one mapping), in linear time. */
function duplicateKeys(doc: Document): Array<{ message: string; pos: [number, number] }> {
  const out: Array<{ message: string; pos: [number, number] }> = [];
  // A plain recursion over maps and sequences: yaml's visit() builds a path per node and cost
  // a twentieth of a 10k fleet's load.
  const walk = (node: unknown): void => {
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        walk(pair.key);
        walk(pair.value);
        if (!isScalar(pair.key) || Number.isNaN(pair.key.value)) continue; // NaN !== NaN, as the parser compares
        if (!seen.has(pair.key.value)) seen.add(pair.key.value);
        else out.push({ message: 'Map keys must be unique', pos: [pair.key.range?.[0] ?? 0, pair.key.range?.[1] ?? 0] });
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item);
    }
  };
  walk(doc.contents);
  return out;
}

export function tooLarge(path: string, bytes: number): Diagnostic {
  const size = `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  return { file: path, line: 1, col: 1, severity: 'error', code: 'read-error', message: `${path} is ${size}, over the ${MAX_MANIFEST_BYTES / (1024 * 1024)} MiB limit for a manifest file: not read` };
}
