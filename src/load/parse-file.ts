// One file's text → the objects it defines and what is wrong with it. Pure and keyed by the
// text alone, so a caller can keep results for unchanged files (see ManifestCache).
import { LineCounter, parseAllDocuments } from 'yaml';
import type { Diagnostic } from '../model/diagnostics.ts';
import type { GitsetObject } from '../model/objects.ts';
import { checkDocument } from './document.ts';
import { createLocator } from './positions.ts';

export interface FileParse {
  objects: GitsetObject[];
  diagnostics: Diagnostic[];
}

export function parseFile(path: string, text: string): FileParse {
  const lc = new LineCounter();
  const objects: GitsetObject[] = [];
  const diagnostics: Diagnostic[] = [];
  let docs;
  try {
    docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false });
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
    if (doc.errors.length > 0) {
      for (const e of doc.errors) diagnostics.push(yamlError(path, lc, e));
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
    const result = checkDocument(raw, createLocator(path, doc, lc));
    if (result.object) objects.push(result.object);
    diagnostics.push(...result.diagnostics);
  }
  return { objects, diagnostics };
}

function yamlError(path: string, lc: LineCounter, e: { message: string; pos: [number, number] }): Diagnostic {
  const { line, col } = lc.linePos(e.pos[0]);
  // The parser's message can carry a code excerpt on later lines; keep the sentence.
  const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return { file: path, line, col, severity: 'error', code: 'yaml-syntax', message: `YAML syntax error: ${message}` };
}
