// One file's text → the objects it defines and what is wrong with it. Pure and keyed by the
// text alone, so a caller can keep results for unchanged files (see ManifestCache).
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { Diagnostic } from '../model/diagnostics.ts';
import type { ClusterPromotion, ContentSource, FluxSource, GitsetObject } from '../model/objects.ts';
import { checkContentSource, isContentSourceDoc } from './content-sources.ts';
import { checkDocument } from './document.ts';
import { checkFluxSource, isFluxSourceDoc } from './flux-sources.ts';
import { createLocator } from './positions.ts';
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
  const lc = new LineCounter();
  const objects: GitsetObject[] = [];
  const diagnostics: Diagnostic[] = [];
  let sources: ContentSource[] | undefined;
  let fluxSources: FluxSource[] | undefined;
  let resources: RepositoryObject[] | undefined;
  let promotions: ClusterPromotion[] | undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_MANIFEST_BYTES) {
    diagnostics.push(tooLarge(path, bytes));
    return { objects, diagnostics };
  }
  let docs;
  try {
    // The parser's own duplicate-key check compares each key with every earlier one of its
    // mapping (quadratic: 1.3 MB of flat keys took seconds); duplicateKeys does it with a Set.
    docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  } catch (err) {
    // The parser reports problems as document errors; this is for the unforeseen, still without a stack.
    diagnostics.push({ file: path, line: 1, col: 1, severity: 'error', code: 'yaml-syntax', message: `cannot parse YAML: ${String(err)}` });
    return { objects, diagnostics };
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
    const resource = isGitsetKind(raw) ? undefined : repositoryObjectOf(raw);
    if (resource) (resources ??= []).push(resource);
    if (isContentSourceDoc(raw)) {
      const r = checkContentSource(raw, createLocator(path, doc, lc));
      if (r.source) (sources ??= []).push(r.source);
      diagnostics.push(...r.diagnostics);
      continue;
    }
    if (isFluxSourceDoc(raw)) {
      const r = checkFluxSource(raw, createLocator(path, doc, lc));
      if (r.source) (fluxSources ??= []).push(r.source);
      diagnostics.push(...r.diagnostics);
      continue;
    }
    if (isPromotionDoc(raw)) {
      const r = checkPromotion(raw, createLocator(path, doc, lc));
      if (r.promotion) (promotions ??= []).push(r.promotion);
      objects.push(...r.profiles);
      diagnostics.push(...r.diagnostics);
      continue;
    }
    const result = checkDocument(raw, createLocator(path, doc, lc));
    if (result.object) objects.push(result.object);
    diagnostics.push(...result.diagnostics);
  }
  return { objects, ...(sources ? { sources } : {}), ...(fluxSources ? { fluxSources } : {}), ...(resources ? { resources } : {}), ...(promotions ? { promotions } : {}), diagnostics };
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
